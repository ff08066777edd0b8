// The rollup case's figures (bench/rollup-large.ts) printed: their section of the table and the
// targets of issues 13 and 24 (the reports from rollups, hourly increment, first build, size).
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
    `Rollups, ${f.days} days x ${f.perDay.toLocaleString('en-US')} operations/day (${f.rows.toLocaleString('en-US')} rows, ${f.operationCount} operations), data ending ${f.until}, report --hours ${f.hours}:`,
  );
  out.push(
    `  load (generate_series INSERT, indexes, VACUUM ANALYZE): ${s(f.loadMs)} s${f.reused ? ' (reused: the figure of the run that loaded it)' : ''}`,
  );
  out.push(`  raw table: ${gb(f.rawBytes.total)} with indexes (heap ${gb(f.rawBytes.heap)}, indexes ${gb(f.rawBytes.indexes)})`);
  out.push(
    `  first full build: ${s(f.firstBuild.totalMs)} s in ${f.firstBuild.calls.length} calls of perf_monitor_refresh_rollups() (${perCall})`,
  );
  const both = f.rollupBytes + f.blockBytes + f.timelineBytes;
  out.push(
    `  rollup tables: hourly ${mb(f.rollupBytes)} (${f.rollupRows.toLocaleString('en-US')} rows) + blocks ${mb(f.blockBytes)} (${f.blockRows.toLocaleString('en-US')} rows) + timeline ${mb(f.timelineBytes)} (${f.timelineRows.toLocaleString('en-US')} rows) = ${mb(both)}, ${((100 * both) / f.rawBytes.total).toFixed(2)}% of the raw table with indexes (${((100 * both) / f.rawBytes.heap).toFixed(2)}% of its heap)`,
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

/** Issues 13 and 24's targets; a report-time target is n/a when the row did not read the rollups.
 *  The many-operations shape (161 operations) has its own: 0.5 s and 20x --exact. */
export function rollupTargets(f: RollupFigures, measurements: Measurement[]): TargetLine[] {
  const lines: TargetLine[] = [];
  const many = f.shape === 'many';
  const at = `(${f.days}d x ${f.perDay}/day, ${f.operationCount} operations)`;
  const timed = (id: string, what: string, limitMs: number) => {
    const m = readRow(measurements, id);
    const fromRollup = f.aggregation[id] === 'rollup';
    lines.push({
      target: `${what} ${at} from rollups <= ${s(limitMs)} s`,
      measured: m ? `${s(m.aboveFloorMs)} s, aggregation ${f.aggregation[id] ?? '?'}` : 'not measured',
      pass: m && fromRollup ? m.aboveFloorMs <= limitMs : null,
    });
  };
  for (const [via, id] of [
    ['CLI', 'rollup-cli'],
    ['RPC', 'rollup-rpc'],
  ] as const) {
    timed(id, `${via} report --hours ${f.hours}`, many ? 500 : 1000);
    const fast = readRow(measurements, id);
    const exact = readRow(measurements, `${id}-exact`);
    const ratio = fast && exact ? exact.aboveFloorMs / Math.max(fast.aboveFloorMs, 1) : null;
    const times = many ? 20 : 30;
    lines.push({
      target: `${via} report --hours ${f.hours}: rollups >= ${times}x faster than --exact`,
      measured: ratioMeasured(ratio, exact, f.exactFlag),
      pass: ratio !== null && f.aggregation[id] === 'rollup' ? ratio >= times : null,
    });
  }
  if (!many) {
    timed('rollup-cli-7d', 'CLI report --hours 168', 500);
    timed('rollup-cli-service', `CLI report --hours ${f.hours} --service`, 300);
    const day = readRow(measurements, 'rollup-cli-24h');
    lines.push({
      target: `CLI report --hours 24 ${at} <= 0.300 s`,
      measured: day ? `${s(day.aboveFloorMs)} s, aggregation ${f.aggregation['rollup-cli-24h'] ?? '?'}` : 'not measured',
      pass: day ? day.aboveFloorMs <= 300 : null,
    });
    lines.push({
      target: `rollup first full build (${f.days} days) <= 300 s`,
      measured: `${s(f.firstBuild.totalMs)} s`,
      pass: f.days === 60 && f.perDay === 1_000_000 ? f.firstBuild.totalMs <= 300_000 : null,
    });
  }
  lines.push({
    target: 'rollup refresh: hourly increment <= 2.000 s',
    measured: `${s(f.increment.medianMs)} s`,
    pass: f.increment.medianMs <= 2000,
  });
  const both = f.rollupBytes + f.blockBytes + f.timelineBytes;
  const share = (100 * both) / f.rawBytes.total;
  lines.push({
    target: 'rollup tables (hourly + blocks + timeline) <= 5% of the raw table (all with indexes)',
    measured: `${share.toFixed(2)}% (${mb(both)} of ${gb(f.rawBytes.total)})`,
    pass: share <= 5,
  });
  return lines;
}
