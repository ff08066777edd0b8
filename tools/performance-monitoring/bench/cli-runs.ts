// How the bench runs the CLI against a source and judges a run: the environment (a timeout for
// long runs, the PostgREST test server's URL and key) and the checks on its output (exit 0, the
// JSON report's operation count against the dataset's truth, the figures compared between sources).
import { randomBytes } from 'node:crypto';
import { type PostgrestServer, startPostgrestServer } from '../harness/postgrest-server.js';
import type { RunResult } from './measure.js';

/** What a check found: a line for the table, and the report's figures (null: not a report). */
export interface CheckState {
  check: string;
  signature: string | null;
}

/** A check is built per measured series and throws on a run that is not right. */
export type Check = (state: CheckState) => (r: RunResult) => void;

export interface JsonReport {
  healthScore: number | null;
  overall: {
    totalOperations: number;
    avgDuration: number | null;
    p95Duration: number | null;
    p99Duration: number | null;
    errorRate: number | null;
  };
  source: { kind: string; aggregation: string };
}

/**
 * The default PERFMON_TIMEOUT_MS (30 s) is shorter than some runs at 10M rows/window: the bench
 * measures how long they take, so it allows 10 minutes (and notes when a run needed more than 30 s).
 */
export const TIMEOUT_ENV = { PERFMON_TIMEOUT_MS: '600000' };

export function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.slice(0, 300) ?? '';
}

function exitedZero(r: RunResult): void {
  if (r.code !== 0) throw new Error(`exit ${String(r.code)}: ${lastLine(r.stderr)}`);
}

/** `ok` when the operations counted are the truth, else `WRONG` with both. */
export function countLine(ops: number, truth: number): string {
  return ops === truth
    ? `ok: ${ops.toLocaleString('en-US')} ops`
    : `WRONG: ${ops.toLocaleString('en-US')} ops, truth ${truth.toLocaleString('en-US')}`;
}

/**
 * Checks a CLI run: exit 0, a JSON report of `source` (when null, any source, named in the check
 * line instead), `expectedOps` operations; `seen` gets each report.
 */
export function reportCheck(expectedOps: number, source: JsonReport['source'] | null, seen?: (report: JsonReport) => void): Check {
  return (state) => (r) => {
    exitedZero(r);
    const report = JSON.parse(r.stdout) as JsonReport;
    seen?.(report);
    const { kind, aggregation } = report.source;
    if (source && (kind !== source.kind || aggregation !== source.aggregation)) {
      throw new Error(`source ${kind}/${aggregation}, expected ${source.kind}/${source.aggregation}`);
    }
    const o = report.overall;
    state.check = `${countLine(o.totalOperations, expectedOps)}${source ? '' : `, ${kind}/${aggregation}`}`;
    state.signature = `ops=${o.totalOperations} score=${String(report.healthScore)} avg=${String(o.avgDuration)} p95=${String(o.p95Duration)} p99=${String(o.p99Duration)} err=${String(o.errorRate)}`;
  };
}

/** Checks a run that prints no report (--help, --demo, the floor): exit 0. */
export const exitZero: Check = (state) => (r) => {
  exitedZero(r);
  state.check = `ok: exit 0, ${r.stdout.length.toLocaleString('en-US')} chars out`;
};

export interface Supabase {
  server: PostgrestServer;
  /** The service-role key the server accepts, made up for this run. */
  key: string;
  /** SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY and TIMEOUT_ENV, for the CLI. */
  env: Record<string, string>;
}

/** The PostgREST test server in front of `databaseUrl`, with Supabase's default max-rows (1,000). */
export async function startSupabase(databaseUrl: string): Promise<Supabase> {
  const key = `bench-service-role-${randomBytes(8).toString('hex')}`;
  const server = await startPostgrestServer({ databaseUrl, serviceRoleKey: key, maxRows: 1000 });
  return { server, key, env: { SUPABASE_URL: server.url, SUPABASE_SERVICE_ROLE_KEY: key, ...TIMEOUT_ENV } };
}
