// The rollup read's bounds (docs/rollups.md "How a report reads them"), computed once in TypeScript
// (DATABASE_URL, the Supabase fallback) and in SQL (the RPC's plpgsql), from one definition
// (sources/sql/rollup-bounds.ts). (1) Both give the same instants, evaluated in PostgreSQL, for
// windows ending at :00, :01, :29, :30 and :59, across an epoch week's start, with watermarks
// before, inside and after them; the timeline rule too. (2) The TypeScript bounds checked against a
// second implementation written here, hour by hour: each cover reads every complete hour before
// the watermark exactly once, with the coarsest row that fits, and the whole timeline buckets plus
// the edges are the current window's rolled-up hours.
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgServer, startPostgres } from '../harness/postgres.js';
import { bucketSeconds } from '../sources/buckets.js';
import { aggregationParams } from '../sources/sql/aggregate.js';
import { bounds, namedBounds, numbers, sqlExpressions, timelineFits } from '../sources/sql/rollup-bounds.js';
import { BLOCK_SPANS } from '../sources/sql/rollup-spans.js';
import type { AggregateQuery } from '../sources/types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const WEEK = 168 * HOUR;
/** An epoch week's start: Thursday 2026-05-28 00:00 UTC, 2943 weeks after 1970-01-01 (a Thursday). */
const WEEK_START = 2943 * WEEK;

interface Case {
  query: AggregateQuery;
  watermark: number;
}

function cases(): Case[] {
  const out: Case[] = [];
  const minutes = [0, 1, 29, 30, 59];
  // Ends just after a week's start and four days later; windows of 30-minute to day buckets.
  for (const base of [WEEK_START + 2 * HOUR, WEEK_START + 4 * 24 * HOUR + 17 * HOUR])
    for (const minute of minutes)
      for (const hours of [16, 24, 30, 36, 72, 200, 720]) {
        const end = base + minute * MINUTE + (minute === 1 ? 17_123 : 0);
        const start = end - hours * HOUR;
        const previousStart = start - hours * HOUR;
        const services = [null, ['api'], ['api', 'web']][(minute + hours) % 3] ?? null;
        const threshold = minute === 29 && hours === 24 ? 1500 : 2000;
        const query = { start: new Date(start), end: new Date(end), previousStart: new Date(previousStart), services, threshold };
        const hour = (t: number) => Math.floor(t / HOUR) * HOUR;
        for (const watermark of [hour(previousStart) + 5 * HOUR, hour(start) + 3 * HOUR, hour(end) - HOUR, hour(end), hour(end) + 6 * HOUR])
          out.push({ query, watermark });
      }
  return out;
}

let pg: PgServer;
let sql: postgres.Sql;

beforeAll(async () => {
  pg = await startPostgres();
  const { default: postgresClient } = await import('postgres');
  sql = postgresClient(pg.url(), { max: 1, onnotice: () => {} });
}, 60_000);

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await pg?.stop();
});

describe('the rollup read bounds: one definition, TypeScript and SQL', () => {
  const all = cases();

  it(`${all.length} windows: the TypeScript bounds equal the SQL expressions the RPC assigns, evaluated in PostgreSQL`, async () => {
    // The RPC's inputs as aggregate.sql's parameters ($1..$6) and the watermark ($7).
    const algebra = sqlExpressions({ bucket: 'CAST($6 AS integer)', threshold: 'CAST($5 AS integer)', service: 'CAST($4 AS text)' });
    const at = {
      start: 'CAST($1 AS timestamptz)',
      end: 'CAST($2 AS timestamptz)',
      previousStart: 'CAST($3 AS timestamptz)',
      watermark: 'CAST($7 AS timestamptz)',
    };
    const expressions = namedBounds(bounds(algebra, at));
    const text = `SELECT ${expressions.map(([name, expression]) => `floor(extract(epoch FROM ${expression}) * 1000) AS ${name}`).join(', ')},
      ${timelineFits(algebra)} AS fits, CAST($1 AS timestamptz) IS NOT NULL AS used`;
    let compared = 0;
    for (const { query, watermark } of all) {
      const [row] = await sql.unsafe(text, [...aggregationParams(query), new Date(watermark).toISOString()]);
      const shape = { bucketSeconds: bucketSeconds(query.start, query.end), threshold: query.threshold, services: query.services };
      const ts = namedBounds(
        bounds(numbers(shape), {
          previousStart: query.previousStart.getTime(),
          start: query.start.getTime(),
          end: query.end.getTime(),
          watermark,
        }),
      );
      const fromSql = Object.fromEntries(ts.map(([name]) => [name, Number(row?.[name])]));
      expect(fromSql, JSON.stringify({ query, watermark })).toEqual(Object.fromEntries(ts));
      expect(row?.fits).toBe(timelineFits(numbers(shape)));
      compared += ts.length;
    }
    expect(compared).toBeGreaterThan(10_000);
  });

  it('the covers, checked hour by hour against a greedy cover written here', () => {
    for (const { query, watermark } of cases()) {
      const seconds = bucketSeconds(query.start, query.end);
      const b = bounds(numbers({ bucketSeconds: seconds, threshold: query.threshold, services: query.services }), {
        previousStart: query.previousStart.getTime(),
        start: query.start.getTime(),
        end: query.end.getTime(),
        watermark,
      });
      // The rows a cover reads: a level's rows inside its range and not inside the next coarser one's.
      const rowsOf = (levels: { span: number; lo: number; hi: number }[]) =>
        levels.flatMap((level, i) => {
          const coarser = levels[i + 1];
          const rows: [number, number][] = [];
          for (let t = level.lo; t < level.hi; t += level.span * HOUR)
            if (!coarser || t < coarser.lo || t >= coarser.hi) rows.push([level.span, t]);
          return rows;
        });
      // Written here: every complete hour of [from, to) before the watermark, the coarsest aligned
      // block (of `spans`) that lies inside them, left to right.
      const greedy = (from: number, to: number, spans: readonly number[]) => {
        const lo = Math.ceil(from / HOUR) * HOUR;
        const hi = Math.max(lo, Math.min(Math.floor(to / HOUR) * HOUR, watermark));
        const rows: [number, number][] = [];
        for (let t = lo; t < hi; ) {
          const span = [...spans].reverse().find((s) => t % (s * HOUR) === 0 && t + s * HOUR <= hi) ?? 1;
          rows.push([span, t]);
          t += span * HOUR;
        }
        return rows;
      };
      const sorted = (rows: [number, number][]) => [...rows].sort((x, y) => x[1] - y[1]);
      const context = JSON.stringify({ query, watermark, seconds });
      expect(sorted(rowsOf(b.covers.previous)), context).toEqual(greedy(query.previousStart.getTime(), query.start.getTime(), BLOCK_SPANS));
      expect(sorted(rowsOf(b.covers.current)), context).toEqual(greedy(query.start.getTime(), query.end.getTime(), BLOCK_SPANS));
      const inOneBucket = BLOCK_SPANS.filter((span) => seconds % (span * 3600) === 0);
      expect(sorted(rowsOf(b.covers.bucketed)), context).toEqual(greedy(query.start.getTime(), query.end.getTime(), inOneBucket));
      // The whole buckets: bucket-aligned, inside the rolled-up hours; the edges' rows are the rest.
      const hours = greedy(query.start.getTime(), query.end.getTime(), []).map(([, t]) => t);
      const [lo, hi] = [hours[0] ?? 0, (hours.at(-1) ?? -HOUR) + HOUR];
      const rowsApply = query.threshold === 2000 && (query.services === null || query.services.length === 1);
      const bucket = seconds * 1000;
      const wholeLo = Math.ceil(lo / bucket) * bucket;
      const whole: [number, number] | null =
        rowsApply && hours.length > 0 && wholeLo + bucket <= hi ? [wholeLo, Math.floor(hi / bucket) * bucket] : null;
      if (whole === null) expect(b.whole.hi - b.whole.lo, context).toBe(0);
      else expect([b.whole.lo, b.whole.hi], context).toEqual(whole);
      const edges = [...rowsOf(b.covers.edge_before), ...rowsOf(b.covers.edge_after)];
      const edgeHours = edges.flatMap(([span, t]) => Array.from({ length: span }, (_, i) => t + i * HOUR));
      const wholeHours = hours.filter((t) => whole !== null && t >= whole[0] && t < whole[1]);
      expect(
        [...edgeHours, ...wholeHours].sort((x, y) => x - y),
        context,
      ).toEqual(hours);
      // Each edge row lies in one bucket, wherever the rollups answer the timeline (a --service set
      // at 30-minute buckets reads raw rows: rollup-coverage.ts).
      if (timelineFits(numbers({ bucketSeconds: seconds, threshold: query.threshold, services: query.services })))
        for (const [span, t] of edges) expect(Math.floor(t / bucket), context).toBe(Math.floor((t + span * HOUR - 1) / bucket));
    }
  });
});
