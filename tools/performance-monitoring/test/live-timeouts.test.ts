// --serve's bounds on slow clients (docs/live.md), on real sockets against the real server with
// its bounds shortened (1 s for headers, 2 s for the request, checked every 100 ms) so the test
// takes seconds: a slowloris that keeps sending header bytes, a client that stops mid-headers,
// one that never finishes its body are each answered 408 and closed near their bound, while a
// prompt client is answered meanwhile. The shipped bounds are the ones docs/live.md states.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefreshLoop } from '../live/loop.js';
import type { RemoteReport } from '../live/remote.js';
import { LiveServer, SERVER_LIMITS } from '../live/server.js';

const HEADERS_MS = 1_000;
const REQUEST_MS = 2_000;
const CHECK_MS = 100;
let server: LiveServer;
let port: number;

beforeAll(async () => {
  // No refresh runs: these bounds are the server's, whatever it serves (/healthz says so).
  const loop = new RefreshLoop<RemoteReport>(() => Promise.reject(new Error('not started')), { intervalMs: 1_000, timeoutMs: 1_000 });
  server = new LiveServer(loop, {
    address: { host: '127.0.0.1', port: 0 },
    token: null,
    intervalMs: 1_000,
    limits: { headersMs: HEADERS_MS, requestMs: REQUEST_MS, checkEveryMs: CHECK_MS },
  });
  port = (await server.listen()).port;
});

afterAll(() => server.close(1_000));

/** Connects, lets `drive` write, and resolves when the server closes the socket: ms and what came back. */
function client(drive: (write: (text: string) => boolean) => void): Promise<{ ms: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve({ ms: Date.now() - started, answer }));
    socket.on('connect', () => drive((text) => !socket.destroyed && socket.write(text)));
    // Never hang the suite: a socket still open after 8 s fails the test.
    setTimeout(() => socket.destroy(new Error('still open after 8 s')), 8_000).unref();
  });
}

describe('--serve and slow clients', () => {
  it('answers a slowloris 408 and closes it at the headers bound, while others are answered', async () => {
    const header = `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}`;
    let sent = 0;
    const slow = client((write) => {
      // One byte every 50 ms: never idle, never done (200+ bytes need 10 s).
      const timer = setInterval(() => write(header[sent++] ?? 'a') || clearInterval(timer), 50);
    });
    const prompt = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect([prompt.status, await prompt.text()]).toEqual([503, 'no report yet: the first refresh is running\n']);
    const { ms, answer } = await slow;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThanOrEqual(HEADERS_MS - 50);
    expect(ms).toBeLessThan(HEADERS_MS + 1_000);
    expect(sent).toBeGreaterThan(10);
  });

  it('closes a client that stops in the middle of its headers', async () => {
    const { ms, answer } = await client((write) => write('GET /healthz HTTP/1.1\r\nHost: x\r\n'));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThanOrEqual(HEADERS_MS - 50);
    expect(ms).toBeLessThan(HEADERS_MS + 1_000);
  });

  it('closes a client whose body never ends at the request bound (after answering its headers)', async () => {
    const { ms, answer } = await client((write) => write('GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc'));
    // GET is answered on its headers; the connection is then held only until the request bound.
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(ms).toBeGreaterThanOrEqual(REQUEST_MS - 50);
    expect(ms).toBeLessThan(REQUEST_MS + 1_000);
  });

  it('ships the bounds docs/live.md states', () => {
    const docs = readFileSync(new URL('../docs/live.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    expect(SERVER_LIMITS).toEqual({ headersMs: 10_000, requestMs: 30_000, idleMs: 60_000, checkEveryMs: 1_000 });
    expect(docs).toContain('must arrive within 10 s, a whole request (body included) within 30 s');
    expect(docs).toContain('within a second of the bound. A connection idle for 60 s is closed.');
  });
});
