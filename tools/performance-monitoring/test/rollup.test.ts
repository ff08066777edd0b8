// sql/rollup.sql on real PostgreSQL (docs/rollups.md): it is what its generator writes, installs twice
// cleanly with least privilege, the refresh builds exact hourly rows for a hand dataset (and the
// same counts and error groups as aggregate.sql for those rows), picks up late rows within the
// lag, gives the same table under concurrent calls, and fills the table when real pg_cron runs it;
// `monitor.ts --refresh-rollups` calls it (exit 0, 1 or 2 with one stderr line; its steps and
// progress: cli-refresh-rollups.test.ts; the 3 h, 1 d and 7 d blocks: rollup-blocks.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../harness/cli.js';
import {
  installTwice as installFilesTwice,
  installSupabaseRoles,
  type PgServer,
  runSqlFile,
  startPostgres,
  withSql,
} from '../harness/postgres.js';
import { currentHour, insertRows, type LogRow, rollupTable } from '../harness/rollup-rows.js';
import { pgCronAvailable } from '../harness/system.js';
import { aggregationSql } from '../sources/sql/aggregate.js';
import { BLOCKS_SIGNATURE, REFRESH_SIGNATURE, ROLLUP_FILE, rollupSql } from '../sources/sql/rollup.js';

const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));
const SCHEMA = join(SQL_DIR, 'schema.sql');
const ROLLUP = join(SQL_DIR, 'rollup.sql');
const HOUR = 3_600_000;

let pg: PgServer;

beforeAll(async () => {
  pgCronAvailable();
  pg = await startPostgres({
    extraConfig: [
      "shared_preload_libraries = 'pg_cron'",
      "cron.database_name = 'postgres'",
      // Jobs run in background workers: no libpq connection, so no password for the job.
      'cron.use_background_workers = on',
      'max_worker_processes = 32',
    ],
  });
});

afterAll(async () => {
  await pg?.stop();
});

/** Both files install twice cleanly: psql prints no errors, warnings or notices worth a user's attention. */
async function installTwice(url: string): Promise<void> {
  for (const run of await installFilesTwice(
    url,
    [SCHEMA, ROLLUP],
    /^psql:.*NOTICE:.*(already exists, skipping|does not exist, skipping)\n/gm,
  ))
    expect(run).toEqual({ ...run, stderr: '' });
}

/** The start of the current hour, by the database's clock. */
const MIN = 60_000;

/** The hand dataset: hour h0 (five hours ago) and h0 + 2h, one row in the current hour. */
function handRows(h0: number, now: number): LogRow[] {
  const op = (
    source: string,
    operation: string | null,
    level: string,
    status: string,
    message: string | null,
    duration_ms: number | null,
    at: number,
  ) => ({ source, operation, level, status, message, duration_ms, at });
  return [
    op('hubspot', 'contacts.batch', 'info', 'success', null, 100, h0 + 1 * MIN),
    op('hubspot', 'contacts.batch', 'info', 'success', null, 1234, h0 + 2 * MIN),
    op('hubspot', 'contacts.batch', 'error', 'error', 'Timeout after 30012ms for job 8f3a9c21', 30012, h0 + 3 * MIN),
    op('hubspot', 'contacts.batch', 'error', 'error', 'Timeout after 29877ms for job 11c0ffee', 29877, h0 + 4 * MIN),
    op('hubspot', 'contacts.batch', 'info', 'success', null, -5, h0 + 5 * MIN),
    op('hubspot', 'contacts.batch', 'info', 'info', 'plain line, not an operation', null, h0 + 6 * MIN),
    op('hubspot', null, 'warn', 'success', null, 1000, h0 + 7 * MIN),
    op('', 'ping', 'info', 'success', null, 7, h0 + 8 * MIN),
    op('n8n', 'wf.run', 'info', 'error', 'Connection reset', null, h0 + 59 * MIN),
    op('hubspot', 'contacts.batch', 'info', 'success', null, 1001, h0 + 2 * HOUR + 10 * MIN),
    op('hubspot', 'contacts.batch', 'error', 'info', 'Rate limit exceeded', 10000, h0 + 2 * HOUR + 20 * MIN),
    // An impossible time (before 2000) and the current, incomplete hour: never rolled up.
    op('hubspot', 'contacts.batch', 'info', 'success', null, 5, Date.parse('1999-12-31T23:00:00Z')),
    op('hubspot', 'contacts.batch', 'info', 'success', null, 50, now),
  ];
}

const iso = (ms: number) => new Date(ms).toISOString();
const usIso = (ms: number) => `${iso(ms).slice(0, -1)}000Z`;

function expectedRows(h0: number) {
  const row = (hourMs: number, service: string, operation: string, extra: Record<string, unknown>) => ({
    hour: iso(hourMs),
    service,
    operation,
    ...extra,
  });
  return [
    row(h0, '(none)', 'ping', {
      operations: '1',
      failures: '0',
      samples: '1',
      sum_duration: '7',
      sum_squares: '49',
      min_duration: 7,
      max_duration: 7,
      invalid_durations: '0',
      histogram_keys: ['7'],
      histogram_counts: ['1'],
      failure_histogram_keys: [],
      failure_histogram_counts: [],
      fingerprints: {},
    }),
    row(h0, 'hubspot', '(none)', {
      operations: '1',
      failures: '0',
      samples: '1',
      sum_duration: '1000',
      sum_squares: '1000000',
      min_duration: 1000,
      max_duration: 1000,
      invalid_durations: '0',
      histogram_keys: ['1000'],
      histogram_counts: ['1'],
      failure_histogram_keys: [],
      failure_histogram_counts: [],
      fingerprints: {},
    }),
    row(h0, 'hubspot', 'contacts.batch', {
      // 100² + 1234² + 30012² + 29877² = 10,000 + 1,522,756 + 900,720,144 + 892,635,129
      operations: '5',
      failures: '2',
      samples: '4',
      sum_duration: '61223',
      sum_squares: '1794888029',
      min_duration: 100,
      max_duration: 30012,
      invalid_durations: '1',
      // 100 exact; 1234 in (1220, 1240] (width 20 in (1000, 2000]); width 400 in (20000, 50000]:
      // 29877 in (29600, 30000], 30012 in (30000, 30400]
      histogram_keys: ['100', '1240', '30000', '30400'],
      histogram_counts: ['1', '1', '1', '1'],
      failure_histogram_keys: ['30000', '30400'],
      failure_histogram_counts: ['1', '1'],
      fingerprints: {
        'Timeout after <n>ms for job <hex>': { count: 2, example: 'Timeout after 29877ms for job 11c0ffee', last_at: usIso(h0 + 4 * MIN) },
      },
    }),
    row(h0, 'n8n', 'wf.run', {
      operations: '1',
      failures: '1',
      samples: '0',
      sum_duration: '0',
      sum_squares: '0',
      min_duration: null,
      max_duration: null,
      invalid_durations: '0',
      histogram_keys: [],
      histogram_counts: [],
      failure_histogram_keys: [],
      failure_histogram_counts: [],
      fingerprints: { 'Connection reset': { count: 1, example: 'Connection reset', last_at: usIso(h0 + 59 * MIN) } },
    }),
    row(h0 + 2 * HOUR, 'hubspot', 'contacts.batch', {
      operations: '2',
      failures: '1',
      samples: '2',
      sum_duration: '11001',
      sum_squares: '101002001',
      min_duration: 1001,
      max_duration: 10000,
      invalid_durations: '0',
      // 1001 in (1000, 1020] (width 20); 10000 ends (9900, 10000] (width 100).
      histogram_keys: ['1020', '10000'],
      histogram_counts: ['1', '1'],
      failure_histogram_keys: ['10000'],
      failure_histogram_counts: ['1'],
      fingerprints: { 'Rate limit exceeded': { count: 1, example: 'Rate limit exceeded', last_at: usIso(h0 + 2 * HOUR + 20 * MIN) } },
    }),
  ];
}

interface Refresh {
  hours_built: number;
  watermark: string | null;
  hour_now: string;
}

async function refresh(sql: postgres.Sql, lag = '2 hours', maxHours = 168): Promise<Refresh> {
  const [row] = await sql<Refresh[]>`
    SELECT hours_built, to_char(watermark AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS watermark,
      to_char(to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS hour_now
    FROM perf_monitor_refresh_rollups(${lag}::interval, ${maxHours})`;
  if (!row) throw new Error('refresh returned no row');
  return row;
}

/** A fresh database with schema.sql, rollup.sql and the hand dataset; h0 is its first hour. */
async function handDatabase(name: string): Promise<{ url: string; h0: number }> {
  const url = await pg.createDatabase(name);
  for (const file of [SCHEMA, ROLLUP]) await runSqlFile(url, file);
  const h0 = await withSql(url, async (sql) => {
    const hourNow = await currentHour(sql);
    const first = hourNow - 5 * HOUR;
    await insertRows(sql, handRows(first, Date.now()));
    return first;
  });
  return { url, h0 };
}

describe('rollup.sql', () => {
  it('is what the generator writes from aggregate.sql', () => {
    // Stale: run `npx tsx tools/performance-monitoring/sources/sql/build-rollup.ts`.
    expect(readFileSync(ROLLUP_FILE, 'utf8')).toBe(rollupSql());
  });

  it('installs twice cleanly on plain PostgreSQL; other roles can neither refresh nor read', async () => {
    const url = await pg.createDatabase('rollup_plain');
    await installTwice(url);
    await withSql(url, async (sql) => {
      await sql`CREATE ROLE rollup_reader LOGIN`;
      const [rights] = await sql<{ execute: boolean; blocks: boolean; rollup: boolean; block: boolean; state: boolean }[]>`
        SELECT has_function_privilege('rollup_reader', ${REFRESH_SIGNATURE}, 'EXECUTE') AS execute,
          has_function_privilege('rollup_reader', ${BLOCKS_SIGNATURE}, 'EXECUTE') AS blocks,
          has_table_privilege('rollup_reader', 'public.perf_monitor_rollup', 'SELECT') AS rollup,
          has_table_privilege('rollup_reader', 'public.perf_monitor_rollup_block', 'SELECT') AS block,
          has_table_privilege('rollup_reader', 'public.perf_monitor_rollup_state', 'SELECT') AS state`;
      expect(rights).toEqual({ execute: false, blocks: false, rollup: false, block: false, state: false });
      const [state] = await sql`SELECT count(*)::int AS n, max(watermark) AS watermark FROM perf_monitor_rollup_state`;
      expect(state).toEqual({ n: 1, watermark: null });
    });
  });

  it('installs twice cleanly on a Supabase-like database; only service_role may refresh and read', async () => {
    const url = await pg.createDatabase('rollup_supabase');
    await installSupabaseRoles(url);
    await installTwice(url);
    await withSql(url, async (sql) => {
      const rights = await sql<{ role: string; execute: boolean; rollup: boolean; block: boolean; write: boolean }[]>`
        SELECT r AS role, has_function_privilege(r, ${REFRESH_SIGNATURE}, 'EXECUTE') AS execute,
          has_table_privilege(r, 'public.perf_monitor_rollup', 'SELECT') AS rollup,
          has_table_privilege(r, 'public.perf_monitor_rollup_block', 'SELECT') AS block,
          has_table_privilege(r, 'public.perf_monitor_rollup_state', 'UPDATE') AS write
        FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) AS r ORDER BY r`;
      expect(rights).toEqual([
        { role: 'anon', execute: false, rollup: false, block: false, write: false },
        { role: 'authenticated', execute: false, rollup: false, block: false, write: false },
        { role: 'service_role', execute: true, rollup: true, block: true, write: true },
      ]);
      // service_role can run it, as the CLI or an RPC call would.
      const built = await sql.begin(async (tx) => {
        await tx.unsafe('SET LOCAL ROLE service_role');
        return tx`SELECT hours_built FROM perf_monitor_refresh_rollups()`;
      });
      expect(built).toEqual([{ hours_built: 0 }]);
    });
  });
});

describe('perf_monitor_refresh_rollups', () => {
  it('builds exact hourly rows for a hand dataset, the same counts and error groups as aggregate.sql', async () => {
    const { url, h0 } = await handDatabase('rollup_hand');
    await withSql(url, async (sql) => {
      const first = await refresh(sql);
      expect(first.watermark).toBe(first.hour_now);
      expect(first.hours_built).toBe((Date.parse(first.hour_now) - h0) / HOUR);
      const table = await rollupTable(sql);
      expect(table).toEqual(expectedRows(h0));
      for (const row of table) {
        const counts = (row.histogram_counts as string[]).reduce((a, b) => a + Number(b), 0);
        expect(counts).toBe(Number(row.samples));
      }

      // aggregate.sql over the same complete hours: per operation, and its error groups.
      const params = [iso(h0), first.hour_now, iso(h0 - 24 * HOUR), null, 2000, 3600];
      const report = await sql.unsafe<Record<string, unknown>[]>(aggregationSql(), params as (string | number | null)[]);
      const reportOps = report
        .filter((r) => r.kind === 'stats' && r.win === 'current' && r.level === 'operation')
        .map((r) => ({
          service: r.service,
          operation: r.operation,
          operations: Number(r.operations),
          failures: Number(r.failures),
          samples: Number(r.samples),
          sum: Number(r.sum_duration ?? 0),
          min: r.min_duration,
          max: r.max_duration,
          invalid: Number(r.invalid_durations),
        }))
        .sort((a, b) => `${String(a.service)}/${String(a.operation)}`.localeCompare(`${String(b.service)}/${String(b.operation)}`));
      const [merged] = await sql<{ ops: unknown[] }[]>`
        SELECT json_agg(o ORDER BY o.service || '/' || o.operation) AS ops FROM (
          SELECT service, operation, sum(operations)::int AS operations, sum(failures)::int AS failures, sum(samples)::int AS samples,
            sum(sum_duration)::float8 AS sum, min(min_duration)::float8 AS min, max(max_duration)::float8 AS max, sum(invalid_durations)::int AS invalid
          FROM perf_monitor_rollup GROUP BY service, operation) AS o`;
      expect(merged?.ops).toEqual(reportOps);

      const reportGroups = report
        .filter((r) => r.kind === 'error')
        .map((r) => ({ service: r.service, fingerprint: r.message, count: Number(r.failures), example: r.example }))
        .sort((a, b) => `${String(a.service)}/${String(a.fingerprint)}`.localeCompare(`${String(b.service)}/${String(b.fingerprint)}`));
      const [groups] = await sql<{ groups: unknown[] }[]>`
        SELECT json_agg(g ORDER BY g.service || '/' || g.fingerprint) AS groups FROM (
          SELECT service, fingerprint, sum((value->>'count')::int)::int AS count,
            (array_agg(value->>'example' ORDER BY value->>'last_at' DESC, value->>'example' DESC))[1] AS example
          FROM perf_monitor_rollup, jsonb_each(fingerprints) AS f(fingerprint, value)
          GROUP BY service, fingerprint) AS g`;
      expect(groups?.groups).toEqual(reportGroups);
      expect(reportGroups).toHaveLength(3);

      // Run again: the lag's hours are rebuilt whole, and the table is the same.
      const again = await refresh(sql);
      expect(again).toEqual({ hours_built: 2, watermark: first.watermark, hour_now: first.hour_now });
      expect(await rollupTable(sql)).toEqual(table);
    });
  });

  it('puts each duration in the bucket whose key is its inclusive upper end (exact to 100 ms, then widths D/50, D/25, D/10 per decade D from 100)', async () => {
    const url = await pg.createDatabase('rollup_buckets');
    for (const file of [SCHEMA, ROLLUP]) await runSqlFile(url, file);
    await withSql(url, async (sql) => {
      const h0 = (await currentHour(sql)) - HOUR;
      const durations = [
        0, 100, 101, 200, 201, 500, 501, 502, 999, 1000, 1001, 1005, 1010, 1011, 2000, 2001, 9951, 10000, 10001, 123456, 2147483647,
      ];
      await insertRows(
        sql,
        durations.map((d, i) => ({
          source: 'b',
          operation: 'op',
          level: 'info',
          status: 'success',
          message: null,
          duration_ms: d,
          at: h0 + i * MIN,
        })),
      );
      await refresh(sql);
      const [row] = await sql<
        { keys: string[]; counts: string[] }[]
      >`SELECT histogram_keys::text[] AS keys, histogram_counts::text[] AS counts FROM perf_monitor_rollup`;
      // Computed by hand, key = ceil(d / w) * w: 0 and 100 exact; (100, 200] width 2: 101 -> 102,
      // 200 -> 200; (200, 500] width 4: 201 -> 204, 500 -> 500; (500, 1000] width 10: 501, 502 -> 510,
      // 999, 1000 -> 1000; (1000, 2000] width 20: 1001, 1005, 1010, 1011 -> 1020, 2000 -> 2000;
      // (2000, 5000] width 40: 2001 -> 2040; (5000, 10000] width 100: 9951, 10000 -> 10000;
      // (10000, 20000] width 200: 10001 -> 10200; (100000, 200000] width 2000: 123456 -> 124000;
      // (2e9, 5e9] width 4e7: 2147483647 -> 2160000000.
      expect(row).toEqual({
        keys: ['0', '100', '102', '200', '204', '500', '510', '1000', '1020', '2000', '2040', '10000', '10200', '124000', '2160000000'],
        counts: ['1', '1', '1', '1', '1', '1', '2', '2', '4', '1', '1', '2', '1', '1', '1'],
      });
    });
  });

  it('picks up a late row within the lag on the next refresh, and only within it', async () => {
    const { url } = await handDatabase('rollup_late');
    await withSql(url, async (sql) => {
      const first = await refresh(sql);
      const hourNow = Date.parse(first.hour_now);
      await insertRows(sql, [
        {
          source: 'late',
          operation: 'inside.lag',
          level: 'info',
          status: 'success',
          message: null,
          duration_ms: 42,
          at: hourNow - HOUR + 30 * MIN,
        },
        {
          source: 'late',
          operation: 'before.lag',
          level: 'info',
          status: 'success',
          message: null,
          duration_ms: 43,
          at: hourNow - 4 * HOUR + 30 * MIN,
        },
      ]);
      const next = await refresh(sql);
      expect(next.hours_built).toBe(2);
      const late =
        await sql`SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS hour, operation, operations::int, sum_duration::int
        FROM perf_monitor_rollup WHERE service = 'late'`;
      expect(late).toEqual([{ hour: iso(hourNow - HOUR), operation: 'inside.lag', operations: 1, sum_duration: 42 }]);
    });
  });

  it('two concurrent refreshes give the same table as one; the second returns at once', async () => {
    const single = await handDatabase('rollup_single');
    const expected = await withSql(single.url, async (sql) => {
      await refresh(sql);
      return rollupTable(sql);
    });
    const { url } = await handDatabase('rollup_concurrent');
    const a = postgres(url, { max: 1, onnotice: () => {} });
    const b = postgres(url, { max: 1, onnotice: () => {} });
    try {
      // A holds the refresh's lock in an open transaction while B calls: B gets 0 hours at once.
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let aStarted: () => void = () => {};
      const started = new Promise<void>((resolve) => (aStarted = resolve));
      const aDone = a.begin(async (tx) => {
        const [row] = await tx<{ hours_built: number }[]>`SELECT hours_built FROM perf_monitor_refresh_rollups()`;
        aStarted();
        await held;
        return row?.hours_built;
      });
      await started;
      const t0 = Date.now();
      const bRow = await refresh(b);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(bRow).toMatchObject({ hours_built: 0, watermark: null });
      release();
      expect(await aDone).toBe(5);
      expect(await rollupTable(b)).toEqual(expected);
      // Both at once, after that: whatever the interleaving, the table is the same.
      await Promise.all([refresh(a), refresh(b)]);
      expect(await rollupTable(a)).toEqual(expected);
    } finally {
      await a.end({ timeout: 5 });
      await b.end({ timeout: 5 });
    }
  });

  it('fills the table when scheduled with real pg_cron', async () => {
    const { url, h0 } = await handDatabase('rollup_cron');
    const jobs = await withSql(pg.url('postgres'), async (sql) => {
      await sql`CREATE EXTENSION IF NOT EXISTS pg_cron`;
      const [ext] = await sql<{ version: string }[]>`SELECT extversion AS version FROM pg_extension WHERE extname = 'pg_cron'`;
      // Second intervals came with pg_cron 1.5; 1.4 (Debian 12's) runs every minute at the earliest.
      const [major, minor] = (ext?.version ?? '0.0').split(/[.-]/).map(Number);
      const schedule = (major ?? 0) > 1 || (minor ?? 0) >= 5 ? '1 seconds' : '* * * * *';
      const [job] = await sql<{ id: string }[]>`
        SELECT cron.schedule_in_database('perf_monitor_rollups', ${schedule},
          'SELECT * FROM perf_monitor_refresh_rollups()', 'rollup_cron') AS id`;
      const deadline = Date.now() + 100_000;
      for (;;) {
        const runs = await sql<{ status: string; message: string }[]>`
          SELECT status, return_message AS message FROM cron.job_run_details WHERE jobid = ${job?.id ?? 0} AND status IN ('succeeded', 'failed')`;
        if (runs.length > 0 || Date.now() > deadline) {
          await sql`SELECT cron.unschedule('perf_monitor_rollups')`;
          return runs;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    });
    expect(jobs[0]).toEqual({ status: 'succeeded', message: 'SELECT 1' });
    await withSql(url, async (sql) => {
      // The wait can cross an hour: then the hour of the "now" row is complete, and rolled up too.
      const [state] = await sql<{ watermark: string }[]>`
        SELECT to_char(watermark AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS watermark FROM perf_monitor_rollup_state`;
      expect([iso(h0 + 5 * HOUR), iso(h0 + 6 * HOUR)]).toContain(state?.watermark);
      const table = await rollupTable(sql);
      expect(table.filter((row) => String(row.hour) < iso(h0 + 5 * HOUR))).toEqual(expectedRows(h0));
      expect(table).toHaveLength(state?.watermark === iso(h0 + 5 * HOUR) ? 5 : 6);
    });
  }, 150_000);
});

describe('monitor.ts --refresh-rollups', () => {
  it('with DATABASE_URL: refreshes (one step here), one stderr line with the hours and the watermark, nothing on stdout', async () => {
    const { url, h0 } = await handDatabase('rollup_cli');
    const cwd = emptyDir();
    const first = await runCli(['--refresh-rollups'], { env: { DATABASE_URL: url }, cwd });
    const hourNow = iso(h0 + 5 * HOUR);
    expect(first).toEqual({ code: 0, stdout: '', stderr: `perf-monitor: rollups: 5 hours built; rolled up to ${hourNow}\n` });
    await withSql(url, async (sql) => expect(await rollupTable(sql)).toEqual(expectedRows(h0)));
    const again = await runCli(['--refresh-rollups'], { env: { DATABASE_URL: url }, cwd });
    expect(again).toEqual({ code: 0, stdout: '', stderr: `perf-monitor: rollups: 2 hours built; rolled up to ${hourNow}\n` });
  });

  it('without rollup.sql installed: exit 1, one line saying to install it; other sources: exit 2', async () => {
    const url = await pg.createDatabase('rollup_cli_missing');
    await runSqlFile(url, SCHEMA);
    const cwd = emptyDir();
    const missing = await runCli(['--refresh-rollups'], { env: { DATABASE_URL: url }, cwd });
    expect(missing).toEqual({
      code: 1,
      stdout: '',
      stderr: `perf-monitor: PostgreSQL at 127.0.0.1:${pg.port}: perf_monitor_refresh_rollups() is not installed: run tools/performance-monitoring/sql/rollup.sql\n`,
    });
    const demo = await runCli(['--refresh-rollups', '--demo'], { cwd });
    expect(demo).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "perf-monitor: --refresh-rollups needs DATABASE_URL (a PostgreSQL connection), not the demo source; or schedule sql/rollup.sql's refresh with pg_cron\n",
    });
  });
});
