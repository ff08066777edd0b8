// The shipped SQL (sql/schema.sql, sql/rpc.sql), installed with psql as a user would: idempotent
// on plain PostgreSQL (no Supabase roles) and on a Supabase-like database, where the RPC must
// not be executable by anon (docs/sources.md, issue 3). Also: rpc.sql is what the generator writes, and
// the aggregation uses the created_at index when the window is a small part of the table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@supabase/supabase-js';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { generateRows, loadIntoPostgres } from '../harness/dataset.js';
import {
  installTwice as installFilesTwice,
  installSupabaseRoles,
  type PgServer,
  runSqlFile,
  startPostgres,
  withSql,
} from '../harness/postgres.js';
import { type PostgrestServer, startPostgrestServer } from '../harness/postgrest-server.js';
import { decodeAggregateRows } from '../sources/rows.js';
import { aggregationParams, aggregationSql } from '../sources/sql/aggregate.js';
import { RPC_FILE, RPC_SIGNATURE, rpcSql } from '../sources/sql/rpc.js';

const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));
const SCHEMA = join(SQL_DIR, 'schema.sql');
const RPC = join(SQL_DIR, 'rpc.sql');
const SIGNATURE = 'public.perf_monitor_summary(timestamptz, timestamptz, timestamptz, text, integer, integer, boolean)';
/** sql/rpc.sql as shipped at commit 5b5982a, before the variance and the impossible-times row. */
const RPC_5B5982A = fileURLToPath(new URL('./fixtures/rpc-5b5982a.sql', import.meta.url));
const SUPABASE_ROLES = ['anon', 'authenticated', 'service_role'];
const SERVICE_KEY = 'sql-install-service-key-2b8e';
const ANON_KEY = 'sql-install-anon-key-6c1f';
const UNTIL = '2025-11-20T10:00:00.000Z';
const RPC_ARGS = {
  p_start: '2025-11-19T10:00:00.000Z',
  p_end: UNTIL,
  p_previous_start: '2025-11-18T10:00:00.000Z',
  p_service: null,
  p_threshold: 1000,
  p_bucket_seconds: 1800,
};

let pg: PgServer;
let api: PostgrestServer | undefined;

beforeAll(async () => {
  pg = await startPostgres();
});

afterAll(async () => {
  await api?.close();
  await pg?.stop();
});

/** Both files install twice cleanly: psql prints no errors, warnings or notices worth a user's attention. */
async function installTwice(url: string): Promise<void> {
  for (const run of await installFilesTwice(url, [SCHEMA, RPC], /^psql:.*NOTICE:.*already exists, skipping\n/gm))
    expect(run).toEqual({ ...run, stderr: '' });
}

async function describeInstall(sql: postgres.Sql) {
  const indexes = await sql<{ indexname: string; indexdef: string }[]>`
    SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'integration_logs' ORDER BY indexname`;
  const [fn] = await sql<{ config: string[] | null; volatility: string }[]>`
    SELECT proconfig AS config, provolatile AS volatility FROM pg_proc WHERE oid = to_regprocedure(${SIGNATURE})`;
  const counts = await sql<{ proname: string; n: number }[]>`
    SELECT proname, count(*)::int AS n FROM pg_proc WHERE proname = 'perf_monitor_summary' GROUP BY proname`;
  return { indexes: indexes.map((i) => i.indexdef.replace(/^.* USING /, `${i.indexname} USING `)), fn, overloads: counts[0]?.n ?? 0 };
}

const canExecute = async (sql: postgres.Sql, role: string) =>
  (await sql<{ ok: boolean }[]>`SELECT has_function_privilege(${role}, ${SIGNATURE}, 'EXECUTE') AS ok`)[0]?.ok;

/** Calls the RPC as `role` (SET LOCAL ROLE), like PostgREST does; resolves to the JSON or rejects. */
async function callAs(sql: postgres.Sql, role: string): Promise<unknown> {
  return sql.begin(async (tx) => {
    await tx.unsafe(`SET LOCAL ROLE ${role}`);
    const [row] = await tx.unsafe<{ summary: unknown }[]>(`SELECT ${SIGNATURE.replace(/\(.*\)/, '')}($1, $2, $3, $4, $5, $6) AS summary`, [
      RPC_ARGS.p_start,
      RPC_ARGS.p_end,
      RPC_ARGS.p_previous_start,
      RPC_ARGS.p_service,
      RPC_ARGS.p_threshold,
      RPC_ARGS.p_bucket_seconds,
    ]);
    return row?.summary;
  });
}

describe('on plain PostgreSQL, without Supabase roles', () => {
  // Roles are cluster-wide: this runs before any test here creates them.
  it('schema.sql and rpc.sql install twice cleanly; the RPC is not executable by PUBLIC', async () => {
    await withSql(pg.url(), async (sql) => {
      const roles = await sql`SELECT rolname FROM pg_roles WHERE rolname IN ${sql(SUPABASE_ROLES)}`;
      expect(roles).toHaveLength(0);
    });
    const url = await pg.createDatabase('plain_install');
    await installTwice(url);
    await withSql(url, async (sql) => {
      expect(await describeInstall(sql)).toEqual({
        indexes: [
          'integration_logs_created_at_idx USING btree (created_at, id)',
          "integration_logs_failed_idx USING btree (created_at) WHERE ((lower(status) = 'error'::text) OR (lower(level) = 'error'::text))",
          'integration_logs_pkey USING btree (id)',
          'integration_logs_source_created_at_idx USING btree (source, created_at)',
        ],
        fn: {
          config: ['search_path=public, pg_temp', 'jit=off', 'plan_cache_mode=force_custom_plan', 'statement_timeout=25s', 'work_mem=64MB'],
          volatility: 's',
        },
        overloads: 1,
      });
      await sql`CREATE ROLE reporter LOGIN`;
      expect(await canExecute(sql, 'reporter')).toBe(false);
      await expect(callAs(sql, 'reporter')).rejects.toMatchObject({ code: '42501' });
      // The owner can, and gets a JSON array (empty table: only the count of impossible times, 0).
      expect(decodeAggregateRows(await callAs(sql, 'postgres'), 'RPC')).toEqual({
        stats: [],
        timeline: [],
        errors: [],
        impossibleTimes: 0,
        statuses: [],
        rollup: null,
      });
    });
  });

  it('schema.sql is harmless on an existing integration_logs table (uuid ids, more columns)', async () => {
    const url = await pg.createDatabase('existing_table');
    await withSql(url, (sql) =>
      sql.unsafe(`
        CREATE TABLE integration_logs (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          source text NOT NULL, operation text, level text, status text, message text,
          duration_ms integer, created_at timestamptz NOT NULL DEFAULT now(), metadata jsonb
        );
        INSERT INTO integration_logs (source, operation, level, status, duration_ms, created_at)
        VALUES ('hubspot', 'contacts.batch', 'info', 'success', 120, '2025-11-19T12:00:00Z');
      `),
    );
    await installTwice(url);
    await withSql(url, async (sql) => {
      const columns = await sql<{ column_name: string; data_type: string }[]>`
        SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'integration_logs' AND column_name IN ('id', 'metadata') ORDER BY column_name`;
      expect(columns).toEqual([
        { column_name: 'id', data_type: 'uuid' },
        { column_name: 'metadata', data_type: 'jsonb' },
      ]);
      const summary = (await callAs(sql, 'postgres')) as { kind: string; level: string; operations: number }[];
      expect(summary.find((r) => r.kind === 'stats' && r.level === 'overall')).toMatchObject({ operations: 1 });
    });
  });
});

describe('on a Supabase-like database', () => {
  it('installs twice cleanly; the RPC is executable by service_role only, directly and through PostgREST', async () => {
    const url = await pg.createDatabase('supabase_install');
    await installSupabaseRoles(url);
    await installTwice(url);
    await loadIntoPostgres(url, generateRows({ operationsPerWindow: 500, until: UNTIL, seed: 3, burst: 50 }));

    await withSql(url, async (sql) => {
      // A function created in public by this user is executable by every API role by default...
      await sql`CREATE FUNCTION public.default_acl_probe() RETURNS int LANGUAGE sql AS 'SELECT 1'`;
      expect(await sql`SELECT has_function_privilege('anon', 'public.default_acl_probe()', 'EXECUTE') AS ok`.then((r) => r[0]?.ok)).toBe(
        true,
      );
      // ...but not this one, after two installs.
      expect({
        anon: await canExecute(sql, 'anon'),
        authenticated: await canExecute(sql, 'authenticated'),
        service_role: await canExecute(sql, 'service_role'),
      }).toEqual({ anon: false, authenticated: false, service_role: true });
      await expect(callAs(sql, 'anon')).rejects.toMatchObject({ code: '42501' });
      await expect(callAs(sql, 'authenticated')).rejects.toMatchObject({ code: '42501' });
      const summary = (await callAs(sql, 'service_role')) as { kind: string; level: string; win: string; operations: number }[];
      expect(summary.find((r) => r.kind === 'stats' && r.level === 'overall' && r.win === 'current')).toMatchObject({ operations: 500 });
    });

    api = await startPostgrestServer({ databaseUrl: url, serviceRoleKey: SERVICE_KEY, anonKey: ANON_KEY });
    const client = (key: string) =>
      createClient(api?.url ?? '', key, {
        auth: { persistSession: false, autoRefreshToken: false },
        realtime: { transport: WebSocket as never },
      });
    const denied = await client(ANON_KEY).rpc('perf_monitor_summary', RPC_ARGS);
    expect(denied.status).toBe(401);
    expect(denied.error).toMatchObject({ code: '42501', message: 'permission denied for function perf_monitor_summary' });
    expect(denied.data).toBeNull();
    const allowed = await client(SERVICE_KEY).rpc('perf_monitor_summary', RPC_ARGS);
    expect(allowed.status).toBe(200);
    expect(allowed.error).toBeNull();
    expect(Array.isArray(allowed.data)).toBe(true);
    expect(api.requests.map((r) => [r.role, r.status])).toEqual([
      ['anon', 401],
      ['service_role', 200],
    ]);
  });
});

describe('upgrading an installed RPC', () => {
  it('rpc.sql replaces the 5b5982a version and drops an overload of another signature: one function, least privilege', async () => {
    const url = await pg.createDatabase('upgrade_install');
    await installSupabaseRoles(url);
    for (const file of [SCHEMA, RPC_5B5982A])
      expect((await runSqlFile(url, file)).stderr.replace(/^psql:.*NOTICE:.*already exists, skipping\n/gm, '')).toBe('');
    await loadIntoPostgres(url, generateRows({ operationsPerWindow: 300, until: UNTIL, seed: 5 }));
    await withSql(url, async (sql) => {
      // The old version (5 arguments) answers rows without bucket_start, var_duration nor the
      // impossible-times row: refused, naming the first declared column it lacks, with the fix.
      const [old] = await sql.unsafe<{ summary: unknown }[]>(`SELECT public.perf_monitor_summary($1, $2, $3, $4, $5) AS summary`, [
        RPC_ARGS.p_start,
        RPC_ARGS.p_end,
        RPC_ARGS.p_previous_start,
        RPC_ARGS.p_service,
        RPC_ARGS.p_threshold,
      ]);
      expect(() => decodeAggregateRows(old?.summary, 'Supabase RPC')).toThrow(
        /^Supabase RPC answered an unexpected row 1: it lacks the column bucket_start \(an older sql\/rpc\.sql\? install it again\)$/,
      );
      // An even older version with another signature, executable by anon: PostgREST would hold two (PGRST203).
      await sql.unsafe(`CREATE FUNCTION public.perf_monitor_summary(p_start timestamptz, p_end timestamptz, p_service text)
        RETURNS json LANGUAGE sql AS $$ SELECT '[]'::json $$;
        GRANT EXECUTE ON FUNCTION public.perf_monitor_summary(timestamptz, timestamptz, text) TO anon`);
      expect((await describeInstall(sql)).overloads).toBe(2);
    });
    const { stderr } = await runSqlFile(url, RPC);
    expect(stderr).toBe('');
    await withSql(url, async (sql) => {
      const functions = await sql<{ signature: string; args: string[] }[]>`
        SELECT oid::regprocedure::text AS signature, proargnames AS args FROM pg_proc WHERE proname = 'perf_monitor_summary'`;
      expect(functions).toEqual([
        {
          signature:
            'perf_monitor_summary(timestamp with time zone,timestamp with time zone,timestamp with time zone,text,integer,integer,boolean)',
          args: ['p_start', 'p_end', 'p_previous_start', 'p_service', 'p_threshold', 'p_bucket_seconds', 'p_exact'],
        },
      ]);
      expect({
        anon: await canExecute(sql, 'anon'),
        authenticated: await canExecute(sql, 'authenticated'),
        service_role: await canExecute(sql, 'service_role'),
        public: (await sql`SELECT proacl::text[] AS acl FROM pg_proc WHERE oid = ${SIGNATURE}::regprocedure`)[0]?.acl,
      }).toEqual({ anon: false, authenticated: false, service_role: true, public: ['postgres=X/postgres', 'service_role=X/postgres'] });
      const decoded = decodeAggregateRows(await callAs(sql, 'service_role'), 'Supabase RPC');
      expect(decoded.stats.find((r) => r.level === 'overall' && r.window === 'current')).toMatchObject({ operations: 300 });
      expect(decoded.impossibleTimes).toBe(0);
    });
  });
});

describe('the RPC SQL and the plan', () => {
  it('sql/rpc.sql is what rpcSql() generates from sql/aggregate.sql (run `npm run sql:rpc`)', () => {
    expect(readFileSync(RPC_FILE, 'utf8')).toBe(rpcSql());
    expect(RPC_SIGNATURE).toBe(SIGNATURE);
  });

  it('the aggregation reads a one-day window of a 200-day table, and its impossible times, through the created_at and failures indexes', async () => {
    const url = await pg.createDatabase('plan_check');
    await runSqlFile(url, SCHEMA);
    await withSql(url, async (sql) => {
      // 200,000 rows over 200 days; the current and previous windows are 2 of them (1%).
      await sql.unsafe(`
        INSERT INTO integration_logs (source, operation, level, status, duration_ms, created_at)
        SELECT (ARRAY['hubspot','n8n','unleashed','supabase'])[g % 4 + 1], 'op' || (g % 7), 'info',
               CASE WHEN g % 20 = 0 THEN 'error' ELSE 'success' END, g % 3000,
               timestamptz '${UNTIL}' - make_interval(secs => g * 86.4)
        FROM generate_series(1, 200000) g;
        ANALYZE integration_logs;
      `);
      const query = {
        start: new Date('2025-11-19T10:00:00.000Z'),
        end: new Date(UNTIL),
        previousStart: new Date('2025-11-18T10:00:00.000Z'),
        services: null,
        threshold: 1000,
      };
      const indexesUsed = async (services: string[] | null) => {
        const rows = await sql.unsafe(`EXPLAIN (FORMAT JSON) ${aggregationSql()}`, aggregationParams({ ...query, services }));
        const plan = JSON.stringify(Object.values(rows[0] ?? {})[0]);
        // No part of the aggregation scans the whole table.
        expect(plan).not.toContain('"Node Type":"Seq Scan"');
        return [...plan.matchAll(/"Index Name":"([^"]+)"/g)].map((m) => m[1]);
      };
      const createdAtScans = (names: (string | undefined)[]) => names.filter((name) => name === 'integration_logs_created_at_idx').length;
      const forAll = await indexesUsed(null);
      // The windows, the current window's statuses (docs/sources.md: a hash grouping of its
      // rows, read a second time), and the two ranges of impossible times (before 2000, from year 10000).
      expect(createdAtScans(forAll)).toBe(4);
      // The most frequent errors read only the window's failures, through the partial index.
      expect(forAll).toContain('integration_logs_failed_idx');
      // One service, and a set of two (joined in p_service, split by the SQL): still index reads.
      for (const services of [['n8n'], ['n8n', 'hubspot']]) {
        const forService = await indexesUsed(services);
        expect(
          forService.some((name) => name === 'integration_logs_source_created_at_idx' || name === 'integration_logs_created_at_idx'),
        ).toBe(true);
        expect(createdAtScans(forService)).toBeGreaterThanOrEqual(2);
      }
    });
  });
});
