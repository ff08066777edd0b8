// The live page in the real headless Chromium (Debian's, via puppeteer-core), behind a reverse
// proxy that serves it under /perfmon/ (so every URL the page uses must be relative): rows
// appended to the input file show within two intervals without a reload, "updated N s ago"
// ticks, no console error, and the stale banner appears when the source fails (and goes away).
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDir } from '../harness/cli.js';
import { type LiveProcess, logLine, startLive } from '../harness/live.js';
import { chromiumPath } from '../harness/system.js';

const dir = emptyDir('perfmon-live-page-');
const input = join(dir, 'ops.ndjson');
let live: LiveProcess;
let proxy: Server;
let browser: Browser;
let base = '';

/** A reverse proxy as nginx would be set up: /perfmon/... forwarded to the server's /... */
function startProxy(target: URL): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').replace(/^\/perfmon(?=\/)/, '');
    const upstream = request({ host: target.hostname, port: target.port, path, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  writeFileSync(input, Array.from({ length: 5 }, (_, i) => logLine('api', new Date(Date.now() - (i + 1) * 60_000), 200)).join(''));
  live = await startLive(['--input', input, '--hours', '1', '--serve', '0', '--interval', '1s']);
  proxy = await startProxy(new URL(live.url));
  base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/perfmon/`;
  browser = await puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    userDataDir: emptyDir('perfmon-chromium-'),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  proxy?.close();
  proxy?.closeAllConnections();
  if (live?.child.exitCode === null) await live.stop('SIGKILL');
});

describe('the live page', () => {
  it('updates in place from /events under a path prefix, shows its age and a stale banner, with no console error', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(base, { waitUntil: 'load' });
    const total = () => page.$eval('[data-field="totalOperations"]', (el) => el.textContent);
    expect(await total()).toBe('5');
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    await page.waitForFunction(() => /^updated \d+ s ago$/.test(document.getElementById('perfmon-updated')?.textContent ?? ''), {
      timeout: 5_000,
    });

    appendFileSync(input, logLine('web', new Date(), 80) + logLine('web', new Date(), 90) + logLine('web', new Date(), 95));
    const started = Date.now();
    await page.waitForFunction(() => document.querySelector('[data-field="totalOperations"]')?.textContent === '8', { timeout: 2_500 });
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    // The new service has its row and its charts, drawn again.
    expect(await page.$$eval('#services-table tbody tr', (rows) => rows.map((r) => r.getAttribute('data-service')))).toContain('web');
    expect(await page.$$eval('.uplot', (charts) => charts.length)).toBe(4);

    renameSync(input, `${input}.gone`);
    await page.waitForFunction(() => !(document.getElementById('perfmon-stale') as HTMLElement).hidden, { timeout: 3_000 });
    const banner = await page.$eval('#perfmon-stale', (el) => el.textContent ?? '');
    expect(banner).toMatch(
      /^Stale: the last refresh failed \d+ s ago \(--input .*ops\.ndjson'?: no such file.*\)\. The figures are from the last good refresh\.$/,
    );
    expect(await total()).toBe('8');
    renameSync(`${input}.gone`, input);
    await page.waitForFunction(() => (document.getElementById('perfmon-stale') as HTMLElement).hidden, { timeout: 3_000 });

    expect(errors).toEqual([]);
    // Relative URLs only: everything the page asked for stayed under the proxy's prefix.
    expect(requests.filter((url) => !url.startsWith(base))).toEqual([]);
    expect(requests).toContain(`${base}events`);
  }, 30_000);
});
