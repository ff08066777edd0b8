// The refresh worker (docs/live.md, "The refresh worker"): a worker thread that owns the source
// (the tailed file's state, the database client), runs each refresh (read, analysis, report,
// alerts) and renders the answers, so the serving thread's event loop never waits for a refresh's
// JavaScript or its garbage collection. Answers leave as encoded bytes, transferred, not copied.
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Notices } from '../base/notices.js';
import { renderReport } from '../refresh.js';
import { livePageParts, renderLivePage } from '../render/html-live.js';
import { renderJson } from '../render/json.js';
import { openMetricsFamilies } from '../render/openmetrics.js';
import type { Report } from '../report/types.js';
import { useLiveDuckDbSettings } from '../sources/duckdb.js';
import { sseEvent } from './events.js';
import { Refresher } from './refresher.js';
import {
  type FromWorker,
  type NoticeMethod,
  type ToWorker,
  toWire,
  unpackSettings,
  type ViewName,
  type WorkerData,
} from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('live/worker.ts runs as a worker thread');
const { color } = workerData as WorkerData;
const settings = unpackSettings((workerData as WorkerData).settings);
// Every database this thread opens is a live view's: one thread, freed memory given back
// (docs/live.md, "Memory"). The serving thread and one-shot reports keep DuckDB's defaults.
useLiveDuckDbSettings();
/**
 * On Linux a thread's priority is its own: every thread of the process but the serving one (this
 * worker, DuckDB's threads, libuv's pool where DuckDB's queries run) is put at nice 10, so when
 * the machine is short of processor time the serving thread gets it first. Run after each
 * refresh: DuckDB starts its threads when it opens. Elsewhere, or if refused, nothing changes.
 */
function yieldToServing(): void {
  if (process.platform !== 'linux') return;
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      if (Number(tid) !== process.pid && getPriority(Number(tid)) < 10) setPriority(Number(tid), 10);
    }
  } catch {
    // A thread that ended meanwhile, or no /proc: the refresh runs at the process's priority.
  }
}
yieldToServing();

const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
const notice = (method: NoticeMethod) => (text: string) => post({ type: 'notice', method, text });
const notices: Notices = {
  line: notice('line'),
  progress: notice('progress'),
  endProgress: () => post({ type: 'notice', method: 'endProgress', text: '' }),
  clearProgress: () => post({ type: 'notice', method: 'clearProgress', text: '' }),
};
const refresher = new Refresher(settings, notices);
const running = new Map<number, AbortController>();
/** The last two reports: a view asked for the one before may arrive after a newer one is made. */
const reports = new Map<number, Report>();
let seq = 0;

async function render(report: Report, name: ViewName): Promise<string> {
  switch (name) {
    case 'figures':
      return openMetricsFamilies(report);
    case 'json':
      return renderJson(report);
    case 'page':
      return renderLivePage(report);
    case 'events':
      return sseEvent('report', renderJson(report, { compact: true }).trimEnd()) + sseEvent('page', JSON.stringify(livePageParts(report)));
    case 'output':
      return renderReport(report, settings);
    default:
      return renderReport(report, settings, { width: Number(name.slice('terminal:'.length)), color });
  }
}

/** Each body in an ArrayBuffer of its own (Buffer.from may use a shared pool, which must not be transferred). */
const encode = (text: string) => new TextEncoder().encode(text);

async function refresh(id: number, want: ViewName[]): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  try {
    const report = await refresher.refresh(controller.signal);
    yieldToServing();
    if (controller.signal.aborted) return;
    reports.set(++seq, report);
    reports.delete(seq - 2);
    const views: Partial<Record<ViewName, Uint8Array>> = {};
    const transfer: ArrayBuffer[] = [];
    for (const name of new Set(want)) {
      const body = encode(await render(report, name));
      views[name] = body;
      transfer.push(body.buffer as ArrayBuffer);
    }
    const alertsFailed = report.alerts?.channels.some((c) => c.failed !== null) ?? false;
    post({ type: 'done', id, seq, alertsFailed, views }, transfer);
  } catch (error) {
    if (!controller.signal.aborted) post({ type: 'failed', id, error: toWire(error) });
  } finally {
    running.delete(id);
  }
}

async function view(id: number, at: number, name: ViewName): Promise<void> {
  const report = reports.get(at);
  if (report === undefined) return post({ type: 'view', id, body: null, error: null });
  try {
    const body = encode(await render(report, name));
    post({ type: 'view', id, body, error: null }, [body.buffer as ArrayBuffer]);
  } catch (error) {
    post({ type: 'view', id, body: null, error: toWire(error) });
  }
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'refresh':
      return void refresh(message.id, message.want);
    case 'abandon':
      // The source is closed by the refresher (its database query dies with its connection); the
      // next refresh opens a new one. Said at once: a worker that cannot say it is stuck (remote.ts).
      running.get(message.id)?.abort(new Error('refresh abandoned'));
      return post({ type: 'abandoned', id: message.id });
    case 'view':
      return void view(message.id, message.seq, message.name);
    case 'close':
      for (const controller of running.values()) controller.abort(new Error('the live view is stopping'));
      return void refresher.close(1_000).then(() => post({ type: 'closed' }));
  }
});
