// The refresh's build statement (docs/rollups.md, "Timeline rows"): the hourly operation rows of
// the hours [v_from, v_to) and their 30-minute timeline rows, from one pass over the raw rows an hour
// at a time, read through aggregate.sql's own CTEs (logs, ops, failed_ops, fingerprinted), so the
// rollup's service, operation, failure, valid-duration and fingerprint rules are the report's.
// rollup.ts puts it in perf_monitor_refresh_rollups(). A tailed file's DuckDB build (rollup-tail.ts)
// groups its raw rows by the same pass (groupedPass: histogram key, half hour, Apdex counts).
import { aggregationSql } from './aggregate.js';
import { cte, splitCtes, substitute } from './ctes.js';
import { BUCKET_KEY, BUCKET_WIDTH, bucketHolding } from './histogram.js';
import { halfHourRows } from './rollup-blocks.js';
import { RAW_TIMELINE_SPAN, ROLLUP_THRESHOLD } from './rollup-spans.js';

/** The CTEs of aggregate.sql the rollup reads through, in their order there. */
const REUSED_CTES = ['logs', 'ops', 'failed_ops', 'fingerprinted'] as const;

/** aggregate.sql's parameters as the refresh sets them, for one range of whole hours
 *  [v_from, v_to): every row is "current" and the timeline bucket is the finest timeline span
 *  (30 minutes). The build statement keys its hours and half hours itself (from each hour's start,
 *  cheaper than ops' bucket and the same values), so ops' bucket is not evaluated there. */
const PARAMETER_VALUES: Readonly<Record<string, string>> = {
  'CAST($1 AS timestamptz)': 'v_from',
  'CAST($2 AS timestamptz)': 'v_to',
  'CAST($3 AS timestamptz)': 'v_from',
  'CAST($4 AS text)': 'CAST(NULL AS text)',
  'CAST($6 AS integer)': String(RAW_TIMELINE_SPAN),
};

/** The hours a build covers, [from, to), as SQL expressions: the refresh's variables, or the
 *  literals of a tailed file's DuckDB build (rollup-tail.ts). */
export interface HourRange {
  from: string;
  to: string;
}
const REFRESH_RANGE: HourRange = { from: 'v_from', to: 'v_to' };

/** The CTEs of aggregate.sql the refresh reads through, joined, with its parameters set. */
export function reusedCtes(sql: string = aggregationSql(), range: HourRange = REFRESH_RANGE): string {
  const parts = splitCtes(sql);
  const values = {
    ...PARAMETER_VALUES,
    'CAST($1 AS timestamptz)': range.from,
    'CAST($2 AS timestamptz)': range.to,
    'CAST($3 AS timestamptz)': range.from,
  };
  const text = substitute(REUSED_CTES.map((name) => cte(parts, name, 'rollup-sql.ts')).join(',\n'), values);
  if (/\$[0-9]/.test(text)) throw new Error('aggregate.sql: a parameter in the reused CTEs has no value in rollup-sql.ts');
  return text;
}

/** The half hour a row at `createdAt` falls in within the hour starting at `hourStart` (both
 *  timestamptz): 1800 for the second half, else 0. A comparison, not ops' bucket (the same value,
 *  floor(epoch / 1800) * 1800, in numeric arithmetic: 0.5 s a million rows in PostgreSQL). */
const secondHalf = (createdAt: string, hourStart: string) =>
  `CASE WHEN ${createdAt} >= ${hourStart} + interval '30 minutes' THEN 1800 ELSE 0 END`;

/** One pass's grouping of `rows` (second_half, service, operation, failed, invalid, dur, after the
 *  columns `carry`), the hour's start in epoch seconds `hour`: grouped two ways at once (grouping
 *  sets), by operation and histogram bucket (hourly, histogram.ts' key) and by half hour, service and
 *  bucket, each group's exact figures and Apdex counts. */
function groupedPass(hour: string, carry: string, rows: string): string {
  return `SELECT GROUPING(operation) = 0 AS hourly,
      ${hour} AS hour,
      ${hour} + second_half AS half,
      service, operation, bucket_key,
      count(*) AS n,
      count(*) FILTER (WHERE failed) AS n_failed,
      -- A group's rows share a bucket: its samples are all of them or (no valid duration) none.
      CASE WHEN bucket_key IS NULL THEN 0 ELSE count(*) END AS samples,
      sum(dur) AS sum_duration,
      -- bigint squares summed as numeric (int128 inside PostgreSQL): exact, and fast.
      sum(CAST(dur AS bigint) * CAST(dur AS bigint)) AS sum_squares,
      min(dur) AS min_duration,
      max(dur) AS max_duration,
      count(*) FILTER (WHERE invalid) AS invalid_durations,
      -- Apdex at the default T, on the exact durations (docs/rollups.md): T and 4T are bucket ends
      -- (checked above), so d <= T exactly when its bucket's key is, and the group's rows that did
      -- not fail are all satisfied, all tolerating or neither.
      CASE WHEN bucket_key <= ${ROLLUP_THRESHOLD} THEN count(*) FILTER (WHERE NOT failed) ELSE 0 END AS satisfied,
      CASE WHEN bucket_key > ${ROLLUP_THRESHOLD} AND bucket_key <= ${4 * ROLLUP_THRESHOLD}
        THEN count(*) FILTER (WHERE NOT failed) ELSE 0 END AS tolerating
    FROM (
      SELECT ${carry}second_half, service, operation, failed, invalid, dur,
        CASE WHEN dur IS NOT NULL THEN ${BUCKET_KEY('dur')} END AS bucket_key
      FROM (
        SELECT ${carry}second_half, service, operation, failed, invalid, dur, ${BUCKET_WIDTH('dur')} AS w
        FROM (
          ${rows}
        ) AS r
      ) AS d
    ) AS keyed
    GROUP BY GROUPING SETS ((${carry}service, operation, bucket_key), (${carry}second_half, service, bucket_key))`;
}

/** The refresh's raw pass over ops (reusedCtes) for the hours [v_from, v_to): an hour at a time
 *  (LATERAL: each hour's rows are one range of the created_at index, grouped in memory), each
 *  group's figures per hour and operation (hourly) and per half hour and service. */
function bucketCountsCte(): string {
  return `bucket_counts AS MATERIALIZED (
  SELECT g.*
  FROM generate_series(v_from, v_to - interval '1 hour', interval '1 hour') AS h(start),
  LATERAL (
    ${groupedPass(
      'CAST(extract(epoch FROM h.start) AS bigint)',
      '',
      `SELECT ${secondHalf('ops.created_at', 'h.start')} AS second_half,
            ops.service, ops.operation, ops.failed, ops.invalid, ops.dur
          FROM ops
          WHERE ops.created_at >= h.start AND ops.created_at < h.start + interval '1 hour'
          OFFSET 0`,
    )}
  ) AS g
)`;
}

/** The same pass for a tailed file's DuckDB build (rollup-tail.ts) over ops as reusedCtes(range)
 *  cuts it: in one grouping, the hour a column of each row (DuckDB runs the LATERAL form too, but
 *  builds 1M rows in twice the time: it joins the hours to the rows). */
export function flatBucketCountsCte(): string {
  return `bucket_counts AS MATERIALIZED (
  ${groupedPass(
    'hour',
    'hour, ',
    `SELECT hour, ${secondHalf('created_at', 'to_timestamp(hour)')} AS second_half, service, operation, failed, invalid, dur
          FROM (SELECT CAST(floor(date_part('epoch', created_at) / 3600) AS bigint) * 3600 AS hour, created_at, service, operation, failed, invalid, dur FROM ops) AS o`,
  )}
)`;
}

/** Per hour, operation and error fingerprint of the failed rows (aggregate.sql's fingerprinted):
 *  the count, the latest time and the most recent message (ties: the greater). */
export function fingerprintGroupsCte(): string {
  return `fingerprint_groups AS (
  SELECT CAST(floor(extract(epoch FROM created_at) / 3600) AS bigint) * 3600 AS bucket,
    service, operation, fingerprint, count(*) AS n, max(created_at) AS last_at,
    (array_agg(message ORDER BY created_at DESC, message DESC))[1] AS example
  FROM fingerprinted
  GROUP BY 1, service, operation, fingerprint
)`;
}

/** The Apdex counts per histogram bucket need T and 4T to be bucket ends. */
function checkApdexBuckets(): void {
  for (const ms of [ROLLUP_THRESHOLD, 4 * ROLLUP_THRESHOLD])
    if (bucketHolding(ms)) throw new Error(`rollup.ts: the Apdex threshold ${ms} ms is not a histogram bucket's end`);
}

/** The rows of the hours [v_from, v_to), as INSERT ... SELECT, and (a writable CTE) their
 *  30-minute timeline rows. */
export function buildStatement(): string {
  checkApdexBuckets();
  return `WITH ${reusedCtes()},
-- One pass over the raw rows (the table is read once, not once for the figures and once for the
-- histogram), an hour at a time (LATERAL: each hour's rows are one range of the created_at index,
-- grouped in memory, instead of a sort of the whole range's rows that spills to disk), grouped two
-- ways at once (grouping sets): by operation and histogram bucket (NULL for rows without a valid
-- duration), the hourly operation rows' figures; and by half hour, service and bucket, the 30-minute
-- timeline rows'. The hours come straight from the raw rows, not summed from their halves
-- (docs/rollups.md, "Timeline rows"). The half hour is a comparison with the hour's start, not
-- ops' bucket (the same value, floor(epoch / 1800) * 1800, in numeric arithmetic: 0.5 s a million
-- rows, and the flattened query evaluated it three times a row); OFFSET 0 keeps each row's
-- columns computed once (flattened, the duration's CASE was re-evaluated in every step of the width's).
${bucketCountsCte()},
hour_counts AS (
  SELECT hour AS bucket, service, operation, bucket_key, n, n_failed, samples, sum_duration, sum_squares,
    min_duration, max_duration, invalid_durations, satisfied, tolerating
  FROM bucket_counts
  WHERE hourly
),
half_hours AS (
  ${halfHourRows()}
),
stats AS (
  SELECT bucket, service, operation,
    sum(n) AS operations, sum(n_failed) AS failures, sum(samples) AS samples,
    sum(sum_duration) AS sum_duration, sum(sum_squares) AS sum_squares,
    min(min_duration) AS min_duration, max(max_duration) AS max_duration,
    sum(invalid_durations) AS invalid_durations, sum(satisfied) AS satisfied, sum(tolerating) AS tolerating,
    array_agg(bucket_key ORDER BY bucket_key) FILTER (WHERE bucket_key IS NOT NULL) AS keys,
    array_agg(n ORDER BY bucket_key) FILTER (WHERE bucket_key IS NOT NULL) AS counts,
    array_agg(bucket_key ORDER BY bucket_key) FILTER (WHERE bucket_key IS NOT NULL AND n_failed > 0) AS failed_keys,
    array_agg(n_failed ORDER BY bucket_key) FILTER (WHERE bucket_key IS NOT NULL AND n_failed > 0) AS failed_counts
  FROM hour_counts
  GROUP BY bucket, service, operation
),
${fingerprintGroupsCte()},
fingerprint_maps AS (
  SELECT bucket, service, operation,
    jsonb_object_agg(fingerprint, jsonb_build_object(
      'count', n, 'example', example,
      'last_at', to_char(last_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))) AS fingerprints
  FROM fingerprint_groups
  GROUP BY bucket, service, operation
)
INSERT INTO public.perf_monitor_rollup (
  hour, service, operation, operations, failures, samples, sum_duration, sum_squares,
  min_duration, max_duration, invalid_durations, satisfied, tolerating, histogram_keys, histogram_counts,
  failure_histogram_keys, failure_histogram_counts, fingerprints
)
SELECT to_timestamp(stats.bucket), stats.service, stats.operation, CAST(operations AS bigint), CAST(failures AS bigint), CAST(samples AS bigint),
  COALESCE(sum_duration, 0), COALESCE(sum_squares, 0), min_duration, max_duration, invalid_durations, satisfied, tolerating,
  COALESCE(keys, '{}'), COALESCE(counts, '{}'), COALESCE(failed_keys, '{}'), COALESCE(failed_counts, '{}'),
  COALESCE(fingerprints, '{}')
FROM stats
LEFT JOIN fingerprint_maps USING (bucket, service, operation);`;
}
