// The end of a bench run: the session's rows turned into the results (time above the floor,
// notes on runs near the CLI's default timeout and on sources that disagree, ratios, targets),
// then printed as the table on stdout and written as JSON.
import { cpus, loadavg, totalmem } from 'node:os';
import { sizeLabel } from './datasets.js';
import { median, rssMethod } from './measure.js';
import { BENCH_HOURS, BENCH_UNTIL, CURRENT_START_MS } from './profile.js';
import { computeRatios, computeTargets, renderTable, writeResults } from './report.js';
import { rollupTargets } from './rollup-report.js';
import type { Session } from './session.js';
import type { Results, RollupFigures } from './types.js';

/** How the machine stood when the run began (load, cost of a page's first touch). */
export interface Start {
  at: Date;
  load: string;
  pageFaults: { faults: number; ms: number; usPerFault: number };
}

export const loadAverage = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

export function finish(session: Session, start: Start, rollup: RollupFigures | null): void {
  const { measurements, notes, options } = session;
  const floorMs = median(session.floorSeries.flatMap((s) => s.runs.map((r) => r.wallMs)));
  const floorCpuMs = median(session.floorSeries.flatMap((s) => s.runs.map((r) => r.cpuMs ?? NaN)));
  // Each series ran its own floor runs, interleaved with its measured runs (same machine load).
  for (const m of measurements) m.aboveFloorMs = m.medianMs - (Number.isNaN(m.floorMs) ? floorMs : m.floorMs);

  for (const m of measurements) {
    // One query (PostgreSQL) or one request (RPC) carries the whole aggregation: the default
    // PERFMON_TIMEOUT_MS (30 s) bounds it. The fallback's timeout is per page, so it does not apply.
    if (m.error === null && m.maxMs - m.floorMs > 25_000 && ['postgres', 'postgres-service', 'postgres-1h', 'rpc'].includes(m.id)) {
      const verdict = m.maxMs - m.floorMs > 30_000 ? 'with the default the run fails' : 'close to the default';
      notes.push(
        `${m.size ?? '-'} ${m.label}: a run took ${(m.maxMs / 1000).toFixed(1)} s; PERFMON_TIMEOUT_MS defaults to 30 s: ${verdict} (the bench allows 600 s)`,
      );
    }
  }

  // The sources answering the same question must print the same figures.
  for (const size of new Set(measurements.map((m) => m.size).filter((x): x is string => x !== null))) {
    const same = measurements.filter(
      (m) => m.size === size && m.signature !== null && ['parquet', 'ndjson', 'postgres', 'rpc', 'fallback'].includes(m.id),
    );
    const signatures = new Set(same.map((m) => m.signature));
    if (signatures.size > 1) notes.push(`${size}: sources disagree: ${same.map((m) => `${m.id} {${m.signature}}`).join(' / ')}`);
    else if (same.length > 1) notes.push(`${size}: ${same.map((m) => m.id).join(', ')} print the same figures (${[...signatures][0]})`);
  }

  const ratios = computeRatios(measurements);
  const results: Results = {
    startedAt: start.at.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      loadStart: start.load,
      loadEnd: loadAverage(),
      rssMethod,
      pageFaults: start.pageFaults,
    },
    options: {
      sizes: options.sizes.map(sizeLabel),
      runs: options.runs,
      only: [...options.only],
      until: BENCH_UNTIL,
      hours: BENCH_HOURS,
      currentStart: new Date(CURRENT_START_MS).toISOString(),
      large: options.large,
      rollup: options.rollup
        ? { days: options.rollupDays, perDay: options.rollupPerDay, shape: options.rollupShape, exact: options.rollupExact }
        : null,
    },
    datasets: session.datasets,
    floorMs,
    floorCpuMs,
    measurements,
    plans: session.plans,
    unpaged: session.unpaged,
    ratios,
    targets: [...computeTargets({ measurements, plans: session.plans, ratios }), ...(rollup ? rollupTargets(rollup, measurements) : [])],
    rollup,
    notes,
  };
  process.stdout.write(renderTable(results));
  writeResults(options.out, results);
  session.log(`wrote ${options.out}`);
}
