// What every source hands to the metrics module: the rows of sql/aggregate.sql, decoded.

import type { SloCounts, SloQuery } from './slo-windows.js';

export const SOURCE_KINDS = ['demo', 'file', 'supabase', 'postgres'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
/** Text formats that can be told apart only by name: for stdin (`--input -`). */
export const INPUT_FORMATS = ['ndjson', 'csv'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
/** Where the figures were computed: in the database from raw rows, in-process (DuckDB), or in the
 *  database from the hourly rollups plus the raw rows at the window's edges (docs/rollups.md). */
export type Aggregation = 'server' | 'client' | 'rollup';
/** Percentiles from sorted durations, or from the rollup's histogram (within 1%, docs/rollups.md). */
export type Percentiles = 'exact' | 'approximate';
export type WindowName = 'current' | 'previous';

/** The question every source answers: both windows, optionally a set of services. */
export interface AggregateQuery {
  /** Current window start, inclusive. */
  start: Date;
  /** Current window end, exclusive. */
  end: Date;
  /** Previous window start, inclusive (previous window ends at `start`). */
  previousStart: Date;
  /** The `--service` set (at least one name, no duplicates), pushed into the WHERE clause; null
   *  for all services. */
  services: readonly string[] | null;
  /** Apdex threshold T, ms. */
  threshold: number;
}

/** Counts and duration statistics of one group of operations in one window. */
export interface Stats {
  operations: number;
  failures: number;
  /** Operations with a usable duration: not null, within 0..2,147,483,647 (docs/sources.md). */
  samples: number;
  sumDuration: number | null;
  minDuration: number | null;
  maxDuration: number | null;
  /** Percentiles of the durations; null without samples, and always in the previous window, whose
   *  percentiles no source computes (docs/sources.md: only its counts, sums and variance are read). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Sample variance of the durations (var_samp), ms²; null below 2 samples. */
  varDuration: number | null;
  /** Apdex: not failed and duration <= T; null in the previous window (as the percentiles). */
  satisfied: number | null;
  /** Apdex: not failed and T < duration <= 4T; null in the previous window. */
  tolerating: number | null;
  /** Operations whose duration is outside 0..2,147,483,647 (ignored as samples). */
  invalidDurations: number;
}

export type StatsRow =
  | ({ window: WindowName; level: 'overall' } & Stats)
  | ({ window: WindowName; level: 'service'; service: string } & Stats)
  | ({ window: WindowName; level: 'operation'; service: string; operation: string } & Stats);

/** Figures of one timeline bucket of the current window (docs/timeline.md): overall or one service's. */
export type TimelineRow =
  | ({ level: 'overall'; bucketStart: number } & Stats)
  | ({ level: 'service'; service: string; bucketStart: number } & Stats);

/** Failures of one error group in one service, current window (top 10 per service, ties kept). */
export interface ErrorCountRow {
  service: string;
  /** The group's fingerprint (docs/error-groups.md). */
  message: string;
  count: number;
  /** Its most recent raw message. */
  example: string;
  /** The operations it came from with their failures, most first, ties by operation. */
  operations: { operation: string; count: number }[];
}

/** One operation's share of an error group, as the aggregation returns it. */
export interface ErrorOperationRow {
  service: string;
  message: string;
  operation: string;
  /** This operation's failures in the group. */
  count: number;
  /** The group's failures. */
  groupCount: number;
  example: string;
}

/** How often one status value was seen among the current window's operations (docs/sources.md). */
export interface StatusCount {
  /** As the source holds it; null where a file row has none. */
  status: string | null;
  operations: number;
  /** Those the tool counted as failed. */
  failures: number;
}

export interface Aggregates {
  stats: StatsRow[];
  /** Only the buckets that hold operations; the analysis fills the empty ones with zeros. */
  timeline: TimelineRow[];
  errors: ErrorCountRow[];
  /** Operations (same filters as the windows) whose created_at is impossible (±infinity, before
   *  2000, year 10000 on): skipped rows, docs/sources.md. Counted by the aggregation over the whole table. */
  impossibleTimes: number;
  /** Up to 20 status values of the current window's operations, most first: none are returned when
   *  the figures come from the rollups (which keep no status) or from an RPC older than them. */
  statuses: StatusCount[];
  /** The rollups, when the answer says they are installed (its 'rollup' row): their watermark,
   *  epoch seconds (every hour before it rolled up), null before the first refresh; and the
   *  complete hours this answer read from them (0: raw rows alone, exact percentiles). */
  rollup: { watermark: number | null; hours: number } | null;
}

export interface SourceResult extends Aggregates {
  kind: SourceKind;
  aggregation: Aggregation;
  /** Input rows that could not be used (bad created_at/source/duration); files and fallback only. */
  skippedRows: number;
}

export interface Source {
  readonly kind: SourceKind;
  aggregate(query: AggregateQuery): Promise<SourceResult>;
  /** The SLO read (docs/slos.md): one more query, asked after aggregate() when SLOs are declared. */
  slo(query: SloQuery): Promise<SloCounts>;
  close(): Promise<void>;
}
