// --serve as a user runs it (a separate process, a real file tailed at 1 s): the five routes,
// bearer auth, methods, content negotiation checked by promtool; rows appended show within two
// intervals; 100 concurrent clients on all routes for 10 s cost one source read per interval (the server's own
// counters); the 101st /events stream gets 503; a client that never reads does not hold the
// others up; a failing source gives perfmon_up 0 and /healthz 503 and the server stays up and
// recovers; SIGTERM exits 0 within 5 s.
import { spawnSync } from 'node:child_process';
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { get, type IncomingMessage, request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDir } from '../harness/cli.js';
import { eventually, type LiveProcess, logLine, sampleValue, startLive } from '../harness/live.js';
import { promtoolPath } from '../harness/system.js';
import type { Report } from '../report/types.js';

const TOKEN = 'test-token-0123456789abcdef';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const dir = emptyDir('perfmon-serve-');
const input = join(dir, 'ops.ndjson');
let live: LiveProcess;

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
const at = (path: string) => new URL(path, live.url).toString();
const fetchAuth = (path: string, init: RequestInit = {}) => fetch(at(path), { ...init, headers: { ...AUTH, ...(init.headers ?? {}) } });
const report = async () => (await (await fetchAuth('/report.json')).json()) as Report;
const metrics = async () => (await fetchAuth('/metrics')).text();

beforeAll(async () => {
  // 12 operations in the last hour, 3 of them failed; 2 in the hour before.
  const rows = [
    ...Array.from({ length: 9 }, (_, i) => logLine('api', minutesAgo(5 + i), 100 + i)),
    ...Array.from({ length: 3 }, (_, i) => logLine('api', minutesAgo(20 + i), 900, 'error')),
    ...Array.from({ length: 2 }, () => logLine('api', minutesAgo(90), 100)),
  ];
  writeFileSync(input, rows.join(''));
  live = await startLive(['--input', input, '--hours', '1', '--serve', '0', '--interval', '1s'], {
    env: { PERFMON_SERVE_TOKEN: TOKEN, PERFMON_TIMEOUT_MS: '5000' },
  });
}, 40_000);

afterAll(async () => {
  if (live?.child.exitCode === null) await live.stop('SIGKILL');
});

describe('--serve', () => {
  it('answers /, /report.json, /metrics (both formats), /healthz; refuses what it must', async () => {
    expect((await fetch(at('/metrics'))).status).toBe(401);
    expect((await fetch(at('/metrics'), { headers: { Authorization: 'Bearer wrong-token-0123456789abc' } })).status).toBe(401);
    const json = await fetchAuth('/report.json');
    expect([json.status, json.headers.get('cache-control')]).toEqual([200, 'no-store']);
    const body = (await json.json()) as Report;
    expect([body.overall.totalOperations, body.overall.failedOperations, body.overall.errorRate]).toEqual([12, 3, 25]);

    const post = await fetchAuth('/metrics', { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    expect((await fetchAuth('/nothing')).status).toBe(404);
    const health = await fetchAuth('/healthz');
    expect([health.status, await health.text()]).toEqual([200, 'ok\n']);

    const page = await fetchAuth('/');
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await page.text()).toContain('EventSource');
    const head = await fetchAuth('/', { method: 'HEAD' });
    expect([head.status, (await head.arrayBuffer()).byteLength]).toEqual([200, 0]);

    const text = await fetchAuth('/metrics');
    expect(text.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const prom = await text.text();
    expect(sampleValue(prom, 'perfmon_overall_operations')).toBe(12);
    expect(sampleValue(prom, 'perfmon_up')).toBe(1);
    const check = spawnSync(promtoolPath(), ['check', 'metrics'], { input: prom, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);

    const om = await fetchAuth('/metrics', {
      headers: { Accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' },
    });
    expect(om.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const omText = await om.text();
    expect(omText.endsWith('# EOF\n')).toBe(true);
    expect(omText).toContain('# TYPE perfmon_refreshes counter\nperfmon_refreshes_total ');

    // The body is made at the refresh; the request counters are still those of the moment of
    // each scrape: two scrapes in a row count 1 apart (nothing else asks meanwhile).
    const scraped = async () => Number(/^perfmon_http_requests_total\{route="\/metrics"\} (\d+)$/m.exec(await metrics())?.[1]);
    const first = await scraped();
    expect(await scraped()).toBe(first + 1);
  });

  it('shows appended rows within two intervals', async () => {
    appendFileSync(input, logLine('web', minutesAgo(0), 50) + logLine('web', minutesAgo(0), 70));
    const started = Date.now();
    await eventually('the appended rows in /report.json', 2_500, async () =>
      (await report()).overall.totalOperations === 14 ? true : undefined,
    );
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('serves 100 concurrent clients across all routes for 10 s at one source read per interval', async () => {
    // Source reads: the refreshes that succeeded and those that failed (the server's counters).
    const reads = (text: string) =>
      (sampleValue(text, 'perfmon_refreshes_total') ?? NaN) + (sampleValue(text, 'perfmon_refresh_failures_total') ?? NaN);
    const before = reads(await metrics());
    const started = Date.now();
    const paths = ['/metrics', '/report.json', '/healthz', '/', '/events'];
    const statuses = new Map<number, number>();
    const asked = new Map<string, number>();
    /** A stream is read up to its first event (the latest report), then left: a dashboard that
     *  opens and closes, so each client keeps at most one of the 100 stream slots. */
    const firstEvent = (response: Response) =>
      new Promise<void>((resolve, reject) => {
        const reader = response.body?.getReader();
        if (reader === undefined) return reject(new Error('/events without a body'));
        let text = '';
        const next = (): void => {
          reader.read().then(({ done, value }) => {
            text += new TextDecoder().decode(value);
            if (done || text.includes('event: report')) {
              void reader.cancel().catch(() => {});
              return done ? reject(new Error(`/events ended before its first report: ${text}`)) : resolve();
            }
            next();
          }, reject);
        };
        next();
      });
    await Promise.all(
      Array.from({ length: 100 }, async (_, client) => {
        for (let i = 0; Date.now() - started < 10_000; i++) {
          const path = paths[(client + i) % paths.length] ?? '/';
          const response = await fetchAuth(path);
          if (path === '/events' && response.status === 200) await firstEvent(response);
          else await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          asked.set(path, (asked.get(path) ?? 0) + 1);
        }
      }),
    );
    const elapsed = (Date.now() - started) / 1000;
    const refreshes = reads(await metrics()) - before;
    expect(elapsed).toBeGreaterThanOrEqual(10);
    expect([...statuses.keys()]).toEqual([200]);
    // Every route was asked and answered (how many answers a loaded machine gives is the
    // bench's business).
    expect([...asked.keys()].sort()).toEqual([...paths].sort());
    expect(statuses.get(200)).toBeGreaterThanOrEqual(500);
    // At most one read per interval started in the time (plus the one running at the start).
    expect(refreshes).toBeLessThanOrEqual(Math.ceil(elapsed) + 1);
    expect(refreshes).toBeGreaterThanOrEqual(1);
    await eventually('streams closed', 3_000, async () => (sampleValue(await metrics(), 'perfmon_event_streams') === 0 ? true : undefined));
  }, 30_000);

  it('holds 100 /events streams and refuses the 101st with 503; each stream starts with the latest report', async () => {
    const open: IncomingMessage[] = [];
    const first = await new Promise<string>((resolve, reject) => {
      get(at('/events'), { headers: AUTH }, (res) => {
        open.push(res);
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
          if (text.includes('event: status')) resolve(text);
        });
      }).on('error', reject);
    });
    expect(first).toMatch(/^retry: 3000\n\nevent: report\ndata: \{"schemaVersion":1,/);
    for (let i = 1; i < 100; i++) {
      open.push(
        await new Promise<IncomingMessage>((resolve, reject) => get(at('/events'), { headers: AUTH }, resolve).on('error', reject)),
      );
    }
    expect(open.every((res) => res.statusCode === 200)).toBe(true);
    const refused = await fetchAuth('/events');
    expect(refused.status).toBe(503);
    await refused.arrayBuffer();
    for (const res of open) res.destroy();
    await eventually('streams closed', 3_000, async () => (sampleValue(await metrics(), 'perfmon_event_streams') === 0 ? true : undefined));
  });

  it('keeps answering others while a client never reads its stream', async () => {
    const socket = connect(Number(new URL(live.url).port), '127.0.0.1');
    socket.write(`GET /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    socket.pause(); // never reads a byte
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      expect((await fetchAuth('/healthz')).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(500);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    socket.destroy();
  });

  it('a failing source: perfmon_up 0, /healthz 503 with the cause, the last report kept; then recovery', async () => {
    const away = join(dir, 'ops.ndjson.moved');
    renameSync(input, away);
    const cause = await eventually('/healthz 503', 4_000, async () => {
      const res = await fetchAuth('/healthz');
      return res.status === 503 ? res.text() : undefined;
    });
    expect(cause, cause).toMatch(/^stale: the last refresh failed: --input .*ops\.ndjson'?: no such file/);
    const text = await metrics();
    expect(sampleValue(text, 'perfmon_up')).toBe(0);
    expect(sampleValue(text, 'perfmon_refresh_failures_total')).toBeGreaterThanOrEqual(1);
    // The figures stay those of the last good refresh.
    expect((await report()).overall.totalOperations).toBe(14);
    renameSync(away, input);
    await eventually('/healthz 200 again', 4_000, async () => ((await fetchAuth('/healthz')).status === 200 ? true : undefined));
    expect(sampleValue(await metrics(), 'perfmon_up')).toBe(1);
  });

  it('exits 0 on SIGTERM within 5 s', async () => {
    const { code, ms } = await live.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5_000);
  });
});

describe('--serve without a token', () => {
  it('answers HEAD /events with its headers, holding no stream slot; SIGINT exits 0', async () => {
    const one = await startLive(['--demo', '--serve', '0', '--interval', '1s']);
    try {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        request(new URL('/events', one.url), { method: 'HEAD' }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        })
          .on('error', reject)
          .end();
      });
      expect(status).toBe(200);
      const m = await (await fetch(new URL('/metrics', one.url))).text();
      expect(sampleValue(m, 'perfmon_event_streams')).toBe(0);
    } finally {
      expect((await one.stop('SIGINT')).code).toBe(0);
    }
  });
});
