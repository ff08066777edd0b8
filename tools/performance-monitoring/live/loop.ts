// The one refresh loop of --watch and --serve (docs/live.md): refreshes never overlap (the next
// starts an interval after the previous started, or when it ends if it ran longer), one at a
// time whoever asks (single flight), each bounded by a deadline; a failed refresh keeps the last
// good report, marked stale with the time and cause, and the next one retries.
import { describeError } from '../base/errors.js';
import type { Report } from '../report/types.js';

/** What every sink reads: the last good report and how fresh it is. `R` is what a refresh
 *  yields: the report itself, or (live/remote.ts) a handle on one built in the refresh worker. */
export interface LiveState<R = Report> {
  /** The last good report; null before the first success. */
  report: R | null;
  /** Counts successful refreshes: sinks render once per new report. */
  reportSeq: number;
  /** Epoch ms. */
  lastSuccessAt: number | null;
  lastRefreshAt: number | null;
  lastDurationMs: number | null;
  /** Why the last refresh failed; null when it succeeded (or none ran yet). */
  failure: { at: number; cause: string } | null;
  refreshes: number;
  failures: number;
  /** When the next refresh starts, epoch ms; null while one runs or once stopped. */
  nextAt: number | null;
  running: boolean;
}

/** One refresh: reads the source once. `signal` aborts when the deadline passed or the loop stops. */
export type RefreshOnce<R = Report> = (signal: AbortSignal) => Promise<R>;

export interface LoopOptions {
  intervalMs: number;
  timeoutMs: number;
  /** A failure's cause, safe to show anywhere (secrets redacted). */
  describe?: (error: unknown) => string;
  now?: () => number;
}

export class RefreshLoop<R = Report> {
  readonly state: LiveState<R> = {
    report: null,
    reportSeq: 0,
    lastSuccessAt: null,
    lastRefreshAt: null,
    lastDurationMs: null,
    failure: null,
    refreshes: 0,
    failures: 0,
    nextAt: null,
    running: false,
  };
  private readonly listeners: ((state: LiveState<R>) => void)[] = [];
  /** Requests waiting for the first report (docs/live.md: up to the scrape timeout). */
  private readonly waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | null = null;
  private controller: AbortController | null = null;
  private stopped = false;
  private readonly now: () => number;

  constructor(
    private readonly refreshOnce: RefreshOnce<R>,
    private readonly options: LoopOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Called after every refresh, success or failure, and on any state change sinks show. */
  onChange(listener: (state: LiveState<R>) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    this.schedule(0);
  }

  /** Starts a refresh now unless one runs (single flight); resolves when the running one ends. */
  refreshNow(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.current) return this.current;
    clearTimeout(this.timer);
    this.current = this.runOne().finally(() => {
      this.current = null;
    });
    return this.current;
  }

  /** Resolves once a report exists, or after `ms` (false then). */
  async firstReport(ms: number): Promise<boolean> {
    if (this.state.report !== null) return true;
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        resolve(ok);
      };
      const waiter = () => done(true);
      const timer = setTimeout(
        () => {
          this.waiters.delete(waiter);
          done(false);
        },
        Math.max(0, ms),
      );
      this.waiters.add(waiter);
    });
  }

  /** No more refreshes; the running one is abandoned (aborted) after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.state.nextAt = null;
    const running = this.current;
    if (!running) return;
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([running, grace]);
    this.controller?.abort(new Error('the live view is stopping'));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.state.nextAt = this.now() + delayMs;
    this.timer = setTimeout(() => void this.refreshNow(), delayMs);
  }

  private async runOne(): Promise<void> {
    const started = this.now();
    const controller = new AbortController();
    this.controller = controller;
    this.state.running = true;
    this.state.nextAt = null;
    let deadline: NodeJS.Timeout | undefined;
    try {
      const timedOut = new Promise<never>((_, reject) => {
        deadline = setTimeout(() => {
          const error = new Error(`no answer within ${formatSeconds(this.options.timeoutMs)} (PERFMON_TIMEOUT_MS): refresh abandoned`);
          controller.abort(error);
          reject(error);
        }, this.options.timeoutMs);
      });
      const aborted = new Promise<never>((_, reject) => {
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason));
      });
      const report = await Promise.race([this.refreshOnce(controller.signal), timedOut, aborted]);
      this.succeeded(report, started);
    } catch (error) {
      this.failed(error, started);
    } finally {
      clearTimeout(deadline);
      this.controller = null;
      this.state.running = false;
    }
    // The next starts an interval after this one started, or now if this one ran longer.
    this.schedule(Math.max(0, started + this.options.intervalMs - this.now()));
    this.emit();
  }

  private succeeded(report: R, started: number): void {
    const at = this.now();
    Object.assign(this.state, {
      report,
      reportSeq: this.state.reportSeq + 1,
      lastSuccessAt: at,
      lastRefreshAt: at,
      lastDurationMs: at - started,
      failure: null,
      refreshes: this.state.refreshes + 1,
    });
  }

  private failed(error: unknown, started: number): void {
    const at = this.now();
    const cause = (this.options.describe ?? describeError)(error);
    Object.assign(this.state, {
      lastRefreshAt: at,
      lastDurationMs: at - started,
      failure: { at, cause },
      refreshes: this.state.refreshes + 1,
      failures: this.state.failures + 1,
    });
  }

  private emit(): void {
    if (this.state.report !== null) {
      for (const waiter of this.waiters) waiter();
      this.waiters.clear();
    }
    for (const listener of this.listeners) {
      try {
        listener(this.state);
      } catch {
        // A sink's failure is its own (each reports it); the loop goes on.
      }
    }
  }
}

export const formatSeconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`);
