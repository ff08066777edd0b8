// --format openmetrics and --output: the real promtool checks the text, a real node_exporter
// (textfile collector) serves it, and the scraped gauges carry the report's figures.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../harness/cli.js';
import { freePort } from '../harness/postgres.js';
import { buildReport, sampleServices, silentService } from '../harness/report-fixture.js';
import { nodeExporterPath, promtoolPath } from '../harness/system.js';
import { escapeLabelValue, METRIC, renderOpenMetrics } from '../render/openmetrics.js';
import type { Report, ServiceReport } from '../report/types.js';

const DEMO = ['--demo', '--until', '2025-11-20T12:00:00Z'];

/** `promtool check metrics` on `text`: its exit code and everything it said. */
function promtoolCheck(text: string): { code: number | null; output: string } {
  const result = spawnSync(promtoolPath(), ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A small reader of the text format's sample lines (label values unescaped), for the assertions. */
function parseSamples(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] as string] = (pair[2] as string).replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** `service` null: the overall sample. node_exporter writes it with `service=""`, which
 *  Prometheus treats as the same as no label. */
function valueOf(samples: PromSample[], name: string, service: string | null): number | undefined {
  return samples.find((s) => s.name === name && (s.labels.service || null) === service)?.value;
}

describe('renderOpenMetrics', () => {
  it('writes the fixture figures in seconds and ratios, the overall one without a service label', () => {
    const samples = parseSamples(renderOpenMetrics(buildReport()));
    // Figures of harness/report-fixture.ts converted by hand: 1850 ms -> 1.85 s, 2.49% -> 0.0249.
    expect(valueOf(samples, 'perfmon_duration_p95_seconds', 'hubspot')).toBe(1.85);
    expect(valueOf(samples, 'perfmon_duration_p99_seconds', 'hubspot')).toBe(2.9005);
    expect(valueOf(samples, 'perfmon_duration_p50_seconds', 'n8n')).toBe(0.9);
    expect(valueOf(samples, 'perfmon_error_ratio', 'hubspot')).toBe(0.0249);
    expect(valueOf(samples, 'perfmon_operations', 'n8n')).toBe(312);
    expect(valueOf(samples, 'perfmon_failures', 'n8n')).toBe(18);
    expect(valueOf(samples, 'perfmon_apdex', 'unleashed')).toBe(0.968);
    expect(valueOf(samples, 'perfmon_duration_change_ratio', 'n8n')).toBe(0.153);
    expect(valueOf(samples, 'perfmon_health_score', null)).toBe(87);
    expect(valueOf(samples, 'perfmon_threshold_seconds', null)).toBe(2);
    expect(valueOf(samples, 'perfmon_window_seconds', null)).toBe(86_400);
    expect(valueOf(samples, 'perfmon_window_end_timestamp_seconds', null)).toBe(Date.UTC(2025, 10, 20, 10) / 1000);
    expect(valueOf(samples, 'perfmon_generated_timestamp_seconds', null)).toBe(Date.UTC(2025, 10, 20, 10, 0, 1, 234) / 1000);
  });

  it('leaves out figures without data instead of writing 0 or NaN', () => {
    const report = buildReport({ services: [...sampleServices(), silentService()] });
    const samples = parseSamples(renderOpenMetrics(report));
    expect(valueOf(samples, 'perfmon_operations', 'legacy-sync')).toBe(0);
    expect(valueOf(samples, 'perfmon_error_ratio', 'legacy-sync')).toBeUndefined();
    expect(valueOf(samples, 'perfmon_duration_p95_seconds', 'legacy-sync')).toBeUndefined();
    expect(samples.every((s) => Number.isFinite(s.value))).toBe(true);
  });

  it('has one HELP and one TYPE gauge line per family, and no client timestamps', () => {
    const text = renderOpenMetrics(buildReport());
    // The SLO families (docs/slos.md) are written only with --slo: test/slo-prometheus.test.ts.
    const names = Object.values(METRIC).filter((name) => !name.startsWith('perfmon_slo_'));
    for (const name of names) {
      expect(text.match(new RegExp(`^# HELP ${name} `, 'gm'))).toHaveLength(1);
      expect(text.match(new RegExp(`^# TYPE ${name} gauge$`, 'gm'))).toHaveLength(1);
    }
    const sampleLines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    // A timestamp would be a third field after the value.
    expect(sampleLines.every((l) => l.replace(/\{.*\}/, '').split(' ').length === 2)).toBe(true);
    expect(new Set(sampleLines.map((l) => l.split(/[{ ]/)[0]))).toEqual(new Set(names));
  });

  it('with --service writes that service once, labelled, so files of runs per service never collide', () => {
    const hubspot = sampleServices()[0] as ServiceReport;
    const samples = parseSamples(renderOpenMetrics(buildReport({ service: 'hubspot', services: [hubspot] })));
    expect(samples.filter((s) => s.name === 'perfmon_operations')).toEqual([
      { name: 'perfmon_operations', labels: { service: 'hubspot' }, value: 523 },
    ]);
    expect(samples.filter((s) => s.name === 'perfmon_health_score')).toEqual([
      { name: 'perfmon_health_score', labels: { service: 'hubspot' }, value: 87 },
    ]);
    expect(samples.filter((s) => s.labels.service !== 'hubspot')).toEqual([]);
    expect(new Set(samples.map((s) => s.name))).toEqual(new Set(Object.values(METRIC).filter((name) => !name.startsWith('perfmon_slo_'))));
  });

  it('escapes backslash, double quote and line feed in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });
});

describe('promtool check metrics (real)', () => {
  it('accepts the demo output written with --output, with stdout empty and no temp file left', async () => {
    const dir = emptyDir('perfmon-om-');
    const file = join(dir, 'perfmon.prom');
    const result = await runCli([...DEMO, '--format', 'openmetrics', '--output', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(readdirSync(dir)).toEqual(['perfmon.prom']);
    expect(promtoolCheck(readFileSync(file, 'utf8'))).toEqual({ code: 0, output: '' });
  });

  it('accepts hostile service names, and they read back as written', () => {
    const hostile = ['back\\slash', 'quote"d', 'two\nlines', '} 1\nperfmon_health_score 0', 'ünï ✓'];
    const services = sampleServices().map((s, i) => ({ ...s, service: hostile[i] as string }));
    services.push({ ...silentService(hostile[3]) }, { ...silentService(hostile[4]) });
    const text = renderOpenMetrics(buildReport({ services }));
    expect(promtoolCheck(text)).toEqual({ code: 0, output: '' });
    const samples = parseSamples(text);
    expect(samples.filter((s) => s.name === 'perfmon_operations').map((s) => s.labels.service ?? null)).toEqual([null, ...hostile]);
    expect(samples.filter((s) => s.name === 'perfmon_health_score')).toEqual([{ name: 'perfmon_health_score', labels: {}, value: 87 }]);
  });
});

describe('node_exporter textfile collector (real)', () => {
  let exporter: ChildProcess | undefined;
  let port = 0;
  let report: Report;
  const textDir = emptyDir('perfmon-textfile-');

  beforeAll(async () => {
    // The same run twice: JSON for the expected figures, openmetrics into the textfile dir.
    const json = await runCli([...DEMO, '--format', 'json']);
    report = JSON.parse(json.stdout) as Report;
    const om = await runCli([...DEMO, '--format', 'openmetrics', '--output', join(textDir, 'perfmon.prom')]);
    expect(om.code).toBe(0);
    port = await freePort();
    exporter = spawn(
      nodeExporterPath(),
      [
        `--web.listen-address=127.0.0.1:${port}`,
        '--collector.disable-defaults',
        '--collector.textfile',
        `--collector.textfile.directory=${textDir}`,
      ],
      { stdio: 'ignore' },
    );
  });

  afterAll(() => {
    exporter?.kill('SIGTERM');
  });

  /** GET /metrics, retried while the exporter starts (at most ~10 s). */
  async function scrape(): Promise<string> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/metrics`);
        if (response.ok) return await response.text();
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`node_exporter did not answer on 127.0.0.1:${port}`);
  }

  it('serves the gauges with the report figures', async () => {
    const samples = parseSamples(await scrape());
    expect(valueOf(samples, 'node_textfile_scrape_error', null)).toBe(0);
    expect(valueOf(samples, 'perfmon_health_score', null)).toBe(report.healthScore);
    expect(valueOf(samples, 'perfmon_operations', null)).toBe(report.overall.totalOperations);
    expect(valueOf(samples, 'perfmon_error_ratio', null)).toBeCloseTo((report.overall.errorRate ?? NaN) / 100, 10);
    expect(valueOf(samples, 'perfmon_window_seconds', null)).toBe(86_400);
    expect(valueOf(samples, 'perfmon_window_end_timestamp_seconds', null)).toBe(Date.UTC(2025, 10, 20, 12) / 1000);
    expect(report.services.length).toBe(5);
    for (const s of report.services) {
      expect(valueOf(samples, 'perfmon_operations', s.service)).toBe(s.operations.total);
      expect(valueOf(samples, 'perfmon_failures', s.service)).toBe(s.operations.failed);
      expect(valueOf(samples, 'perfmon_error_ratio', s.service)).toBeCloseTo((s.errors.errorRate ?? NaN) / 100, 10);
      expect(valueOf(samples, 'perfmon_duration_p95_seconds', s.service)).toBeCloseTo((s.performance.p95Duration ?? NaN) / 1000, 10);
      expect(valueOf(samples, 'perfmon_duration_p99_seconds', s.service)).toBeCloseTo((s.performance.p99Duration ?? NaN) / 1000, 10);
      expect(valueOf(samples, 'perfmon_apdex', s.service)).toBe(s.apdex);
      expect(valueOf(samples, 'perfmon_duration_change_ratio', s.service)).toBeCloseTo((s.trend.percentChange ?? NaN) / 100, 10);
    }
    // The demo's figures, read off its JSON by hand once (2025-11-20T12:00Z, 24 h).
    expect(valueOf(samples, 'perfmon_operations', 'hubspot')).toBe(2303);
    expect(valueOf(samples, 'perfmon_duration_p95_seconds', 'hubspot')).toBe(2.637);
  });

  it('rereads a file replaced by a later --output run', async () => {
    writeFileSync(join(textDir, 'note.txt'), 'not a .prom file: ignored by the collector\n');
    const result = await runCli([
      '--demo',
      '--until',
      '2025-11-20T12:00:00Z',
      '--hours',
      '1',
      '--format',
      'openmetrics',
      '--output',
      join(textDir, 'perfmon.prom'),
    ]);
    expect(result.code).toBe(0);
    const samples = parseSamples(await scrape());
    expect(valueOf(samples, 'perfmon_window_seconds', null)).toBe(3600);
    expect(readdirSync(textDir).sort()).toEqual(['note.txt', 'perfmon.prom']);
  });
});
