// The naive tool, for comparison only (never used by the product): for each service, read every
// row of both windows through the REST API with `select=*` and offset pages (`offset=&limit=`),
// then compute counts, error rate, average and percentiles in JavaScript by sorting.
//
//   tsx bench/baseline.ts --until ISO --hours 24 --services a,b,c [--no-paging]
//   env: SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY
//
// --no-paging sends one request per service without offset/limit, as a naive tool that trusts
// the API to return everything would: PostgREST answers at most max-rows (Supabase: 1,000) rows,
// so its counts are wrong beyond 1,000 rows. Prints one JSON object on stdout.

import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { isOperation } from '../harness/dataset.js';
import type { LogRow } from '../sources/supabase/row-loader.js';

/** The columns the naive tool reads: the same row as the product's client-side path. */
type Row = LogRow;

interface WindowFigures {
  operations: number;
  failed: number;
  errorRate: number | null;
  avgDuration: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

const PAGE_SIZE = 1000;
const MAX_PAGES = 100_000;

function required(name: string, value: string | undefined): string {
  if (value === undefined || value === '') {
    process.stderr.write(`baseline: ${name} is required\n`);
    process.exit(2);
  }
  return value;
}

const program = new Command('baseline')
  .requiredOption('--until <iso>', 'window end', (v) => {
    const t = new Date(v);
    if (Number.isNaN(t.getTime())) throw new InvalidArgumentError(`'${v}' is not a date`);
    return t;
  })
  .option('--hours <n>', 'window length (default: 24)', Number)
  .requiredOption('--services <list>', 'services, comma-separated', (v) => v.split(','))
  .option('--no-paging', 'one request per service, no offset/limit')
  .allowExcessArguments(false)
  .configureOutput({ outputError: (text, write) => write(`baseline: ${text.replace(/^error: /, '')}`) })
  .exitOverride();
try {
  program.parse(process.argv.slice(2), { from: 'user' });
} catch (error) {
  process.exit(error instanceof CommanderError && error.exitCode === 0 ? 0 : 2);
}
const options = program.opts<{ until: Date; hours?: number; services: string[]; paging: boolean }>();
const baseUrl = required('SUPABASE_URL', process.env.SUPABASE_URL).replace(/\/$/, '');
const key = required('SUPABASE_SERVICE_ROLE_KEY', process.env.SUPABASE_SERVICE_ROLE_KEY);
const { until, services, paging } = options;
const hours = options.hours ?? 24;

const end = until.getTime();
const start = end - hours * 3_600_000;
const previousStart = end - 2 * hours * 3_600_000;
let requests = 0;

async function getRows(params: URLSearchParams): Promise<Row[]> {
  requests++;
  const response = await fetch(`${baseUrl}/rest/v1/integration_logs?${params.toString()}`, {
    headers: { apikey: key, Authorization: `Bearer ${key}`, Accept: 'application/json' },
    signal: AbortSignal.timeout(60_000),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return (await response.json()) as Row[];
}

async function readService(service: string): Promise<Row[]> {
  const base = () => {
    const p = new URLSearchParams();
    p.set('select', '*');
    p.set('source', `eq.${service}`);
    p.append('created_at', `gte.${new Date(previousStart).toISOString()}`);
    p.append('created_at', `lt.${new Date(end).toISOString()}`);
    p.set('order', 'id.asc');
    return p;
  };
  if (!paging) return getRows(base());
  const rows: Row[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const p = base();
    p.set('offset', String(page * PAGE_SIZE));
    p.set('limit', String(PAGE_SIZE));
    const batch = await getRows(p);
    rows.push(...batch);
    if (batch.length < PAGE_SIZE) return rows;
  }
  throw new Error(`more than ${MAX_PAGES} pages for ${service}`);
}

/** percentile_cont over sorted values. */
function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * q;
  const lower = Math.floor(pos);
  const a = sorted[lower] as number;
  const b = sorted[Math.min(lower + 1, sorted.length - 1)] as number;
  return a + (b - a) * (pos - lower);
}

function figures(rows: Row[]): WindowFigures {
  const ops = rows.filter(isOperation);
  const failed = ops.filter((r) => r.status === 'error' || r.level === 'error').length;
  const durations = ops.map((r) => r.duration_ms).filter((d): d is number => d !== null && d >= 0);
  durations.sort((a, b) => a - b);
  const sum = durations.reduce((s, d) => s + d, 0);
  return {
    operations: ops.length,
    failed,
    errorRate: ops.length > 0 ? (failed / ops.length) * 100 : null,
    avgDuration: durations.length > 0 ? sum / durations.length : null,
    p50: percentile(durations, 0.5),
    p95: percentile(durations, 0.95),
    p99: percentile(durations, 0.99),
  };
}

const started = performance.now();
const perService: Array<{ service: string; rowsRead: number; current: WindowFigures; previous: WindowFigures }> = [];
const allCurrent: Row[] = [];
const allPrevious: Row[] = [];
for (const service of services) {
  const rows = await readService(service);
  const current = rows.filter((r) => Date.parse(r.created_at) >= start);
  const previous = rows.filter((r) => Date.parse(r.created_at) < start);
  allCurrent.push(...current);
  allPrevious.push(...previous);
  perService.push({ service, rowsRead: rows.length, current: figures(current), previous: figures(previous) });
}
const overall = { current: figures(allCurrent), previous: figures(allPrevious) };
process.stdout.write(
  `${JSON.stringify({ mode: paging ? 'paged' : 'unpaged', requests, ms: Math.round(performance.now() - started), overall, services: perService })}\n`,
);
