// The refresh worker (live/worker.ts, live/remote.ts; docs/live.md, "The refresh worker"): the
// refresh runs in a thread of its own, so the server answers while one runs; its answers come
// back rendered (the report's figures with the refresh, the rest on first use), a refresh the
// loop abandons leaves the worker ready for the next, a worker that dies is replaced, and a tailed
// file is read through its own rollups there.
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultOptions } from '../cli/read-options.js';
import { resolveSettings } from '../cli/resolve.js';
import { eventually, logLine, sampleValue, startLive } from '../harness/live.js';
import { startSlackReceiver } from '../harness/slack-receiver.js';
import { RemoteRefresher, type RemoteReport } from '../live/remote.js';
import { packSettings, unpackSettings } from '../live/worker-protocol.js';

const dir = mkdtempSync(join(tmpdir(), 'perfmon-live-worker-'));
const lines: string[] = [];
const notices = { line: (text: string) => void lines.push(text), progress() {}, endProgress() {}, clearProgress() {} };
const refreshers: RemoteRefresher[] = [];

afterAll(() => Promise.all(refreshers.map((r) => r.close(1_000))));

/** A refresher over `path`, as --serve would make it (--hours 1 unless given). */
async function refresherOver(
  path: string,
  want: () => ('figures' | 'json')[] = () => ['figures'],
  more: { hours?: number; exact?: boolean } = {},
): Promise<RemoteRefresher> {
  const options = { ...defaultOptions(), input: [path], hours: 1, ...more };
  const settings = await resolveSettings(options, {}, { stdoutHasColors: () => false });
  const refresher = new RemoteRefresher({ settings, color: false }, notices, want);
  refreshers.push(refresher);
  return refresher;
}

const text = (body: Buffer) => body.toString('utf8');

describe('the refresh worker', () => {
  it('renders the figures with the refresh, other answers on first use; tails the file across refreshes', async () => {
    const path = join(dir, 'ops.ndjson');
    const now = Date.now();
    // 3 operations of api (one failed), 2 of batch, within the last hour.
    writeFileSync(
      path,
      [
        logLine('api', new Date(now - 60_000), 100),
        logLine('api', new Date(now - 50_000), 300),
        logLine('api', new Date(now - 40_000), 200, 'error'),
        logLine('batch', new Date(now - 30_000), 1_000),
        logLine('batch', new Date(now - 20_000), 3_000),
      ].join(''),
    );
    const refresher = await refresherOver(path);
    const first: RemoteReport = await refresher.refresh(new AbortController().signal);
    const figures = first.peek('figures');
    expect(figures).toBeDefined();
    expect(sampleValue(text(figures ?? Buffer.alloc(0)), 'perfmon_overall_operations')).toBe(5);
    // Not asked for with the refresh: rendered when first asked for, then kept.
    expect(first.peek('json')).toBeUndefined();
    const json = JSON.parse(text(await first.get('json')));
    expect(json.overall.totalOperations).toBe(5);
    expect(json.overall.failedOperations).toBe(1);
    expect(first.peek('json')).toBeDefined();
    // Rows appended reach the next refresh (the worker keeps the tailed source between refreshes).
    appendFileSync(path, logLine('api', new Date(Date.now() - 5_000), 50));
    const second = await refresher.refresh(new AbortController().signal);
    expect(second.seq).toBe(first.seq + 1);
    expect(JSON.parse(text(await second.get('json'))).overall.totalOperations).toBe(6);
  }, 30_000);

  it('reads a tailed file through its own rollups in the worker (docs/live.md), exactly with --exact', async () => {
    const path = join(dir, 'day.ndjson');
    const now = Date.now();
    // 60 operations over the last 30 hours, none near a window's edge: the 24-hour window holds
    // complete hours to roll up.
    writeFileSync(
      path,
      Array.from({ length: 60 }, (_, i) => logLine('api', new Date(now - 30 * 3_600_000 + 900_000 + i * 1_800_000), 100 + i)).join(''),
    );
    const inWindow = Array.from({ length: 60 }, (_, i) => now - 30 * 3_600_000 + 900_000 + i * 1_800_000).filter(
      (t) => t >= now - 24 * 3_600_000,
    );
    for (const exact of [false, true]) {
      const report = await (await refresherOver(path, () => ['json'], { hours: 24, exact })).refresh(new AbortController().signal);
      const json = JSON.parse(text(await report.get('json')));
      expect(json.source.aggregation).toBe(exact ? 'client' : 'rollup');
      expect(json.overall.totalOperations).toBe(inWindow.length);
    }
  }, 30_000);

  it('a failed refresh carries its cause and class; an abandoned one leaves the worker ready for the next', async () => {
    const path = join(dir, 'later.ndjson');
    const refresher = await refresherOver(path);
    // The file does not exist yet: bad input, exit 2 on a first refresh (docs/live.md).
    const missing = await refresher.refresh(new AbortController().signal).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(Error);
    expect((missing as { exitCode?: number }).exitCode).toBe(2);
    expect((missing as Error).message).toContain('later.ndjson');
    writeFileSync(path, logLine('api', new Date(Date.now() - 1_000), 120));
    // Abandoned at once (the loop's deadline or shutdown): the refresh rejects without waiting.
    const controller = new AbortController();
    const abandoned = refresher.refresh(controller.signal);
    controller.abort(new Error('deadline'));
    await expect(abandoned).rejects.toThrow('refresh abandoned');
    const next = await refresher.refresh(new AbortController().signal);
    expect(sampleValue(text(next.peek('figures') ?? Buffer.alloc(0)), 'perfmon_overall_operations')).toBe(1);
  }, 30_000);

  it('a worker that dies fails its refresh and is replaced by the next; its reports render nothing more', async () => {
    const path = join(dir, 'dies.ndjson');
    writeFileSync(path, logLine('api', new Date(Date.now() - 2_000), 80) + logLine('api', new Date(Date.now() - 1_000), 90));
    const refresher = await refresherOver(path);
    const before = await refresher.refresh(new AbortController().signal);
    // The fault: the worker's thread ends under a running refresh (a crash of the worker).
    const running = refresher.refresh(new AbortController().signal);
    await (refresher as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(running).rejects.toThrow('the refresh worker exited');
    // Its report's answers not yet rendered cannot be now (the new worker does not hold it) ...
    await expect(before.get('json')).rejects.toThrow('the refresh worker was restarted');
    // ... those rendered with it still can; and the next refresh starts a new worker.
    expect(sampleValue(text(before.peek('figures') ?? Buffer.alloc(0)), 'perfmon_overall_operations')).toBe(2);
    const after = await refresher.refresh(new AbortController().signal);
    expect(JSON.parse(text(await after.get('json'))).overall.totalOperations).toBe(2);
  }, 30_000);
});

describe('--serve with the refresh in a worker', () => {
  it('answers /metrics while refreshes run, without waiting for them', async () => {
    // 800 services of 7 operations each: a report this wide takes the refresh about a second of
    // JavaScript (analysis, rendering), which on the serving thread would hold every answer due
    // meanwhile for about as long (measured: 2 s stalls with 1,500 services).
    const path = join(dir, 'wide.ndjson');
    const now = Date.now();
    let rows = '';
    for (let i = 0; i < 11_200; i++) rows += logLine(`svc${i % 800}`, new Date(now - 60_000 - i * 200), 50 + ((i * 7919) % 3000));
    writeFileSync(path, rows);
    const live = await startLive(['--input', path, '--hours', '1', '--serve', '0', '--interval', '1s']);
    try {
      const url = new URL('/metrics', live.url);
      await eventually('the first report', 15_000, async () => ((await fetch(url)).status === 200 ? true : undefined));
      const latencies: number[] = [];
      const durations = new Set<number>();
      const refreshes = new Set<number>();
      // Until two refreshes ended while we asked (bounded: a loaded machine slows them down).
      const end = Date.now() + 15_000;
      while (refreshes.size < 3 && Date.now() < end) {
        const started = performance.now();
        const body = await (await fetch(url)).text();
        latencies.push(performance.now() - started);
        durations.add(sampleValue(body, 'perfmon_refresh_duration_seconds') ?? 0);
        refreshes.add(sampleValue(body, 'perfmon_refreshes_total') ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // Refreshes ended while we asked, and no answer waited for one: the slowest answer took well
      // under the shortest refresh.
      expect(refreshes.size).toBeGreaterThanOrEqual(3);
      const shortest = Math.min(...[...durations].filter((d) => d > 0)) * 1000;
      const seen = `answers in ${latencies.map(Math.round).join(',')} ms; refreshes of ${[...durations].join(', ')} s`;
      expect(Math.max(...latencies), seen).toBeLessThan(shortest / 2);
    } finally {
      expect((await live.stop('SIGTERM')).code).toBe(0);
    }
  }, 45_000);

  it('sends alerts from the worker once, not at every refresh, and exits 0 once they were delivered', async () => {
    const slack = await startSlackReceiver();
    const stateDir = mkdtempSync(join(tmpdir(), 'perfmon-live-alerts-'));
    const live = await startLive(['--demo', '--serve', '0', '--interval', '1s', '--alert'], {
      env: { SLACK_WEBHOOK_URL: slack.url, PERFMON_STATE_DIR: stateDir },
    });
    try {
      const url = new URL('/metrics', live.url);
      const refreshes = async () => sampleValue(await (await fetch(url)).text(), 'perfmon_refreshes_total') ?? 0;
      await eventually('3 refreshes', 20_000, async () => ((await refreshes()) >= 3 ? true : undefined));
      // The demo's conditions hold at every refresh; the alert state sends them once (docs/alerting.md).
      expect(slack.messages).toHaveLength(1);
      const report = JSON.parse(await (await fetch(new URL('/report.json', live.url))).text());
      expect(report.alerts.channels.find((c: { channel: string }) => c.channel === 'slack')?.failed).toBeNull();
    } finally {
      expect((await live.stop('SIGTERM')).code).toBe(0);
      await slack.close();
    }
  }, 40_000);
});

describe('settings sent to the worker', () => {
  it('keep their URLs through the copy to a thread', () => {
    const settings = {
      source: { kind: 'postgres', url: new URL('postgres://u:p@127.0.0.1:5432/db'), table: 't' },
      list: [new URL('https://x/y')],
    };
    const copied = unpackSettings(structuredClone(packSettings(settings)));
    expect(copied.source.url).toBeInstanceOf(URL);
    expect(copied.source.url.href).toBe('postgres://u:p@127.0.0.1:5432/db');
    expect(copied.list[0]?.href).toBe('https://x/y');
    expect(copied.source.table).toBe('t');
  });
});
