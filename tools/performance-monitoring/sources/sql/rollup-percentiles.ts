// Percentiles from a merged histogram, as SQL both engines run alike, shared by the read
// (rollup-read.ts, per group of a report) and the refresh (rollup.ts, per timeline row it makes
// ready), so a timeline row's stored p95 is the very figure the read would compute by merging.
import { BUCKET_VALUE } from './histogram.js';

/** (group columns..., bucket_key, n) rows of `from` with each key's value and the cumulative and
 *  total counts of its group, in key order. */
export function rankedSql(group: string, from: string): string {
  return `SELECT ${group}, bucket_key, n,
    ${BUCKET_VALUE('bucket_key')} AS value,
    sum(n) OVER (PARTITION BY ${group} ORDER BY bucket_key ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS below,
    sum(n) OVER (PARTITION BY ${group}) AS total
  FROM ${from}`;
}

/** percentile_cont's rule on the merged histogram: the values at ranks floor and ceil of
 *  p * (n - 1) (0-based), interpolated; the rank arithmetic on integers, so both engines agree.
 *  Aggregates over rankedSql's rows of one group. */
function percentile(name: string, percent: number): string {
  const position = `${percent} * (total - 1) / 100.0`;
  return `min(value) FILTER (WHERE below > floor(${position})) AS ${name}_low,
    min(value) FILTER (WHERE below > ceil(${position})) AS ${name}_high,
    max(${percent} * (total - 1) - 100 * floor(${position})) / 100.0 AS ${name}_fraction`;
}

export const PERCENTILES = [
  ['p50', 50],
  ['p95', 95],
  ['p99', 99],
] as const;

/** The aggregates the percentiles need, per group of rankedSql's rows. */
export const percentileAggregates = () => PERCENTILES.map(([name, percent]) => percentile(name, percent)).join(',\n    ');

/** A percentile from percentileAggregates' columns of `d`, clamped to the group's exact min and max. */
export const interpolated = (name: string, d: string, min: string, max: string) =>
  `CAST(greatest(${min}, least(${max}, ${d}.${name}_low + ${d}.${name}_fraction * (${d}.${name}_high - ${d}.${name}_low))) AS double precision)`;
