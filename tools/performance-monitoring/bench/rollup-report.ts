// The rollup case's figures (bench/rollup-large.ts) printed: their section of the table and the
// targets of issue 13 (30-day report from rollups, hourly increment, rollup size).
import type { Measurement, RollupFigures, TargetLine } from './types.js';

const s = (ms: number) => (ms / 1000).toFixed(3);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GB`;

function readRow(measurements: Measurement[], id: string): Measurement | undefined {
  return measurements.find((m) => m.id === id && m.error === null);
}

export function renderRollup(f: RollupFigures): string[] {
  const out: string[] = [];
  const perCall = f.firstBuild.calls.map((c) => `${s(c.ms)} s/${c.hoursBuilt} h`).join(', ');
  out.push('');
  out.push(
    `Rollups, ${f.days} days x ${f.perDay.toLocaleString('en-US')} operations/day (${f.rows.toLocaleString('en-US')} rows), data ending ${f.until}, report --hours ${f.hours}:`,
  );
  out.push(
    `  load (generate_series INSERT, indexes, VACUUM ANALYZE): ${s(f.loadMs)} s${f.reused ? ' (reused: the figure of the run that loaded it)' : ''}`,
  );
  out.push(`  raw table: ${gb(f.rawBytes.total)} with indexes (heap ${gb(f.rawBytes.heap)}, indexes ${gb(f.rawBytes.indexes)})`);
  out.push(
    `  first full build: ${s(f.firstBuild.totalMs)} s in ${f.firstBuild.calls.length} calls of perf_monitor_refresh_rollups() (${perCall})`,
  );
  const both = f.rollupBytes + f.blockBytes;
  out.push(
    `  rollup tables: hourly ${mb(f.rollupBytes)} (${f.rollupRows.toLocaleString('en-US')} rows) + blocks ${mb(f.blockBytes)} (${f.blockRows.toLocaleString('en-US')} rows) = ${mb(both)}, ${((100 * both) / f.rawBytes.total).toFixed(2)}% of the raw table with indexes (${((100 * both) / f.rawBytes.heap).toFixed(2)}% of its heap)`,
  );
  out.push(
    `  refresh with no new hour (re-reads the 2 h lag): median ${s(f.steady.medianMs)} s (${f.steady.calls.map((c) => `${s(c.ms)} s/${c.hoursBuilt} h`).join(', ')})`,
  );
  out.push(
    `  hourly increment (one more hour closed + the 2 h lag, ${f.increment.rowsReread.toLocaleString('en-US')} rows re-read): median ${s(f.increment.medianMs)} s (${f.increment.calls.map((c) => `${s(c.ms)} s/${c.hoursBuilt} h`).join(', ')})`,
  );
  out.push(
    `  report rows' source.aggregation: ${Object.entries(f.aggregation)
      .map(([id, a]) => `${id} ${a ?? '?'}`)
      .join(', ')}${f.exactFlag ? '' : ' (this CLI has no --exact: the rollup read path is not in it, every report row read raw rows)'}`,
  );
  out.push(
    `  load average: ${Object.entries(f.loadAverage)
      .map(([at, l]) => `${at} ${l}`)
      .join('; ')}`,
  );
  return out;
}

/** The rollup read's speed-up over --exact, or why there is none. */
function ratioMeasured(ratio: number | null, exact: Measurement | undefined, exactFlag: boolean): string {
  if (ratio === null) return exactFlag ? 'not measured' : 'no --exact in this CLI';
  return `x${ratio.toFixed(1)} (--exact ${s((exact as Measurement).aboveFloorMs)} s)`;
}

/** Issue 13's targets; a report-time target is n/a when the row did not read the rollups. */

export function rollupTargets(f: RollupFigures, measurements: Measurement[]): TargetLine[] {
  const lines: TargetLine[] = [];
  for (const [via, id] of [
    ['CLI', 'rollup-cli'],
    ['RPC', 'rollup-rpc'],
  ] as const) {
    const fast = readRow(measurements, id);
    const exact = readRow(measurements, `${id}-exact`);
    const fromRollup = f.aggregation[id] === 'rollup';
    const what = fast ? `${s(fast.aboveFloorMs)} s, aggregation ${f.aggregation[id] ?? '?'}` : 'not measured';
    lines.push({
      target: `${via} report --hours ${f.hours} (${f.days}d x ${f.perDay}/day) from rollups <= 1.000 s`,
      measured: what,
      pass: fast && fromRollup ? fast.aboveFloorMs <= 1000 : null,
    });
    const ratio = fast && exact ? exact.aboveFloorMs / Math.max(fast.aboveFloorMs, 1) : null;
    lines.push({
      target: `${via} report --hours ${f.hours}: rollups >= 30x faster than --exact`,
      measured: ratioMeasured(ratio, exact, f.exactFlag),
      pass: ratio !== null && fromRollup ? ratio >= 30 : null,
    });
  }
  lines.push({
    target: 'rollup refresh: hourly increment <= 2.000 s',
    measured: `${s(f.increment.medianMs)} s`,
    pass: f.increment.medianMs <= 2000,
  });
  const both = f.rollupBytes + f.blockBytes;
  const share = (100 * both) / f.rawBytes.total;
  lines.push({
    target: 'rollup tables (hourly + blocks) <= 5% of the raw table (all with indexes)',
    measured: `${share.toFixed(2)}% (${mb(both)} of ${gb(f.rawBytes.total)})`,
    pass: share <= 5,
  });
  return lines;
}
