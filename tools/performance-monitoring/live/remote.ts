// The serving thread's side of the refresh worker (live/worker.ts; docs/live.md, "The refresh
// worker"): starts it, asks it for a refresh and for answers, and replaces it when it dies or
// stops answering. The loop (loop.ts) keeps its contract: one refresh at a time, the deadline,
// stale marking; an abandoned refresh closes the worker's source and the next opens a new one.
import { Worker } from 'node:worker_threads';
import type { Notices } from '../base/notices.js';
import { type FromWorker, fromWire, packSettings, type ToWorker, type ViewName, type WorkerData } from './worker-protocol.js';

/** A worker that does not acknowledge an abandon within this is stuck (its thread never yields): it
 *  is terminated, and the next refresh starts a new one. */
const ABANDON_ACK_MS = 2_000;

const asBuffer = (body: Uint8Array) => Buffer.from(body.buffer, body.byteOffset, body.byteLength);

/** One report built in the worker: what the sinks ask of it, rendered there once per name. */
export class RemoteReport {
  private readonly bodies = new Map<ViewName, Promise<Buffer>>();
  private readonly ready = new Map<ViewName, Buffer>();

  constructor(
    readonly seq: number,
    /** Whether an alert channel of this refresh failed (the exit code 4 of docs/alerting.md). */
    readonly alertsFailed: boolean,
    views: Partial<Record<ViewName, Uint8Array>>,
    private readonly fetch: (seq: number, name: ViewName) => Promise<Buffer>,
  ) {
    for (const [name, body] of Object.entries(views) as [ViewName, Uint8Array][]) {
      const buffer = asBuffer(body);
      this.ready.set(name, buffer);
      this.bodies.set(name, Promise.resolve(buffer));
    }
  }

  /** The answer if it is already here (rendered with the refresh), without waiting. */
  peek(name: ViewName): Buffer | undefined {
    return this.ready.get(name);
  }

  /** The answer, rendered by the worker on first use. */
  get(name: ViewName): Promise<Buffer> {
    let body = this.bodies.get(name);
    if (body === undefined) {
      body = this.fetch(this.seq, name).then((buffer) => {
        this.ready.set(name, buffer);
        return buffer;
      });
      // A failed rendering is asked for again next time rather than remembered.
      body.catch(() => this.bodies.delete(name));
      this.bodies.set(name, body);
    }
    return body;
  }
}

interface Pending {
  worker: Worker;
  resolve: (message: FromWorker) => void;
  reject: (error: Error) => void;
}

export class RemoteRefresher {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Abandons not yet acknowledged: each timer ends a worker that does not answer in time. */
  private readonly acks = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly data: WorkerData,
    private readonly notices: Notices,
    /** The answers to render with each refresh (the others are rendered when first asked for). */
    private readonly want: () => ViewName[],
  ) {}

  readonly refresh = async (signal: AbortSignal): Promise<RemoteReport> => {
    const worker = this.started();
    const id = this.nextId++;
    const answer = this.ask(worker, id, { type: 'refresh', id, want: this.want() });
    const abandon = () => this.abandon(worker, id);
    signal.addEventListener('abort', abandon, { once: true });
    try {
      const message = await answer;
      if (message.type === 'failed') throw fromWire(message.error);
      if (message.type !== 'done') throw new Error(`the refresh worker answered ${message.type}`);
      return new RemoteReport(message.seq, message.alertsFailed, message.views, (seq, name) => this.view(worker, seq, name));
    } finally {
      signal.removeEventListener('abort', abandon);
    }
  };

  /** Stops the worker: its source closed (up to `ms`), then the thread ended. */
  async close(ms: number): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker === null) return;
    // Held until it is done: with the server closed, nothing else may keep the process running.
    worker.ref();
    const closed = new Promise<void>((resolve) => {
      worker.on('message', (message: FromWorker) => message.type === 'closed' && resolve());
      worker.on('exit', () => resolve());
    });
    worker.postMessage({ type: 'close' } satisfies ToWorker);
    await Promise.race([closed, new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);
    await worker.terminate();
  }

  /** An answer from the report `seq` of `worker`: a report of a worker since replaced is gone. */
  private async view(worker: Worker, seq: number, name: ViewName): Promise<Buffer> {
    if (this.worker !== worker) throw new Error('the refresh worker was restarted: the next refresh renders this again');
    const id = this.nextId++;
    const message = await this.ask(worker, id, { type: 'view', id, seq, name });
    if (message.type !== 'view') throw new Error(`the refresh worker answered ${message.type}`);
    if (message.error !== null) throw fromWire(message.error);
    // null: the worker no longer holds that report (two newer ones were made meanwhile).
    if (message.body === null) throw new Error('that report was replaced by a newer one');
    return asBuffer(message.body);
  }

  private ask(worker: Worker, id: number, message: ToWorker): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker, resolve, reject });
      worker.postMessage(message);
    });
  }

  private abandon(worker: Worker, id: number): void {
    this.pending.get(id)?.reject(new Error('refresh abandoned'));
    this.pending.delete(id);
    const stuck = setTimeout(() => this.replace(worker, new Error('the refresh worker stopped answering')), ABANDON_ACK_MS);
    stuck.unref();
    this.acks.set(id, stuck);
    worker.postMessage({ type: 'abandon', id } satisfies ToWorker);
  }

  private started(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = spawnWorker(this.data);
    worker.on('message', (message: FromWorker) => this.received(message));
    worker.on('error', (error) => this.replace(worker, error));
    worker.on('exit', (code) => this.replace(worker, new Error(`the refresh worker exited (${code})`)));
    // The worker alone never keeps the process alive: the server and the loop's timer do.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private received(message: FromWorker): void {
    if (message.type === 'notice') return void this.notices[message.method](message.text);
    if (message.type === 'closed') return;
    if (message.type === 'abandoned') {
      clearTimeout(this.acks.get(message.id));
      this.acks.delete(message.id);
      return;
    }
    const pending = this.pending.get(message.id);
    this.pending.delete(message.id);
    pending?.resolve(message);
  }

  /** The worker died or is stuck: whatever waits on it fails, and the next refresh starts a new one. */
  private replace(worker: Worker, error: Error): void {
    if (this.worker === worker) this.worker = null;
    void worker.terminate();
    for (const [id, pending] of this.pending) {
      if (pending.worker !== worker) continue;
      pending.reject(error);
      this.pending.delete(id);
    }
  }
}

/** The worker from source (through tsx's loader, which a worker does not inherit) or from the build. */
function spawnWorker(workerData: WorkerData): Worker {
  const here = import.meta.url;
  // Not the process's --import/--require modules (a preload meant for the main thread), and tsx's
  // loader is registered below when running from source.
  // The young generation capped at 8 MB (docs/live.md, "Memory"): V8 otherwise grows it with the
  // refreshes' allocation rate over the first minutes, ~30 MB of RSS that looks like a leak.
  const options = {
    workerData: { ...workerData, settings: packSettings(workerData.settings) },
    execArgv: [],
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  };
  if (!here.endsWith('.ts')) return new Worker(new URL('./live-worker.js', here), options);
  const entry = new URL('./worker.ts', here).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { ...options, eval: true });
}
