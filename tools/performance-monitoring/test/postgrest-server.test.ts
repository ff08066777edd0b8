// The PostgREST test server (harness/postgrest-server.ts) on a real PostgreSQL, driven by
// the real @supabase/supabase-js client the way the supabase source drives it (keyset pages with
// the tool's logic tree, the 1,000-row cap, count=planned, rpc() with named arguments, keys,
// faults), so the source's tests stand on solid ground.

import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { installSupabaseRoles, type PgServer, startPostgres } from '../harness/postgres.js';
import { type PostgrestServer, startPostgrestServer } from '../harness/postgrest-server.js';

const SERVICE_KEY = 'test-service-role-key';
const ANON_KEY = 'test-anon-key';
const ROWS = 2500;
const SOURCES = ['hubspot', 'n8n', 'unleashed'] as const;

/** The generated table, also computed here so every expected value is exact. */
interface EventRow {
  id: number;
  source: string;
  created_at: string;
  duration_ms: number | null;
  status: string;
}

// Five rows share each created_at (keyset ties), with microseconds (exactness of values).
function createdAt(id: number): string {
  const second = Math.floor(id / 5);
  const d = new Date(Date.UTC(2025, 0, 1, 0, 0, 0) + second * 1000);
  return `${d.toISOString().slice(0, 19)}.123456+00:00`;
}

function expectedRow(id: number): EventRow {
  return {
    id,
    source: SOURCES[id % 3] as string,
    created_at: createdAt(id),
    duration_ms: id % 7 === 0 ? null : id * 10,
    status: id % 10 === 0 ? 'error' : 'success',
  };
}

const ALL: EventRow[] = Array.from({ length: ROWS }, (_, i) => expectedRow(i + 1));

function client(url: string, key: string): SupabaseClient {
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
  });
}

let pg: PgServer;
let dbUrl: string;
let api: PostgrestServer;
let supabase: SupabaseClient;

beforeAll(async () => {
  pg = await startPostgres();
  dbUrl = await pg.createDatabase('pgrst_test');
  await installSupabaseRoles(dbUrl);
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`
      CREATE TABLE events (
        id bigint PRIMARY KEY,
        source text NOT NULL,
        created_at timestamptz NOT NULL,
        duration_ms integer,
        status text NOT NULL
      );
      INSERT INTO events
      SELECT g,
             (ARRAY['hubspot','n8n','unleashed'])[g % 3 + 1],
             timestamptz '2025-01-01 00:00:00+00' + make_interval(secs => g / 5) + interval '123456 microseconds',
             CASE WHEN g % 7 = 0 THEN NULL ELSE g * 10 END,
             CASE WHEN g % 10 = 0 THEN 'error' ELSE 'success' END
      FROM generate_series(1, ${ROWS}) g;
      ANALYZE events;

      CREATE FUNCTION source_totals(p_source text, p_min_id bigint DEFAULT 0, p_since timestamptz DEFAULT NULL)
      RETURNS json LANGUAGE sql STABLE AS $$
        SELECT json_build_object('source', p_source, 'operations', count(*), 'total_duration', sum(e.duration_ms), 'first_at', min(e.created_at))
        FROM events e
        WHERE e.source = p_source AND e.id >= p_min_id AND (p_since IS NULL OR e.created_at >= p_since)
      $$;

      CREATE FUNCTION twice(a integer) RETURNS integer LANGUAGE sql AS $$ SELECT 2 * a $$;
      CREATE FUNCTION twice(a text) RETURNS text LANGUAGE sql AS $$ SELECT a || a $$;

      CREATE FUNCTION private_summary() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM events $$;
      REVOKE EXECUTE ON FUNCTION private_summary() FROM PUBLIC, anon, authenticated;
      GRANT EXECUTE ON FUNCTION private_summary() TO service_role;
    `);
  } finally {
    await sql.end({ timeout: 5 });
  }
  api = await startPostgrestServer({ databaseUrl: dbUrl, serviceRoleKey: SERVICE_KEY, anonKey: ANON_KEY });
  supabase = client(api.url, SERVICE_KEY);
});

afterAll(async () => {
  await api?.close();
  await pg?.stop();
});

beforeEach(() => {
  api.faults.length = 0;
  api.resetStats();
});

describe('reads', () => {
  it('selects columns with filters and order, values exactly as PostgreSQL renders them', async () => {
    const { data, error, status } = await supabase
      .from('events')
      .select('id,source,created_at,duration_ms')
      .eq('source', 'hubspot')
      .gte('id', 10)
      .lt('id', 25)
      .order('id', { ascending: false });
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toEqual([
      { id: 24, source: 'hubspot', created_at: '2025-01-01T00:00:04.123456+00:00', duration_ms: 240 },
      { id: 21, source: 'hubspot', created_at: '2025-01-01T00:00:04.123456+00:00', duration_ms: null },
      { id: 18, source: 'hubspot', created_at: '2025-01-01T00:00:03.123456+00:00', duration_ms: 180 },
      { id: 15, source: 'hubspot', created_at: '2025-01-01T00:00:03.123456+00:00', duration_ms: 150 },
      { id: 12, source: 'hubspot', created_at: '2025-01-01T00:00:02.123456+00:00', duration_ms: 120 },
    ]);
    expect(api.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        url: '/rest/v1/events?select=id%2Csource%2Ccreated_at%2Cduration_ms&source=eq.hubspot&id=gte.10&id=lt.25&order=id.desc',
        status: 200,
        role: 'service_role',
        fault: null,
      }),
    ]);
  });

  it("keyset pages with the tool's logic tree: operations after (created_at, id), every row exactly once", async () => {
    // The supabase source's filter (sources/supabase/pages.ts), with quoted values; here an
    // "operation" is a row with a duration or an error.
    const IS_OPERATION = 'duration_ms.not.is.null,status.in.(error)';
    const afterCursor = (c: { id: number; created_at: string }) =>
      `and(created_at.gt."${c.created_at}",or(${IS_OPERATION})),and(created_at.eq."${c.created_at}",id.gt."${c.id}",or(${IS_OPERATION}))`;
    const isOperation = (r: EventRow) => r.duration_ms !== null || r.status === 'error';

    // Ids 13 and 14 share id 12's created_at; 14 (no duration, not an error) is no operation.
    const next = await supabase
      .from('events')
      .select('id')
      .lte('id', 40)
      .or(afterCursor({ id: 12, created_at: '2025-01-01T00:00:02.123456+00:00' }))
      .order('created_at')
      .order('id')
      .limit(5);
    expect(next.error).toBeNull();
    expect(next.data).toEqual([{ id: 13 }, { id: 15 }, { id: 16 }, { id: 17 }, { id: 18 }]);

    // The whole table by keyset, asking for 5,000 a page: the cap answers 1,000 at most.
    const seen: number[] = [];
    const sizes: number[] = [];
    let cursor: { id: number; created_at: string } | null = null;
    for (let page = 0; page < 10; page++) {
      const q = supabase
        .from('events')
        .select('id,created_at')
        .or(cursor ? afterCursor(cursor) : IS_OPERATION)
        .order('created_at')
        .order('id')
        .limit(5000);
      const { data, error } = await q;
      expect(error).toBeNull();
      const rows = (data ?? []) as Array<{ id: number; created_at: string }>;
      sizes.push(rows.length);
      if (rows.length === 0) break;
      seen.push(...rows.map((r) => r.id));
      cursor = rows.at(-1) ?? null;
    }
    const operations = ALL.filter(isOperation).map((r) => r.id);
    expect(operations).toHaveLength(2500 - 357 + 35); // ids divisible by 7 have no duration; by 70 are errors
    expect(seen).toEqual(operations);
    expect(sizes).toEqual([1000, 1000, 178, 0]);
  });

  it('caps every response at 1,000 rows; count=planned gives the total and 206; offset/limit page', async () => {
    const all = await supabase.from('events').select('id', { count: 'planned' }).order('id');
    expect(all.error).toBeNull();
    expect(all.status).toBe(206);
    expect(all.count).toBe(2500); // ANALYZEd: the planner knows
    expect(all.data).toEqual(ALL.slice(0, 1000).map((r) => ({ id: r.id })));

    const second = await supabase.from('events').select('id', { count: 'planned' }).order('id').range(1000, 2999);
    expect(second.status).toBe(206);
    expect(second.data).toEqual(ALL.slice(1000, 2000).map((r) => ({ id: r.id })));

    const tail = await supabase.from('events').select('id').order('id').range(2400, 2999);
    expect(tail.status).toBe(200);
    expect(tail.data).toEqual(ALL.slice(2400).map((r) => ({ id: r.id })));

    expect(api.requests.map((r) => r.url)).toEqual([
      '/rest/v1/events?select=id&order=id.asc',
      '/rest/v1/events?select=id&order=id.asc&offset=1000&limit=2000',
      '/rest/v1/events?select=id&order=id.asc&offset=2400&limit=600',
    ]);
    // 1,000-row pages are gzipped on the wire, as Supabase's gateway does.
    expect(api.requests[0]?.bytes).toBeGreaterThan(0);
    expect(api.requests[0]?.bytes).toBeLessThan(JSON.stringify(all.data).length);
    expect(api.bytesSent).toBeGreaterThan(api.requests.reduce((n, r) => n + r.bytes, 0));

    // The bench baseline's raw requests: select=*, offset and limit, no count.
    const headers = { apikey: SERVICE_KEY, Authorization: `Bearer ${SERVICE_KEY}` };
    const raw = await fetch(`${api.url}/rest/v1/events?select=*&source=eq.n8n&order=id.asc&offset=1&limit=2`, { headers });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-range')).toBe('1-2/*');
    expect(await raw.json()).toEqual([expectedRow(4), expectedRow(7)]);
    const counted = await fetch(`${api.url}/rest/v1/events?select=id&limit=5000`, { headers: { ...headers, Prefer: 'count=planned' } });
    expect(counted.status).toBe(206);
    expect(counted.headers.get('content-range')).toBe('0-999/2500');
  });

  it('answers PostgREST errors: missing table (PGRST205), bad filter (PGRST100), missing column (42703), unsupported (PGRST100)', async () => {
    const missing = await supabase.from('no_such_table').select('id');
    expect(missing.status).toBe(404);
    expect(missing.error).toEqual({
      code: 'PGRST205',
      message: "Could not find the table 'public.no_such_table' in the schema cache",
      details: null,
      hint: null,
    });

    const badFilter = await supabase.from('events').select('id').filter('id', 'bogus', '1');
    expect(badFilter.status).toBe(400);
    expect(badFilter.error?.code).toBe('PGRST100');

    const badColumn = await supabase.from('events').select('id,nope');
    expect(badColumn.status).toBe(400);
    expect(badColumn.error?.code).toBe('42703');
    expect(badColumn.error?.message).toBe('column events.nope does not exist');

    // What the tool never sends is refused, not guessed.
    const exact = await supabase.from('events').select('id', { count: 'exact' });
    expect(exact.status).toBe(400);
    expect(exact.error?.code).toBe('PGRST100');
  });
});

describe('rpc', () => {
  it('calls a function with named arguments, defaults applied', async () => {
    const expected = (source: string, minId: number) => {
      const rows = ALL.filter((r) => r.source === source && r.id >= minId);
      return {
        source,
        operations: rows.length,
        total_duration: rows.reduce((n, r) => n + (r.duration_ms ?? 0), 0),
        first_at: rows[0]?.created_at,
      };
    };
    const some = await supabase.rpc('source_totals', { p_source: 'n8n', p_min_id: 2000 });
    expect(some.error).toBeNull();
    expect(some.status).toBe(200);
    expect(some.data).toEqual(expected('n8n', 2000));
    expect(some.data).toEqual({ source: 'n8n', operations: 167, total_duration: 3_220_730, first_at: '2025-01-01T00:06:40.123456+00:00' });

    const withDefault = await supabase.rpc('source_totals', { p_source: 'unleashed' });
    expect(withDefault.data).toEqual(expected('unleashed', 0));

    // A timestamptz argument keeps its microseconds: id 2002 (00:06:40.123456) is excluded.
    const since = await supabase.rpc('source_totals', { p_source: 'n8n', p_min_id: 2000, p_since: '2025-01-01T00:06:40.123457Z' });
    expect(since.data).toEqual({
      source: 'n8n',
      operations: 166,
      total_duration: 3_220_730 /* id 2002 has no duration */,
      first_at: '2025-01-01T00:06:41.123456+00:00',
    });

    expect(api.requests.map((r) => `${r.method} ${r.url} ${r.status}`)).toEqual([
      'POST /rest/v1/rpc/source_totals 200',
      'POST /rest/v1/rpc/source_totals 200',
      'POST /rest/v1/rpc/source_totals 200',
    ]);
  });

  it('answers 404 PGRST202 for a missing function or unknown arguments, 300 PGRST203 for two candidates', async () => {
    const missing = await supabase.rpc('perf_monitor_summary', { p_start: '2025-01-01T00:00:00Z', p_end: '2025-01-02T00:00:00Z' });
    expect(missing.status).toBe(404);
    expect(missing.data).toBeNull();
    expect(missing.error).toEqual({
      code: 'PGRST202',
      message: 'Could not find the function public.perf_monitor_summary(p_end, p_start) in the schema cache',
      details:
        'Searched for the function public.perf_monitor_summary with parameters p_end, p_start or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
      hint: null,
    });

    const wrongArgs = await supabase.rpc('source_totals', { source: 'n8n' });
    expect(wrongArgs.status).toBe(404);
    expect(wrongArgs.error?.code).toBe('PGRST202');
    expect(wrongArgs.error?.hint).toBe('Perhaps you meant to call the function public.source_totals(p_min_id, p_since, p_source)');

    // Two overloads taking the same names (what a changed RPC signature leaves behind).
    const ambiguous = await supabase.rpc('twice', { a: 2 });
    expect(ambiguous.status).toBe(300);
    expect(ambiguous.error).toEqual({
      code: 'PGRST203',
      message: 'Could not choose the best candidate function between: public.twice(a => integer), public.twice(a => text)',
      details: null,
      hint: 'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
    });
  });

  it('runs as anon with the anon key: a function revoked from anon answers 401 42501', async () => {
    const anon = client(api.url, ANON_KEY);
    const denied = await anon.rpc('private_summary');
    expect(denied.status).toBe(401);
    expect(denied.error).toEqual({ code: '42501', message: 'permission denied for function private_summary', details: null, hint: null });

    const allowed = await supabase.rpc('private_summary');
    expect(allowed.status).toBe(200);
    expect(allowed.data).toBe(2500);
    expect(api.requests.map((r) => r.role)).toEqual(['anon', 'service_role']);
  });
});

describe('keys', () => {
  it('answers 401 to a wrong key and to a missing one', async () => {
    const wrong = client(api.url, 'not-the-key');
    const res = await wrong.from('events').select('id').limit(1);
    expect(res.status).toBe(401);
    expect(res.data).toBeNull();
    expect(res.error).toEqual({
      code: 'PGRST301',
      message: 'Invalid API key',
      details: null,
      hint: 'Double check your Supabase `anon` or `service_role` API key.',
    });

    const none = await fetch(`${api.url}/rest/v1/events?select=id`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { message: string }).message).toBe('No API key found in request');

    const badBearer = await fetch(`${api.url}/rest/v1/events?select=id`, { headers: { apikey: ANON_KEY, Authorization: 'Bearer forged' } });
    expect(badBearer.status).toBe(401);
    expect(badBearer.headers.get('www-authenticate')).toContain('invalid_token');
  });
});

describe('fault injection', () => {
  const isEventsGet = (r: { method: string; path: string }) => r.method === 'GET' && r.path === '/rest/v1/events';

  it('answers the next matching request with the injected status, then recovers', async () => {
    api.faults.push({ match: isEventsGet, respond: { status: 500 } });
    const failed = await supabase.from('events').select('id').eq('id', 1);
    expect(failed.status).toBe(500);
    expect(failed.error).toEqual({ code: null, message: 'injected fault: HTTP 500', details: null, hint: null });
    const ok = await supabase.from('events').select('id').eq('id', 1);
    expect(ok.data).toEqual([{ id: 1 }]);
    expect(api.faults).toEqual([]);
    expect(api.requests.map((r) => [r.status, r.fault])).toEqual([
      [500, 'status'],
      [200, null],
    ]);
  });

  it('sends 429 with Retry-After, and fails a page mid-way (skip 2, then always 500)', async () => {
    api.faults.push({ match: isEventsGet, respond: { status: 429, headers: { 'Retry-After': '7' }, body: { message: 'slow down' } } });
    const limited = await fetch(`${api.url}/rest/v1/events?select=id`, { headers: { apikey: SERVICE_KEY } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toEqual({ message: 'slow down' });

    api.faults.push({ match: isEventsGet, skip: 2, times: Infinity, respond: { status: 500 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (
          await supabase
            .from('events')
            .select('id')
            .eq('id', i + 1)
        ).status,
      );
    expect(statuses).toEqual([200, 200, 500, 500, 500]);
    expect(api.faults).toHaveLength(1);
  });

  it('can hang (client times out), destroy the connection, or truncate the body', async () => {
    api.faults.push({ match: isEventsGet, respond: 'hang' });
    const hung = await supabase.from('events').select('id').eq('id', 1).retry(false).abortSignal(AbortSignal.timeout(300));
    expect(hung.status).toBe(0);
    expect(hung.error?.message).toMatch(/Abort|Timeout/);

    api.faults.push({ match: isEventsGet, respond: 'destroy' });
    const reset = await supabase.from('events').select('id').eq('id', 1).retry(false);
    expect(reset.status).toBe(0);
    expect(reset.error?.message).toMatch(/fetch failed/);

    api.faults.push({ match: isEventsGet, respond: 'truncate' });
    const cut = await fetch(`${api.url}/rest/v1/events?select=*&limit=1000`, {
      headers: { apikey: SERVICE_KEY, 'Accept-Encoding': 'identity' },
    });
    expect(cut.status).toBe(200);
    await expect(cut.text()).rejects.toThrow();

    expect(api.requests.map((r) => [r.status, r.fault])).toEqual([
      [0, 'hang'],
      [0, 'destroy'],
      [200, 'truncate'],
    ]);
  });
});
