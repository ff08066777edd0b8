// A real Prometheus (Debian's) scrapes `--serve` every second with the bearer token of
// PERFMON_SERVE_TOKEN, as docs/live.md configures it: its query API returns the report's health
// score and perfmon_up 1; with the source gone, perfmon_up 0 and /healthz 503 while the server
// stays up (Prometheus keeps scraping it: `up` stays 1).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDir } from '../harness/cli.js';
import { eventually, type LiveProcess, logLine, startLive } from '../harness/live.js';
import { freePort } from '../harness/postgres.js';
import { promtoolPath } from '../harness/system.js';
import type { Report } from '../report/types.js';

const TOKEN = 'prometheus-token-9f8e7d6c5b4a';
const dir = emptyDir('perfmon-live-prom-');
const input = join(dir, 'ops.ndjson');
let live: LiveProcess;
let prometheus: ChildProcess;
let promPort = 0;

function prometheusPath(): string {
  const path = join(dirname(realpathSync(promtoolPath())), 'prometheus');
  if (!existsSync(path)) throw new Error(`prometheus not found beside promtool (${path}): apt-get install prometheus`);
  return path;
}

async function query(expr: string): Promise<number | undefined> {
  const response = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { data?: { result: { value: [number, string] }[] } };
  const value = body.data?.result[0]?.value[1];
  return value === undefined ? undefined : Number(value);
}

beforeAll(async () => {
  const now = Date.now();
  // 20 operations in the last hour, 2 failed: error rate 10%.
  writeFileSync(
    input,
    Array.from({ length: 20 }, (_, i) => logLine('api', new Date(now - (i + 1) * 60_000), 120, i < 2 ? 'error' : 'success')).join(''),
  );
  live = await startLive(['--input', input, '--hours', '1', '--serve', '0', '--interval', '1s'], { env: { PERFMON_SERVE_TOKEN: TOKEN } });
  const target = new URL(live.url).host;
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: perfmon
    authorization:
      type: Bearer
      credentials: ${TOKEN}
    static_configs:
      - targets: ['${target}']
`,
  );
  promPort = await freePort();
  prometheus = spawn(
    prometheusPath(),
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
    { stdio: 'ignore' },
  );
}, 60_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  if (live?.child.exitCode === null) await live.stop('SIGKILL');
});

describe('a real Prometheus scraping --serve with the token', () => {
  it('reads the health score and perfmon_up 1', async () => {
    const report = (await (
      await fetch(new URL('/report.json', live.url), { headers: { Authorization: `Bearer ${TOKEN}` } })
    ).json()) as Report;
    const score = await eventually('perfmon_health_score in Prometheus', 40_000, () => query('perfmon_health_score'));
    expect(score).toBe(report.healthScore);
    expect(await query('perfmon_up')).toBe(1);
    expect(await query('perfmon_error_ratio')).toBe(0.1);
    expect(await query('up{job="perfmon"}')).toBe(1);
  }, 60_000);

  it('with the source gone: perfmon_up 0, /healthz 503, and the server still scraped', async () => {
    renameSync(input, `${input}.gone`);
    await eventually('perfmon_up == 0 in Prometheus', 15_000, async () => ((await query('perfmon_up')) === 0 ? true : undefined));
    const health = await fetch(new URL('/healthz', live.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(health.status).toBe(503);
    expect(await query('up{job="perfmon"}')).toBe(1);
    expect(live.child.exitCode).toBeNull();
  }, 30_000);
});
