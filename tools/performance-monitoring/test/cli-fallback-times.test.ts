// Issue 14 item 8, the Supabase fallback: a row whose created_at JavaScript reads but DuckDB
// cannot (RFC 2822), or that no clock shows, is skipped and counted like a file's row, instead
// of "unexpected error: Conversion Error" (exit 1). The peer: a minimal PostgREST of our own on
// 127.0.0.1 that answers the table read with rows a text column could hold.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';

const ROWS = [
  {
    id: 1,
    source: 'api',
    operation: 'sync',
    level: 'info',
    status: 'success',
    message: null,
    duration_ms: 100,
    created_at: '2025-11-20T08:00:00+00:00',
  },
  {
    id: 2,
    source: 'api',
    operation: 'sync',
    level: 'info',
    status: 'success',
    message: null,
    duration_ms: 300,
    created_at: '2025-11-20T09:00:00+00:00',
  },
  {
    id: 3,
    source: 'api',
    operation: 'sync',
    level: 'info',
    status: 'success',
    message: null,
    duration_ms: 5000,
    created_at: 'Thu, 20 Nov 2025 09:30:00 +0000',
  },
  {
    id: 4,
    source: 'api',
    operation: 'sync',
    level: 'info',
    status: 'success',
    message: null,
    duration_ms: 7000,
    created_at: '2025-11-19T24:00:00+00:00',
  },
];

let server: Server;
let url: string;

/** The RPC is missing (PGRST202); the first page of each slice holds the rows inside its bounds, later pages none. */
function answer(path: URL): { status: number; body: unknown } {
  if (path.pathname.startsWith('/rest/v1/rpc/'))
    return { status: 404, body: { code: 'PGRST202', message: 'Could not find the function', details: null, hint: null } };
  if (path.searchParams.get('or')?.includes('and(')) return { status: 200, body: [] };
  const bound = (op: string) =>
    Date.parse(
      path.searchParams
        .getAll('created_at')
        .find((v) => v.startsWith(`${op}.`))
        ?.slice(op.length + 1) ?? '',
    );
  const [from, to] = [bound('gte'), bound('lt')];
  const inside = ROWS.filter((r) => Date.parse(r.created_at) >= from && Date.parse(r.created_at) < to);
  return { status: 200, body: inside.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at)) };
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const { status, body } = answer(new URL(request.url ?? '/', 'http://127.0.0.1'));
    request.resume();
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('Supabase fallback and unreadable created_at', () => {
  it('skips and counts an RFC 2822 and a 24:00 created_at, reports the rest', async () => {
    const env = { SUPABASE_URL: url, SUPABASE_SERVICE_ROLE_KEY: 'service-role-key-for-tests' };
    const { code, stdout, stderr } = await runCli(['--until', '2025-11-20T10:00:00Z', '--format', 'json'], { env });
    expect({ code, stderr }).toMatchObject({ code: 0 });
    const report = JSON.parse(stdout);
    expect(report.dataQuality.skippedRows).toBe(2);
    expect(report.overall).toMatchObject({ totalOperations: 2, avgDuration: 200, maxDuration: 300 });
    expect(stderr).toContain('perf-monitor: skipped 2 rows with an unusable source, created_at or duration_ms\n');
    expect(stderr).not.toMatch(/Conversion Error|unexpected error/);
  });
});
