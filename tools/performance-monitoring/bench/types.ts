// The bench's figures as types: one measured row, plans, targets, the rollup case, and the whole
// results file; shared by the code that measures them and the code that prints them.
import type { RollupDataset } from './rollup-data.js';

export interface Measurement {
  /** parquet, ndjson, postgres, postgres-service, postgres-1h, rpc, fallback, baseline, demo, help, floor */
  id: string;
  label: string;
  /** Dataset label (10k, 100k, 1m, 10m); null for demo, help and the floor. */
  size: string | null;
  /** Operations per window. */
  n: number | null;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Median minus the median of the floor runs interleaved with this series. */
  aboveFloorMs: number;
  /** Median of the floor runs interleaved with this series. */
  floorMs: number;
  wallMs: number[];
  peakRssMb: number | null;
  /** Median CPU time (user + system) of the CLI process itself, ms; servers' CPU not included. */
  cpuMs: number | null;
  /** CPU time above the floor's CPU time, ms. */
  aboveFloorCpuMs: number | null;
  /** Median HTTP bytes sent by the PostgREST server per run (Supabase paths and baseline). */
  httpBytes: number | null;
  /** Requests the server received per run. */
  httpRequests: number | null;
  /** What was checked on the output (operations counted vs the truth). */
  check: string;
  /** Report figures used to compare the sources with each other. */
  signature: string | null;
  error: string | null;
}

export interface PlanNode {
  depth: number;
  text: string;
}

export interface PlanSummary {
  size: string;
  query: string;
  executionMs: number;
  planningMs: number;
  nodes: PlanNode[];
  scans: string[];
  indexUsed: boolean;
  diskSorts: string[];
}

export interface UnpagedCheck {
  size: string;
  services: Array<{ service: string; truth: number; paged: number; unpaged: number; unpagedRows: number }>;
  truthTotal: number;
  pagedTotal: number;
  unpagedTotal: number;
}

export interface TargetLine {
  target: string;
  measured: string;
  pass: boolean | null;
}

export interface Results {
  startedAt: string;
  finishedAt: string;
  machine: Record<string, unknown>;
  options: Record<string, unknown>;
  datasets: Array<Record<string, unknown>>;
  floorMs: number;
  floorCpuMs: number;
  measurements: Measurement[];
  plans: PlanSummary[];
  unpaged: UnpagedCheck[];
  ratios: Array<{
    size: string;
    baselineS: number;
    fallbackS: number | null;
    rpcS: number | null;
    fallbackSpeedup: number | null;
    rpcSpeedup: number | null;
  }>;
  targets: TargetLine[];
  /** The rollup case (--large, --only rollup); null when not run. */
  rollup: RollupFigures | null;
  notes: string[];
}

export interface RefreshCall {
  ms: number;
  hoursBuilt: number;
  watermark: string | null;
}

/** The rollup case: its dataset (loadMs: the figure of the run that loaded it when reused) and what was measured on it. */
export interface RollupFigures extends RollupDataset {
  /** integration_logs: pg_total_relation_size (heap, TOAST, indexes), heap alone (main fork), indexes. */
  rawBytes: { total: number; heap: number; indexes: number };
  /** The first full build: refresh calls with the defaults until the watermark is the current hour. */
  firstBuild: { totalMs: number; calls: RefreshCall[] };
  /** pg_total_relation_size('public.perf_monitor_rollup') after the build (and a VACUUM), its rows. */
  rollupBytes: number;
  rollupRows: number;
  /** The same for perf_monitor_rollup_block (3 h, 1 d and 7 d blocks merged from the hourly rows). */
  blockBytes: number;
  blockRows: number;
  /** The same for perf_monitor_rollup_timeline (per service and overall, spans 30 min to 7 d, with their figures made ready). */
  timelineBytes: number;
  timelineRows: number;
  /** 'default' (8 services, 22 operations) or 'many' (161 operations). */
  shape: 'default' | 'many';
  /** Operations (service, operation pairs) in the dataset. */
  operationCount: number;
  /** A refresh with no new hour: re-reads the lag (2 h). */
  steady: { medianMs: number; calls: RefreshCall[] };
  /** A refresh after one more hour closed (watermark moved back one hour first): the lag plus that hour. */
  increment: { medianMs: number; calls: RefreshCall[]; rowsReread: number };
  /** Whether this CLI has --exact (the read path); without it the default run reads raw rows. */
  exactFlag: boolean;
  /** source.aggregation of each report row, by measurement id. */
  aggregation: Record<string, string | null>;
  loadAverage: Record<string, string>;
}
