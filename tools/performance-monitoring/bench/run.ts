// `npm run bench`: generates datasets, loads them into files, PostgreSQL and the PostgREST test
// server, runs the real CLI for every source (separate process, warm-up + median of N runs),
// compares with the naive baseline, prints the table and writes the figures as JSON.
//
//   npm run bench -- [--sizes 10k,100k,1m] [--large] [--runs 3] [--only parquet,ndjson,...]
//                    [--out bench/results/latest.json] [--data-dir DIR]
//                    [--rollup-days 60] [--rollup-per-day 1m] [--rollup-shape default|many] [--no-rollup-exact]
//
// Sources (--only): parquet, ndjson, postgres, postgres-service, postgres-1h, rpc, fallback,
// baseline, demo, help, rollup. The floor (the runner starting an empty file) is always measured.
// --large adds the rollup case (bench/rollup-large.ts: 60 days x 1M operations/day in
// PostgreSQL); `--only rollup` runs it alone. 10M per window: `--sizes 10k,100k,1m,10m`.
// --data-dir keeps the generated files there and reuses them next time (default: a temp dir,
// removed at the end). Everything listens on and talks to 127.0.0.1 only.
//
// This file runs the cases in order and cleans up (also on Ctrl-C); options.ts reads the command
// line, size-cases.ts and rollup-large.ts hold the cases, results.ts prints and writes.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitZero } from './cli-runs.js';
import { sizeLabel } from './datasets.js';
import { cleanupScratch, emptyScript, killCurrent, monitorCommand, pageFaultCost } from './measure.js';
import { parseOptions, SIZE_SOURCES } from './options.js';
import { finish, loadAverage, type Start } from './results.js';
import { benchRollupLarge, stopRollupBench } from './rollup-large.js';
import { createSession } from './session.js';
import { benchSizes, stopSizeCases } from './size-cases.js';
import type { RollupFigures } from './types.js';

const options = parseOptions(process.argv.slice(2));
const session = createSession(options);
const { log } = session;

// ---- cleanup (also on Ctrl-C) -----------------------------------------------------------------

const tempDataDir = options.dataDir === null ? mkdtempSync(join(tmpdir(), 'perfmon-bench-data-')) : null;
// As root, the rollup case's cluster runs as `postgres`, who must be able to enter the dir.
if (tempDataDir) chmodSync(tempDataDir, 0o711);
const dataDir = options.dataDir ?? (tempDataDir as string);

async function cleanup(): Promise<void> {
  killCurrent();
  await stopSizeCases();
  await stopRollupBench();
  cleanupScratch();
  if (tempDataDir) rmSync(tempDataDir, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (session.interrupted) process.exit(130);
    session.interrupted = true;
    log(`\nbench: ${signal}, stopping PostgreSQL and cleaning up...`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---- the cases ----------------------------------------------------------------------------------

const start: Start = { at: new Date(), load: loadAverage(), pageFaults: pageFaultCost() };
const sizeSources = [...options.only].some((id) => SIZE_SOURCES.includes(id));
const sizesText = sizeSources ? `sizes ${options.sizes.map(sizeLabel).join(', ')}` : 'no --sizes sources';
const rollupText = options.rollup
  ? `, rollup case ${options.rollupDays} days x ${sizeLabel(options.rollupPerDay)}/day (${options.rollupShape} operations)`
  : '';
log(`perf-monitor bench: ${sizesText}${rollupText}, ${options.runs} runs + warm-up, sources ${[...options.only].join(', ')}`);
log(`data in ${dataDir}${tempDataDir ? ' (temporary)' : ' (kept)'}; results to ${options.out}`);

const floor = { script: emptyScript(), args: [] };
let rollup: RollupFigures | null = null;
let failure: string | null = null;
try {
  log('\n== floor, --help, --demo');
  await session.measure('floor', 'floor (empty .ts)', null, floor, exitZero);
  if (options.only.has('help')) await session.measure('help', '--help', null, monitorCommand(['--help']), exitZero);
  if (options.only.has('demo')) await session.measure('demo', '--demo (text)', null, monitorCommand(['--demo', '--no-color']), exitZero);
  if (sizeSources && options.sizes.length > 0) await benchSizes(session, dataDir);
  if (options.rollup && !session.interrupted) {
    rollup = await benchRollupLarge(session, dataDir, {
      days: options.rollupDays,
      perDay: options.rollupPerDay,
      runs: options.runs,
      shape: options.rollupShape,
      exact: options.rollupExact,
    });
    await stopRollupBench();
  }
  log('\n== floor again');
  await session.measure('floor', 'floor (empty .ts)', null, floor, exitZero);
} catch (error) {
  // A set-up step failed (a dataset, a server): one line, the servers stopped, no results file.
  failure = error instanceof Error ? error.message : String(error);
} finally {
  if (!session.interrupted) await cleanup();
}
if (session.interrupted) process.exit(130);
if (failure !== null) {
  log(`bench: failed: ${failure.split('\n').slice(0, 3).join(' / ')}`);
  process.exit(1);
}
finish(session, start, rollup);
