// The rollup's blocks and timeline rows (docs/rollups.md): perf_monitor_rollup_blocks(), which the
// refresh (rollup.ts) calls after rebuilding hours: the operation blocks of 3 h, 1 d and 7 d, each
// merged from the span before it (3 h from the hourly rows), then the timeline rows per service and
// overall of 1 h to 7 d, each from the span before it, with their figures made ready (p50/p95/p99
// by the read's own rule, rollup-percentiles.ts); and the 30-minute timeline rows, which rollup.ts's
// build statement makes from the raw rows of each hour it builds (halfHourRows).
import { interpolated, percentileAggregates, rankedSql } from './rollup-percentiles.js';
import { BLOCK_SPANS, RAW_TIMELINE_SPAN, TIMELINE_SPANS } from './rollup-spans.js';
import { READ_WORK_MEM } from './session.js';

export const BLOCKS_SIGNATURE = 'public.perf_monitor_rollup_blocks(timestamptz, timestamptz, timestamptz)';

const FIGURES = `operations, failures, samples, sum_duration, sum_squares, min_duration, max_duration,
      invalid_durations, satisfied, tolerating`;
const SUMMED = `sum(operations) AS operations, sum(failures) AS failures, sum(samples) AS samples,
        sum(sum_duration) AS sum_duration, sum(sum_squares) AS sum_squares,
        min(min_duration) AS min_duration, max(max_duration) AS max_duration,
        sum(invalid_durations) AS invalid_durations, sum(satisfied) AS satisfied, sum(tolerating) AS tolerating`;

/** `t` (a timestamptz) to a multiple of `seconds` since the epoch: v_span hours for the operation
 *  blocks, v_span seconds for the timeline rows. */
const spanBlock = (t: string, round: 'floor' | 'ceil', seconds = '(v_span * 3600)') =>
  `to_timestamp(${round}(date_part('epoch', ${t}) / ${seconds}) * ${seconds})`;
const timelineBlock = (t: string, round: 'floor' | 'ceil') => spanBlock(t, round, 'v_span');

/** Histograms of `source`'s rows (block, group columns, keys, counts) added key by key, per
 *  (block, group): one pass over the pairs into a hash table, then arrays in key order. */
function mergedHistograms(group: string, keys: string, counts: string): string {
  return `SELECT block, ${group}, array_agg(k ORDER BY k) AS keys, array_agg(n ORDER BY k) AS counts
      FROM (
        SELECT x.block, ${group
          .split(', ')
          .map((c) => `x.${c}`)
          .join(', ')}, h.k, CAST(sum(h.n) AS bigint) AS n
        FROM source AS x, unnest(x.${keys}, x.${counts}) AS h(k, n)
        GROUP BY 1, ${group
          .split(', ')
          .map((_, i) => i + 2)
          .join(', ')}, h.k
      ) AS m
      GROUP BY block, ${group}`;
}

/** The operation blocks of v_span over [v_from, v_to), from `finer` (the hourly rows, or the blocks
 *  of the span before it, which divides v_span): counts and sums added, min of mins, max of maxes,
 *  histograms added key by key, fingerprints added with the latest example (docs/rollups.md). The
 *  same rows as a merge of the hours (every merge is a sum, a min, a max or a pick by a total order),
 *  from a third to a seventh of the rows. */
function operationBlocks(finer: string): string {
  return `INSERT INTO public.perf_monitor_rollup_block (
      span_hours, hour, service, operation, ${FIGURES},
      histogram_keys, histogram_counts, failure_histogram_keys, failure_histogram_counts, fingerprints
    )
    WITH source AS MATERIALIZED (
      SELECT ${spanBlock('r.hour', 'floor')} AS block, r.*
      FROM ${finer}
    ),
    histograms AS (${mergedHistograms('service, operation', 'histogram_keys', 'histogram_counts')}),
    failure_histograms AS (${mergedHistograms('service, operation', 'failure_histogram_keys', 'failure_histogram_counts')}),
    fingerprint_maps AS (
      SELECT block, service, operation,
        jsonb_object_agg(fingerprint, jsonb_build_object('count', n, 'example', example, 'last_at', last_at)) AS fingerprints
      FROM (
        SELECT x.block, x.service, x.operation, f.key AS fingerprint,
          sum(CAST(f.value->>'count' AS bigint)) AS n,
          max(f.value->>'last_at') AS last_at,
          (array_agg(f.value->>'example' ORDER BY f.value->>'last_at' DESC, f.value->>'example' DESC))[1] AS example
        FROM source AS x, jsonb_each(x.fingerprints) AS f
        GROUP BY x.block, x.service, x.operation, f.key
      ) AS g
      GROUP BY block, service, operation
    )
    SELECT v_span, s.block, s.service, s.operation, ${FIGURES.split(', ')
      .map((c) => `s.${c.trim()}`)
      .join(', ')},
      COALESCE(h.keys, '{}'), COALESCE(h.counts, '{}'), COALESCE(fh.keys, '{}'), COALESCE(fh.counts, '{}'),
      COALESCE(fm.fingerprints, '{}')
    FROM (
      SELECT block, service, operation, ${SUMMED}
      FROM source
      GROUP BY block, service, operation
    ) AS s
    LEFT JOIN histograms AS h USING (block, service, operation)
    LEFT JOIN failure_histograms AS fh USING (block, service, operation)
    LEFT JOIN fingerprint_maps AS fm USING (block, service, operation);`;
}

/** An INSERT of timeline rows of span `span` (seconds, an SQL expression): `figures` (block
 *  timestamptz, service, the figures summed per block and service) and `pairs` (block, service,
 *  bucket_key, n double precision: the merged histogram), relations of `prelude`'s CTEs or outer
 *  ones; p50/p95/p99 from the histogram by the read's own rule (rollup-percentiles.ts), so a whole
 *  bucket's row is the figure a merge would give. */
function timelineInsert(span: string, prelude: string, figures: string, pairs: string): string {
  return `INSERT INTO public.perf_monitor_rollup_timeline (
      span_seconds, hour, service, ${FIGURES}, p50, p95, p99, histogram_keys, histogram_counts
    )
    WITH ${prelude ? `${prelude},\n    ` : ''}ranked AS (
      ${rankedSql('block, service', pairs)}
    ),
    distribution AS (
      SELECT block, service,
        ${percentileAggregates()},
        array_agg(bucket_key ORDER BY bucket_key) AS keys, array_agg(CAST(n AS bigint) ORDER BY bucket_key) AS counts
      FROM ranked
      GROUP BY block, service
    )
    SELECT ${span}, s.block, s.service, ${FIGURES.split(', ')
      .map((c) => `s.${c.trim()}`)
      .join(', ')},
      ${['p50', 'p95', 'p99'].map((p) => interpolated(p, 'd', 's.min_duration', 's.max_duration')).join(',\n      ')},
      COALESCE(d.keys, '{}'), COALESCE(d.counts, '{}')
    FROM ${figures} AS s
    LEFT JOIN distribution AS d USING (block, service)`;
}

/** The 30-minute timeline rows of the hours [v_from, v_to), per service and overall (''), from
 *  bucket_counts' rows that are not `hourly` (one per half hour, service and histogram bucket): a
 *  writable CTE of rollup.ts's build statement, which defines bucket_counts. */
export function halfHourRows(): string {
  const figures = `half_service AS MATERIALIZED (
      -- Sums of no valid duration are 0, as on the hourly rows (the columns are NOT NULL).
      SELECT to_timestamp(half) AS block, service, sum(n) AS operations, sum(n_failed) AS failures,
        sum(samples) AS samples, COALESCE(sum(sum_duration), 0) AS sum_duration,
        COALESCE(sum(sum_squares), 0) AS sum_squares, min(min_duration) AS min_duration,
        max(max_duration) AS max_duration, sum(invalid_durations) AS invalid_durations,
        sum(satisfied) AS satisfied, sum(tolerating) AS tolerating
      FROM bucket_counts
      WHERE NOT hourly
      GROUP BY half, service
    ),
    -- Already one row per (half hour, service, bucket): the grouping set made them.
    half_keys AS MATERIALIZED (
      SELECT to_timestamp(half) AS block, service, bucket_key, CAST(n AS double precision) AS n
      FROM bucket_counts
      WHERE NOT hourly AND bucket_key IS NOT NULL
    ),
    -- Overall (service ''): from the services' rows, not again from the operations'.
    figures AS (
      SELECT block, service, ${FIGURES} FROM half_service
      UNION ALL
      SELECT block, '', ${SUMMED} FROM half_service GROUP BY block
    ),
    pairs AS (
      SELECT block, service, bucket_key, n FROM half_keys
      UNION ALL
      SELECT block, '', bucket_key, sum(n) FROM half_keys GROUP BY block, bucket_key
    )`;
  return timelineInsert(String(RAW_TIMELINE_SPAN), figures, 'figures', 'pairs');
}

/** The timeline rows of v_span over [v_from, v_to) from the rows of the span before it (v_finer,
 *  which divides v_span), per service and overall (service ''): figures added, histograms merged. */
function timelineRows(): string {
  const source = `source AS MATERIALIZED (
      SELECT ${timelineBlock('t.hour', 'floor')} AS block, t.service, ${FIGURES}, t.histogram_keys, t.histogram_counts
      FROM public.perf_monitor_rollup_timeline AS t
      WHERE t.span_seconds = v_finer AND t.hour >= v_from AND t.hour < v_to
    ),
    pairs AS (
      SELECT x.block, x.service, h.k AS bucket_key, CAST(sum(h.n) AS double precision) AS n
      FROM source AS x, unnest(x.histogram_keys, x.histogram_counts) AS h(k, n)
      GROUP BY 1, 2, 3
    ),
    figures AS (
      SELECT block, service, ${SUMMED}
      FROM source
      GROUP BY block, service
    )`;
  return `${timelineInsert('v_span', source, 'figures', 'pairs')};`;
}

/** Rebuilds the blocks of every span that overlap the rebuilt hours [p_from, p_to) and end by
 *  p_watermark: the operation blocks, each span from the one before it (3 h from the hourly rows);
 *  then the timeline rows of 1 h and more, each span from the one before it (the 30-minute rows,
 *  which the refresh builds from raw rows with the hours). A block of a span is rebuilt only when
 *  all its hours are before the watermark, and then so are the finer blocks it is merged from. */
export function blocksFunction(): string {
  const spans = (list: readonly number[]) => `ARRAY[${list.join(', ')}]`;
  const range = (block: typeof spanBlock) => `v_from := ${block('p_from', 'floor')};
    v_to := least(${block('p_to', 'ceil')}, ${block('p_watermark', 'floor')});`;
  const hourly = `public.perf_monitor_rollup AS r
      WHERE r.hour >= v_from AND r.hour < v_to`;
  const finerBlocks = `public.perf_monitor_rollup_block AS r
      WHERE r.span_hours = v_finer AND r.hour >= v_from AND r.hour < v_to`;
  return `CREATE FUNCTION ${BLOCKS_SIGNATURE.replace(/\(.*/, '')}(p_from timestamptz, p_to timestamptz, p_watermark timestamptz)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = public, pg_temp
SET jit = off
-- Its merges' hash tables spill to disk at the 4 MB default (a 96-hour rebuild: 25 batches, 52 MB).
SET work_mem = '${READ_WORK_MEM}'
AS $perf_monitor$
DECLARE
  v_span integer;
  v_finer integer := 1;
  v_from timestamptz;
  v_to timestamptz;
BEGIN
  FOREACH v_span IN ARRAY ${spans(BLOCK_SPANS)} LOOP
    ${range(spanBlock)}
    IF v_from < v_to THEN
      DELETE FROM public.perf_monitor_rollup_block AS b
      WHERE b.span_hours = v_span AND b.hour >= v_from AND b.hour < v_to;
      IF v_finer = 1 THEN
        ${operationBlocks(hourly)}
      ELSE
        ${operationBlocks(finerBlocks)}
      END IF;
    END IF;
    v_finer := v_span;
  END LOOP;
  -- Spans in seconds from here on.
  v_finer := ${RAW_TIMELINE_SPAN};
  FOREACH v_span IN ARRAY ${spans(TIMELINE_SPANS.slice(1))} LOOP
    ${range(timelineBlock)}
    IF v_from < v_to THEN
      DELETE FROM public.perf_monitor_rollup_timeline AS t
      WHERE t.span_seconds = v_span AND t.hour >= v_from AND t.hour < v_to;
      ${timelineRows()}
    END IF;
    v_finer := v_span;
  END LOOP;
END
$perf_monitor$;`;
}
