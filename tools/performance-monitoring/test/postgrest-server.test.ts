// The PostgREST test server (test/support/postgrest-server.ts) on a real PostgreSQL, driven by
// the real @supabase/supabase-js client, so the supabase source's tests stand on solid ground.

import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import postgres from 'postgres';
import WebSocket from 'ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installSupabaseRoles, startPostgres, type PgServer } from './support/postgres.js';
import { startPostgrestServer, type PostgrestServer } from './support/postgrest-server.js';

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
      RETURNS TABLE (source text, operations bigint, total_duration bigint, first_at timestamptz)
      LANGUAGE sql STABLE AS $$
        SELECT e.source, count(*), sum(e.duration_ms), min(e.created_at)
        FROM events e
        WHERE e.source = p_source AND e.id >= p_min_id AND (p_since IS NULL OR e.created_at >= p_since)
        GROUP BY e.source
      $$;

      CREATE FUNCTION all_ids() RETURNS SETOF events LANGUAGE sql STABLE AS $$ SELECT * FROM events $$;

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

  it('supports is, in (with quoted values), neq, aliases and nullslast', async () => {
    const { data, error } = await supabase
      .from('events')
      .select('n:id,duration_ms')
      .in('id', [7, 14, 15, 16])
      .neq('id', 16)
      .order('duration_ms', { ascending: true, nullsFirst: false })
      .order('id', { ascending: false });
    expect(error).toBeNull();
    expect(data).toEqual([
      { n: 15, duration_ms: 150 },
      { n: 14, duration_ms: null },
      { n: 7, duration_ms: null },
    ]);
    expect(api.requests[0]?.url).toContain('&order=duration_ms.asc.nullslast%2Cid.desc');

    const isNull = await supabase.from('events').select('id').is('duration_ms', null).lte('id', 30).order('id');
    expect(isNull.data).toEqual([{ id: 7 }, { id: 14 }, { id: 21 }, { id: 28 }]);

    const inQuoted = await supabase.from('events').select('id').in('source', ['no,such', 'n8n']).lte('id', 6).order('id');
    expect(inQuoted.data).toEqual([{ id: 1 }, { id: 4 }]);

    const single = await supabase.from('events').select('id,status').eq('id', 30).single();
    expect(single.data).toEqual({ id: 30, status: 'error' });
    const notSingle = await supabase.from('events').select('id').lte('id', 2).single();
    expect(notSingle.status).toBe(406);
    expect(notSingle.error?.code).toBe('PGRST116');
  });

  it('keyset pagination with or=(created_at.gt.X,and(created_at.eq.X,id.gt.Y)) walks every row exactly once', async () => {
    // First page: the X and Y of the next page come from the last row, as the supabase source does.
    const first = await supabase.from('events').select('id,created_at').lte('id', 40).order('created_at').order('id').limit(12);
    expect(first.error).toBeNull();
    const last = (first.data ?? []).at(-1) as { id: number; created_at: string };
    expect(last).toEqual({ id: 12, created_at: '2025-01-01T00:00:02.123456+00:00' });

    const next = await supabase
      .from('events')
      .select('id')
      .lte('id', 40)
      .or(`created_at.gt.${last.created_at},and(created_at.eq.${last.created_at},id.gt.${last.id})`)
      .order('created_at')
      .order('id')
      .limit(5);
    expect(next.error).toBeNull();
    expect(next.data).toEqual([{ id: 13 }, { id: 14 }, { id: 15 }, { id: 16 }, { id: 17 }]);

    // The whole table in pages of 1,000 (the cap) by keyset: complete, in order, no duplicates.
    const seen: number[] = [];
    let cursor: { id: number; created_at: string } | null = null;
    for (let page = 0; page < 10; page++) {
      let q = supabase.from('events').select('id,created_at').order('created_at').order('id').limit(5000);
      if (cursor) q = q.or(`created_at.gt.${cursor.created_at},and(created_at.eq.${cursor.created_at},id.gt.${cursor.id})`);
      const { data, error } = await q;
      expect(error).toBeNull();
      const rows = (data ?? []) as Array<{ id: number; created_at: string }>;
      if (rows.length === 0) break;
      expect(rows.length).toBeLessThanOrEqual(1000);
      seen.push(...rows.map((r) => r.id));
      cursor = rows.at(-1) ?? null;
    }
    expect(seen).toEqual(ALL.map((r) => r.id));
  });

  it('caps every response at 1,000 rows; range() pages with offset/limit and exact counts', async () => {
    const all = await supabase.from('events').select('id', { count: 'exact' }).order('id');
    expect(all.error).toBeNull();
    expect(all.status).toBe(206);
    expect(all.count).toBe(2500);
    expect(all.data).toEqual(ALL.slice(0, 1000).map((r) => ({ id: r.id })));

    const second = await supabase.from('events').select('id', { count: 'exact' }).order('id').range(1000, 2999);
    expect(second.status).toBe(206);
    expect(second.count).toBe(2500);
    expect(second.data).toEqual(ALL.slice(1000, 2000).map((r) => ({ id: r.id })));

    const tail = await supabase.from('events').select('id', { count: 'exact' }).order('id').range(2400, 2999);
    expect(tail.data).toEqual(ALL.slice(2400).map((r) => ({ id: r.id })));

    const small = await supabase.from('events').select('id', { count: 'exact' }).lte('id', 3).order('id');
    expect(small.status).toBe(200);
    expect(small.count).toBe(3);

    const head = await supabase.from('events').select('*', { count: 'exact', head: true }).eq('status', 'error');
    expect(head.status).toBe(200); // all 250 fit in one response
    expect(head.count).toBe(250);
    expect(head.data).toBeNull();

    expect(api.requests.map((r) => r.url)).toEqual([
      '/rest/v1/events?select=id&order=id.asc',
      '/rest/v1/events?select=id&order=id.asc&offset=1000&limit=2000',
      '/rest/v1/events?select=id&order=id.asc&offset=2400&limit=600',
      '/rest/v1/events?select=id&id=lte.3&order=id.asc',
      '/rest/v1/events?select=*&status=eq.error',
    ]);
    // 1,000-row pages are gzipped on the wire, as Supabase's gateway does.
    expect(api.requests[0]?.bytes).toBeGreaterThan(0);
    expect(api.requests[0]?.bytes).toBeLessThan(JSON.stringify(all.data).length);
    expect(api.bytesSent).toBeGreaterThan(api.requests.reduce((n, r) => n + r.bytes, 0));
  });

  it('honours the Range header and answers Content-Range as PostgREST documents', async () => {
    const headers = { apikey: SERVICE_KEY, Authorization: `Bearer ${SERVICE_KEY}` };
    const base = `${api.url}/rest/v1/events?select=id&order=id`;

    const plain = await fetch(base, { headers: { ...headers, 'Range-Unit': 'items', Range: '0-9' } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-range')).toBe('0-9/*');
    expect(await plain.json()).toEqual(ALL.slice(0, 10).map((r) => ({ id: r.id })));

    const counted = await fetch(base, { headers: { ...headers, Range: '10-14', Prefer: 'count=exact' } });
    expect(counted.status).toBe(206);
    expect(counted.headers.get('content-range')).toBe('10-14/2500');

    const openEnded = await fetch(base, { headers: { ...headers, Range: '2000-' } });
    expect(openEnded.headers.get('content-range')).toBe('2000-2499/*');

    const capped = await fetch(`${base}&limit=5000`, { headers });
    expect(capped.headers.get('content-range')).toBe('0-999/*');

    const beyond = await fetch(`${base}&offset=3000`, { headers: { ...headers, Prefer: 'count=exact' } });
    expect(beyond.status).toBe(416);
    expect(await beyond.json()).toEqual({
      code: 'PGRST103',
      message: 'Requested range not satisfiable',
      details: 'An offset of 3000 was requested, but there are only 2500 rows.',
      hint: null,
    });

    const planned = await fetch(`${api.url}/rest/v1/events?select=id&limit=1`, { headers: { ...headers, Prefer: 'count=planned' } });
    expect(planned.headers.get('content-range')).toBe('0-0/2500'); // ANALYZEd: the planner knows

    const estimated = await fetch(`${api.url}/rest/v1/events?select=id&id=lte.100&limit=1`, { headers: { ...headers, Prefer: 'count=estimated' } });
    expect(estimated.headers.get('content-range')).toBe('0-0/100'); // under max-rows: exact
  });

  it('answers PostgREST errors: missing table (PGRST205), bad filter (PGRST100), missing column (42703)', async () => {
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
    expect(some.data).toEqual([expected('n8n', 2000)]);
    expect(some.data).toEqual([{ source: 'n8n', operations: 167, total_duration: 3_220_730, first_at: '2025-01-01T00:06:40.123456+00:00' }]);

    const withDefault = await supabase.rpc('source_totals', { p_source: 'unleashed' });
    expect(withDefault.data).toEqual([expected('unleashed', 0)]);

    // A timestamptz argument keeps its microseconds: id 2002 (00:06:40.123456) is excluded.
    const since = await supabase.rpc('source_totals', { p_source: 'n8n', p_min_id: 2000, p_since: '2025-01-01T00:06:40.123457Z' });
    expect(since.data).toEqual([{ source: 'n8n', operations: 166, total_duration: 3_220_730 /* id 2002 has no duration */, first_at: '2025-01-01T00:06:41.123456+00:00' }]);

    expect(api.requests.map((r) => `${r.method} ${r.url} ${r.status}`)).toEqual([
      'POST /rest/v1/rpc/source_totals 200',
      'POST /rest/v1/rpc/source_totals 200',
      'POST /rest/v1/rpc/source_totals 200',
    ]);
  });

  it('caps set-returning functions at max-rows too', async () => {
    const { data, error } = await supabase.rpc('all_ids').select('id').order('id', { ascending: false });
    expect(error).toBeNull();
    expect(data).toEqual(ALL.slice(-1000).reverse().map((r) => ({ id: r.id })));
  });

  it('answers 404 PGRST202 for a missing function or unknown arguments', async () => {
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
    for (let i = 0; i < 5; i++) statuses.push((await supabase.from('events').select('id').eq('id', i + 1)).status);
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
    const cut = await fetch(`${api.url}/rest/v1/events?select=*&limit=1000`, { headers: { apikey: SERVICE_KEY, 'Accept-Encoding': 'identity' } });
    expect(cut.status).toBe(200);
    await expect(cut.text()).rejects.toThrow();

    expect(api.requests.map((r) => [r.status, r.fault])).toEqual([
      [0, 'hang'],
      [0, 'destroy'],
      [200, 'truncate'],
    ]);
  });
});
