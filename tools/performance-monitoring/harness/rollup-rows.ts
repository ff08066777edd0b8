// Test support for the rollup tests: seeded rows put into integration_logs in one multi-row
// INSERT per chunk, the refresh called to a given hour, the histogram ladder written out again by
// hand from docs/rollups.md (never imported from sources/, so a test checks the code against it),
// and a comparison of a report read through the rollups with the same report read with --exact.
import type postgres from 'postgres';
import { expect } from 'vitest';
import type { DatasetRow } from './dataset.js';

export const HOUR = 3_600_000;
export const MINUTE = 60_000;

/** An integration_logs row as the dataset's, but with created_at as epoch ms (`at`) and no id. */
export interface LogRow extends Omit<DatasetRow, 'id' | 'created_at'> {
  /** created_at, epoch ms */
  at: number;
}

/** mulberry32: a small seeded generator, so every run puts in the same rows. */
export { mulberry32 as random } from './dataset.js';

/** A standard normal deviate (Box-Muller). */
export function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

export async function insertRows(sql: postgres.Sql, rows: LogRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 5000) {
    const chunk = rows.slice(i, i + 5000).map((r) => ({
      source: r.source,
      operation: r.operation,
      level: r.level,
      status: r.status,
      message: r.message,
      duration_ms: r.duration_ms,
      created_at: new Date(r.at).toISOString(),
    }));
    await sql`INSERT INTO integration_logs ${sql(chunk, 'source', 'operation', 'level', 'status', 'message', 'duration_ms', 'created_at')}`;
  }
}

/** The hourly rollup table, every column as text (bigints and sums exactly), in a stable order. */
export async function rollupTable(sql: postgres.Sql): Promise<Record<string, unknown>[]> {
  const rows = await sql<Record<string, unknown>[]>`
    SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS hour, service, operation,
      operations::text, failures::text, samples::text, sum_duration::text, sum_squares::text, min_duration, max_duration,
      invalid_durations::text, histogram_keys::text[], histogram_counts::text[], failure_histogram_keys::text[],
      failure_histogram_counts::text[], fingerprints
    FROM perf_monitor_rollup ORDER BY hour, service, operation`;
  return rows.map((r) => ({ ...r }));
}

/** The start of the current hour, by the database's clock (also the bench's, so in postgres.ts). */
export { currentHour } from './postgres.js';

/** The first refresh over the whole history (up to maxHours hours from its first hour); the watermark, epoch ms. */
export async function refresh(sql: postgres.Sql, lag = '2 hours', maxHours = 2000): Promise<{ hoursBuilt: number; watermark: number }> {
  const [row] = await sql<{ hours_built: number; ms: string }[]>`
    SELECT hours_built, extract(epoch FROM watermark) * 1000 AS ms FROM perf_monitor_refresh_rollups(${lag}::interval, ${maxHours})`;
  return { hoursBuilt: Number(row?.hours_built), watermark: Number(row?.ms) };
}

/** The bucket width for d in the decade (decade, 10 decade]. */
function bucketWidth(d: number, decade: number): number {
  if (d <= 2 * decade) return decade / 50;
  return d <= 5 * decade ? decade / 25 : decade / 10;
}

/** The bucket (lo, hi] holding the integer duration d, by docs/rollups.md's table (layout 5): exact
 *  to 100 ms, then in each decade (D, 10D]: (D, 2D] by D/50, (2D, 5D] by D/25, (5D, 10D] by D/10. */
export function bucketOf(d: number): { lo: number; hi: number } {
  if (d <= 100) return { lo: d - 1, hi: d };
  let decade = 100;
  while (d > 10 * decade) decade *= 10;
  const width = bucketWidth(d, decade);
  const hi = Math.ceil(d / width) * width;
  return { lo: hi - width, hi };
}

/** The histogram's bound, relative: the largest half-width of a bucket ((width - 1) / 2: its middle
 *  to its farthest integer) over the smallest value it holds (lo + 1), over every bucket of width > 1
 *  up to 2^31 (the worst bucket of each part of each decade is its first). Just under 1%. */
export const HISTOGRAM_BOUND = (() => {
  let worst = 0;
  for (let decade = 100; decade < 2_147_483_647; decade *= 10)
    for (const lo of [decade, 2 * decade, 5 * decade]) worst = Math.max(worst, (bucketWidth(lo + 1, decade) - 1) / 2 / (lo + 1));
  return worst;
})();

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const PERCENTILE = /^p(50|95|99)Duration$/;
/** Figures decided on the percentiles and Apdex (health score, issues, findings, recommendations):
 *  they may legitimately differ between the two reads, so they are not compared. */
const DERIVED = new Set([
  'healthScore',
  'healthStatus',
  'healthBreakdown',
  'issues',
  'findings',
  'recommendations',
  'status',
  'generatedAt',
  'source',
  // The rollups keep no status: null there (docs/sources.md), checked by compareReports.
  'statuses',
]);

export interface Differences {
  /** Largest |rollup - exact| / exact over every percentile compared. */
  maxRelative: number;
  /** Percentiles compared. */
  percentiles: number;
  /** Apdex figures compared, by their JSON path. */
  apdex: { path: string; rollup: number | null; exact: number | null }[];
}

/** Walks a rollup report and an exact one: every figure equal, except the percentiles (within the
 *  histogram's bound plus the JSON's 0.1 ms rounding, and within docs/rollups.md's 1%), the
 *  Apdex figures (returned for the caller to judge) and DERIVED. */
export function compareReports(rollup: Json, exact: Json): Differences {
  const out: Differences = { maxRelative: 0, percentiles: 0, apdex: [] };
  walk(out, rollup, exact, '$');
  expect((rollup as { dataQuality?: { statuses?: Json } }).dataQuality?.statuses, '$.dataQuality.statuses').toBeNull();
  return out;
}

function walk(out: Differences, a: Json, b: Json, path: string): void {
  if (Array.isArray(b)) {
    expect(Array.isArray(a), path).toBe(true);
    expect((a as Json[]).length, `${path}.length`).toBe(b.length);
    b.forEach((item, i) => {
      walk(out, (a as Json[])[i] ?? null, item, `${path}[${i}]`);
    });
    return;
  }
  if (b !== null && typeof b === 'object') {
    walkObject(out, a, b, path);
    return;
  }
  expect(a, path).toEqual(b);
}

function walkObject(out: Differences, a: Json, b: { [key: string]: Json }, path: string): void {
  expect(a !== null && typeof a === 'object' && !Array.isArray(a), path).toBe(true);
  const ao = a as Record<string, Json>;
  expect(Object.keys(ao).sort(), `${path} keys`).toEqual(Object.keys(b).sort());
  for (const [key, value] of Object.entries(b)) {
    const at = `${path}.${key}`;
    if (DERIVED.has(key)) continue;
    if (key === 'apdex') out.apdex.push({ path: at, rollup: ao[key] as number | null, exact: value as number | null });
    else if (PERCENTILE.test(key) && typeof value === 'number') comparePercentile(out, ao[key], value, at);
    else walk(out, ao[key] ?? null, value, at);
  }
}

/** A percentile within the histogram's bound of the exact one. */
function comparePercentile(out: Differences, got: Json | undefined, value: number, at: string): void {
  expect(typeof got, at).toBe('number');
  const relative = value === 0 ? Math.abs(got as number) : Math.abs((got as number) - value) / value;
  expect(relative, `${at}: rollup ${String(got)}, exact ${value}`).toBeLessThanOrEqual(
    Math.min(0.01, HISTOGRAM_BOUND + 0.05 / Math.max(value, 1)),
  );
  out.maxRelative = Math.max(out.maxRelative, relative);
  out.percentiles++;
}
