// One `npm run bench` run's measuring state: every case measures through session.measure()
// (warm-up, median of --runs, floor runs interleaved, a line on stderr as it goes) and adds to
// the same lists (rows, plans, notes), which results.ts turns into the table and the JSON.
import type { PostgrestServer } from '../harness/postgrest-server.js';
import type { Check, CheckState } from './cli-runs.js';
import { type Command, emptyScript, measure, median, type Series } from './measure.js';
import type { BenchOptions } from './options.js';
import type { Measurement, PlanSummary, UnpagedCheck } from './types.js';

export interface Session {
  readonly options: BenchOptions;
  log(line: string): void;
  readonly measurements: Measurement[];
  /** The floor's own series (the runner starting an empty file), at the start and the end. */
  readonly floorSeries: Series[];
  readonly plans: PlanSummary[];
  readonly unpaged: UnpagedCheck[];
  readonly datasets: Array<Record<string, unknown>>;
  readonly notes: string[];
  /** Set on SIGINT/SIGTERM: cases stop starting new series. */
  interrupted: boolean;
  /**
   * Measures `command` (id `floor`: the floor itself) and records the row; a failed check or run
   * is recorded as a FAILED row and returns null, so the other cases still run.
   */
  measure(
    id: string,
    label: string,
    data: { label: string; n: number } | null,
    command: Command,
    check: Check,
    server?: PostgrestServer | null,
  ): Promise<Measurement | null>;
}

export const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));

export function createSession(options: BenchOptions): Session {
  const session: Session = {
    options,
    log: (line) => process.stderr.write(`${line}\n`),
    measurements: [],
    floorSeries: [],
    plans: [],
    unpaged: [],
    datasets: [],
    notes: [],
    interrupted: false,
    measure: (...args) => measureCase(session, ...args),
  };
  return session;
}

async function measureCase(
  session: Session,
  id: string,
  label: string,
  data: { label: string; n: number } | null,
  command: Command,
  check: Check,
  server: PostgrestServer | null = null,
): Promise<Measurement | null> {
  if (session.interrupted) return null;
  const state: CheckState = { check: '', signature: null };
  const requestCounts: number[] = [];
  const hooks = server
    ? {
        before: () => server.resetStats(),
        after: () => {
          requestCounts.push(server.requests.length);
          return server.bytesSent;
        },
      }
    : {};
  const started = performance.now();
  const base = { id, label, size: data?.label ?? null, n: data?.n ?? null };
  const where = `  ${pad(base.size ?? '-', 5)} ${pad(label, 34)}`;
  try {
    const floor = id === 'floor' ? undefined : { script: emptyScript(), args: [] };
    const series = await measure(command, session.options.runs, hooks, check(state), floor);
    if (id === 'floor') {
      session.floorSeries.push(series);
      session.log(`  floor: median ${(series.medianMs / 1000).toFixed(3)} s`);
      return null;
    }
    const m: Measurement = {
      ...base,
      medianMs: series.medianMs,
      floorMs: series.floorMs ?? NaN,
      minMs: series.minMs,
      maxMs: series.maxMs,
      // Filled in by results.ts once every floor run is in (a series without its own floor runs).
      aboveFloorMs: NaN,
      wallMs: series.runs.map((r) => Math.round(r.wallMs)),
      peakRssMb: series.peakRssKb === null ? null : series.peakRssKb / 1024,
      cpuMs: series.cpuMs,
      aboveFloorCpuMs: series.cpuMs !== null && series.floorCpuMs !== null ? series.cpuMs - series.floorCpuMs : null,
      httpBytes: series.bytes,
      // The first run is the warm-up.
      httpRequests: requestCounts.length > 0 ? median(requestCounts.slice(1)) : null,
      check: state.check,
      signature: state.signature,
      error: null,
    };
    session.measurements.push(m);
    const bytes = m.httpBytes !== null ? `, ${m.httpBytes.toLocaleString('en-US')} B` : '';
    session.log(
      `${where} median ${(m.medianMs / 1000).toFixed(3)} s, RSS ${m.peakRssMb?.toFixed(0) ?? '?'} MB${bytes}  ${state.check}  (${((performance.now() - started) / 1000).toFixed(0)} s)`,
    );
    return m;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    session.measurements.push({
      ...base,
      medianMs: NaN,
      minMs: NaN,
      maxMs: NaN,
      aboveFloorMs: NaN,
      wallMs: [],
      peakRssMb: null,
      cpuMs: null,
      aboveFloorCpuMs: null,
      floorMs: NaN,
      httpBytes: null,
      httpRequests: null,
      check: '',
      signature: null,
      error: message,
    });
    session.log(`${where} FAILED: ${message}`);
    return null;
  }
}
