// The whole Grafana path with real programs: `--output` into a textfile dir, node_exporter
// serving it, a real Prometheus scraping node_exporter, and every query of the shipped
// dashboard answered by that Prometheus with the report's figures.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../harness/cli.js';
import { freePort } from '../harness/postgres.js';
import { nodeExporterPath, promtoolPath } from '../harness/system.js';
import type { Report } from '../report/types.js';

const DASHBOARD = fileURLToPath(new URL('../grafana/perf-monitor.json', import.meta.url));
// SLOs declared, so the SLO panels (docs/slos.md) have series to show.
const DEMO = ['--demo', '--until', '2025-11-20T12:00:00Z', '--slo', 'availability>=99', '--slo', 'hubspot.availability>=98.5'];

/** Debian's `prometheus` package brings the server beside promtool. */
function prometheusPath(): string {
  const path = join(dirname(realpathSync(promtoolPath())), 'prometheus');
  if (!existsSync(path))
    throw new Error(`prometheus not found beside promtool (${path}), needed for the dashboard queries: apt-get install prometheus`);
  return path;
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

const children: ChildProcess[] = [];
let promPort = 0;
let report: Report;

async function query(expr: string): Promise<VectorSample[]> {
  const response = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: VectorSample[] } };
  if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error}`);
  return body.data?.result ?? [];
}

/** Polls until Prometheus has scraped the tool's gauges (at most ~40 s). */
async function waitForScrape(): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    try {
      if ((await query('perfmon_health_score')).length > 0) return;
    } catch {
      // Prometheus still starting
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('Prometheus never scraped perfmon_health_score');
}

beforeAll(async () => {
  const textDir = emptyDir('perfmon-textfile-');
  const [json, om] = await Promise.all([
    runCli([...DEMO, '--format', 'json']),
    runCli([...DEMO, '--format', 'openmetrics', '--output', join(textDir, 'perfmon.prom')]),
  ]);
  expect(om.code).toBe(0);
  report = JSON.parse(json.stdout) as Report;

  const exporterPort = await freePort();
  children.push(
    spawn(
      nodeExporterPath(),
      [
        `--web.listen-address=127.0.0.1:${exporterPort}`,
        '--collector.disable-defaults',
        '--collector.textfile',
        `--collector.textfile.directory=${textDir}`,
      ],
      { stdio: 'ignore' },
    ),
  );
  const promDir = emptyDir('perfmon-prometheus-');
  const config = join(promDir, 'prometheus.yml');
  writeFileSync(
    config,
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:${exporterPort}']\n`,
  );
  promPort = await freePort();
  children.push(
    spawn(
      prometheusPath(),
      [`--config.file=${config}`, `--storage.tsdb.path=${join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
      { stdio: 'ignore' },
    ),
  );
  await waitForScrape();
}, 90_000);

afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
});

describe('the shipped dashboard against a real Prometheus', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
  // Grafana's "All" of the service variable is its allValue, `.+`; the scope variable's default is `all`.
  const targets = dashboard.panels.flatMap((p) =>
    p.targets.map((t) => ({ panel: p.title, expr: t.expr.replaceAll('$service', '.+').replaceAll('$scope', 'all') })),
  );

  it('answers every query of every panel with data', async () => {
    const empty: string[] = [];
    for (const target of targets) if ((await query(target.expr)).length === 0) empty.push(`${target.panel}: ${target.expr}`);
    expect(empty).toEqual([]);
  });

  it("gives the per-service panels one series per service, with the report's figures", async () => {
    const p95 = await query('perfmon_duration_seconds{scope="all",service=~".+",quantile="0.95"}');
    const byService = Object.fromEntries(p95.map((s) => [s.metric.service, Number(s.value[1])]));
    expect(byService).toEqual(Object.fromEntries(report.services.map((s) => [s.service, (s.performance.p95Duration ?? NaN) / 1000])));
    const ratio = await query('perfmon_error_ratio{scope="all",service=~".+"}');
    expect(ratio.map((s) => s.metric.service).sort()).toEqual(report.services.map((s) => s.service).sort());
    for (const s of ratio) {
      const service = report.services.find((r) => r.service === s.metric.service);
      expect(Number(s.value[1])).toBeCloseTo((service?.errors.errorRate ?? NaN) / 100, 10);
    }
    // The demo's figures, read off its JSON by hand once.
    expect(byService.n8n).toBe(6.4512);
    expect(Number((await query('min(perfmon_health_score)'))[0]?.value[1])).toBe(88);
  });
});
