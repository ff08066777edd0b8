// --format openmetrics and --output (docs/formats.md): OpenMetrics 1.0 that the real promtool and
// prometheus_client's OpenMetrics parser accept in every variant, a real node_exporter (textfile
// collector) serves beside --service files without a collision, with the report's figures.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../harness/cli.js';
import { freePort } from '../harness/postgres.js';
import { buildReport, sampleServices, silentService } from '../harness/report-fixture.js';
import { nodeExporterPath, prometheusClientPython, promtoolPath } from '../harness/system.js';
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

/** The value of the one sample of `name` whose labels include `labels` (node_exporter adds none). */
function sampleOf(samples: PromSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

const ALL = { scope: 'all' };
const of = (service: string, more: Record<string, string> = {}) => ({ scope: 'all', service, ...more });

/** prometheus_client's OpenMetrics parser (Debian's /usr/bin/python3): every sample it read, or its error. */
function openMetricsParse(text: string): { code: number | null; samples: PromSample[]; error: string } {
  const script = [
    'import json, sys',
    'from prometheus_client.openmetrics.parser import text_string_to_metric_families',
    'out = []',
    'for family in text_string_to_metric_families(sys.stdin.read()):',
    '    out += [{"name": s.name, "labels": s.labels, "value": s.value, "type": family.type} for s in family.samples]',
    'print(json.dumps(out))',
  ].join('\n');
  const result = spawnSync(prometheusClientPython(), ['-c', script], { input: text, encoding: 'utf8', timeout: 30_000 });
  const samples = result.status === 0 ? (JSON.parse(result.stdout) as PromSample[]) : [];
  return { code: result.status, samples, error: result.stderr.trim().split('\n').at(-1) ?? '' };
}

/** Both checkers accept `text`; what the OpenMetrics parser read matches the small reader's. */
function expectValid(text: string): void {
  expect(text.endsWith('\n# EOF\n')).toBe(true);
  expect(promtoolCheck(text)).toEqual({ code: 0, output: '' });
  const parsed = openMetricsParse(text);
  expect({ code: parsed.code, error: parsed.error }).toEqual({ code: 0, error: '' });
  expect(parsed.samples.map(({ name, labels, value }) => ({ name, labels, value }))).toEqual(parseSamples(text));
}

const seriesOf = (samples: PromSample[]) => new Set(samples.map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`));

describe('renderOpenMetrics', () => {
  it('writes the fixture figures in seconds and ratios: per service, and overall in families of their own', () => {
    const samples = parseSamples(renderOpenMetrics(buildReport()));
    // Figures of harness/report-fixture.ts converted by hand: 1850 ms -> 1.85 s, 2.49% -> 0.0249.
    expect(sampleOf(samples, 'perfmon_duration_seconds', of('hubspot', { quantile: '0.95' }))).toBe(1.85);
    expect(sampleOf(samples, 'perfmon_duration_seconds', of('hubspot', { quantile: '0.99' }))).toBe(2.9005);
    expect(sampleOf(samples, 'perfmon_duration_seconds', of('n8n', { quantile: '0.5' }))).toBe(0.9);
    expect(sampleOf(samples, 'perfmon_error_ratio', of('hubspot'))).toBe(0.0249);
    expect(sampleOf(samples, 'perfmon_operations', of('n8n'))).toBe(312);
    expect(sampleOf(samples, 'perfmon_failures', of('n8n'))).toBe(18);
    expect(sampleOf(samples, 'perfmon_apdex', of('unleashed'))).toBe(0.968);
    expect(sampleOf(samples, 'perfmon_duration_change_ratio', of('n8n'))).toBe(0.153);
    expect(sampleOf(samples, 'perfmon_health_score', ALL)).toBe(87);
    expect(sampleOf(samples, 'perfmon_threshold_seconds', ALL)).toBe(2);
    expect(sampleOf(samples, 'perfmon_window_seconds', ALL)).toBe(86_400);
    expect(sampleOf(samples, 'perfmon_window_end_timestamp_seconds', ALL)).toBe(Date.UTC(2025, 10, 20, 10) / 1000);
    expect(sampleOf(samples, 'perfmon_generated_timestamp_seconds', ALL)).toBe(Date.UTC(2025, 10, 20, 10, 0, 1, 234) / 1000);
    // The overall figures: their own families, never a sample among the services'.
    const report = buildReport();
    expect(sampleOf(samples, 'perfmon_overall_operations', ALL)).toBe(report.overall.totalOperations);
    expect(sampleOf(samples, 'perfmon_overall_duration_seconds', { ...ALL, quantile: '0.95' })).toBe(
      (report.overall.p95Duration ?? NaN) / 1000,
    );
    expect(samples.filter((s) => s.name === 'perfmon_operations').every((s) => s.labels.service !== undefined)).toBe(true);
  });

  it('a sum over a per-service family counts each operation once (sum by () == the overall family)', () => {
    const samples = parseSamples(renderOpenMetrics(buildReport()));
    const sum = (name: string) => samples.filter((s) => s.name === name).reduce((total, s) => total + s.value, 0);
    const report = buildReport();
    expect(sum('perfmon_operations')).toBe(report.services.reduce((total, s) => total + s.operations.total, 0));
    expect(sum('perfmon_overall_operations')).toBe(report.overall.totalOperations);
  });

  it('leaves out figures without data instead of writing 0 or NaN', () => {
    const report = buildReport({ services: [...sampleServices(), silentService()] });
    const samples = parseSamples(renderOpenMetrics(report));
    expect(sampleOf(samples, 'perfmon_operations', of('legacy-sync'))).toBe(0);
    expect(sampleOf(samples, 'perfmon_error_ratio', of('legacy-sync'))).toBeUndefined();
    expect(sampleOf(samples, 'perfmon_duration_seconds', of('legacy-sync', { quantile: '0.95' }))).toBeUndefined();
    expect(samples.every((s) => Number.isFinite(s.value))).toBe(true);
  });

  it('has one HELP and one TYPE line per family (the quantiles a summary), no client timestamps, and ends with # EOF', () => {
    const text = renderOpenMetrics(buildReport());
    const names = Object.values(METRIC).filter((name) => !name.startsWith('perfmon_slo_'));
    const summaries = new Set<string>([METRIC.duration, METRIC.overallDuration]);
    for (const name of names) {
      expect(text.match(new RegExp(`^# HELP ${name} `, 'gm'))).toHaveLength(1);
      expect(text.match(new RegExp(`^# TYPE ${name} ${summaries.has(name) ? 'summary' : 'gauge'}$`, 'gm'))).toHaveLength(1);
    }
    const sampleLines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    // A timestamp would be a third field after the value.
    expect(sampleLines.every((l) => l.replace(/\{.*\}/, '').split(' ').length === 2)).toBe(true);
    expect(new Set(sampleLines.map((l) => l.split(/[{ ]/)[0]))).toEqual(new Set(names));
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(text.match(/# EOF/g)).toHaveLength(1);
  });

  it('with --service every series is scoped to it: no series in common with the all-services file', () => {
    const hubspot = sampleServices()[0] as ServiceReport;
    const one = parseSamples(renderOpenMetrics(buildReport({ service: 'hubspot', services: [hubspot] })));
    expect(one.filter((s) => s.name === 'perfmon_operations')).toEqual([
      { name: 'perfmon_operations', labels: { scope: 'hubspot', service: 'hubspot' }, value: 523 },
    ]);
    expect(one.filter((s) => s.name === 'perfmon_health_score')).toEqual([
      { name: 'perfmon_health_score', labels: { scope: 'hubspot' }, value: 87 },
    ]);
    expect(one.every((s) => s.labels.scope === 'hubspot')).toBe(true);
    expect(new Set(one.map((s) => s.name))).toEqual(new Set(Object.values(METRIC).filter((name) => !name.startsWith('perfmon_slo_'))));
    const all = seriesOf(parseSamples(renderOpenMetrics(buildReport())));
    expect([...seriesOf(one)].filter((series) => all.has(series))).toEqual([]);
  });

  it('escapes backslash, double quote and line feed in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });
});

describe('promtool check metrics and an OpenMetrics parser (real)', () => {
  it('accept the demo output written with --output, with stdout empty and no temp file left', async () => {
    const dir = emptyDir('perfmon-om-');
    const file = join(dir, 'perfmon.prom');
    const result = await runCli([...DEMO, '--format', 'openmetrics', '--output', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(readdirSync(dir)).toEqual(['perfmon.prom']);
    expectValid(readFileSync(file, 'utf8'));
  });

  it('accept every variant: --service, silent services, no data, hostile names (which read back as written)', () => {
    const hubspot = sampleServices()[0] as ServiceReport;
    expectValid(renderOpenMetrics(buildReport({ service: 'hubspot', services: [hubspot] })));
    expectValid(renderOpenMetrics(buildReport({ services: [...sampleServices(), silentService()] })));
    expectValid(renderOpenMetrics(buildReport({ services: [], healthScore: null })));
    const hostile = ['back\\slash', 'quote"d', 'two\nlines', '} 1\nperfmon_health_score 0', 'ünï ✓'];
    const services = sampleServices().map((s, i) => ({ ...s, service: hostile[i] as string }));
    services.push({ ...silentService(hostile[3]) }, { ...silentService(hostile[4]) });
    const text = renderOpenMetrics(buildReport({ services }));
    expectValid(text);
    const samples = parseSamples(text);
    expect(samples.filter((s) => s.name === 'perfmon_operations').map((s) => s.labels.service)).toEqual(hostile);
    expect(samples.filter((s) => s.name === 'perfmon_health_score')).toEqual([{ name: 'perfmon_health_score', labels: ALL, value: 87 }]);
    expectValid(renderOpenMetrics(buildReport({ service: hostile[1] as string, services: [services[1] as ServiceReport] })));
  });
});

describe('node_exporter textfile collector (real)', () => {
  const SLOS = ['--slo', 'availability>=99', '--slo', 'hubspot.availability>=98.5'];
  let exporter: ChildProcess | undefined;
  let exporterLog = '';
  let port = 0;
  let report: Report;
  const textDir = emptyDir('perfmon-textfile-');

  beforeAll(async () => {
    // The same run twice: JSON for the expected figures, openmetrics into the textfile dir; and
    // beside it, docs/formats.md's layout: one file per --service run, every run declaring the same
    // SLOs (one PERFMON_SLOS for all the cron lines, docs/slos.md).
    const json = await runCli([...DEMO, ...SLOS, '--format', 'json']);
    report = JSON.parse(json.stdout) as Report;
    for (const [file, extra] of [
      ['perfmon.prom', []],
      ['perfmon-hubspot.prom', ['--service', 'hubspot']],
      ['perfmon-n8n.prom', ['--service', 'n8n']],
    ] as const) {
      const om = await runCli([...DEMO, ...SLOS, ...extra, '--format', 'openmetrics', '--output', join(textDir, file)]);
      expect(om.code).toBe(0);
    }
    port = await freePort();
    exporter = spawn(
      nodeExporterPath(),
      [
        `--web.listen-address=127.0.0.1:${port}`,
        '--collector.disable-defaults',
        '--collector.textfile',
        `--collector.textfile.directory=${textDir}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    exporter.stderr?.on('data', (chunk: Buffer) => {
      exporterLog += chunk.toString();
    });
  });

  afterAll(() => {
    exporter?.kill('SIGTERM');
  });

  /** GET /metrics, retried while the exporter starts (at most ~10 s). */
  async function scrape(): Promise<{ status: number; text: string }> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/metrics`);
        return { status: response.status, text: await response.text() };
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`node_exporter did not answer on 127.0.0.1:${port}`);
  }

  it('serves the all-services file and --service files side by side, without a collision, with the report figures', async () => {
    const scraped = await scrape();
    expect(scraped.text).not.toMatch(/collected before with the same name and label values/);
    expect(scraped.status).toBe(200);
    const samples = parseSamples(
      scraped.text
        .split('\n')
        .filter((l) => !/_(sum|count) /.test(l) || !l.startsWith('perfmon_'))
        .join('\n'),
    );
    expect(sampleOf(samples, 'node_textfile_scrape_error')).toBe(0);
    expect(exporterLog).not.toMatch(/collected before|error/i);
    expect(sampleOf(samples, 'perfmon_health_score', ALL)).toBe(report.healthScore);
    expect(sampleOf(samples, 'perfmon_overall_operations', ALL)).toBe(report.overall.totalOperations);
    expect(sampleOf(samples, 'perfmon_overall_error_ratio', ALL)).toBeCloseTo((report.overall.errorRate ?? NaN) / 100, 10);
    expect(sampleOf(samples, 'perfmon_window_seconds', ALL)).toBe(86_400);
    expect(sampleOf(samples, 'perfmon_window_end_timestamp_seconds', ALL)).toBe(Date.UTC(2025, 10, 20, 12) / 1000);
    expect(report.services.length).toBe(5);
    for (const s of report.services) {
      expect(sampleOf(samples, 'perfmon_operations', of(s.service))).toBe(s.operations.total);
      expect(sampleOf(samples, 'perfmon_failures', of(s.service))).toBe(s.operations.failed);
      expect(sampleOf(samples, 'perfmon_error_ratio', of(s.service))).toBeCloseTo((s.errors.errorRate ?? NaN) / 100, 10);
      const quantile = (q: string) => sampleOf(samples, 'perfmon_duration_seconds', of(s.service, { quantile: q }));
      expect(quantile('0.95')).toBeCloseTo((s.performance.p95Duration ?? NaN) / 1000, 10);
      expect(quantile('0.99')).toBeCloseTo((s.performance.p99Duration ?? NaN) / 1000, 10);
      expect(sampleOf(samples, 'perfmon_apdex', of(s.service))).toBe(s.apdex);
      expect(sampleOf(samples, 'perfmon_duration_change_ratio', of(s.service))).toBeCloseTo((s.trend.percentChange ?? NaN) / 100, 10);
    }
    // The --service files: the same service's figures, under their own scope.
    expect(sampleOf(samples, 'perfmon_operations', { scope: 'hubspot', service: 'hubspot' })).toBe(2303);
    expect(sampleOf(samples, 'perfmon_overall_operations', { scope: 'n8n' })).toBe(
      report.services.find((s) => s.service === 'n8n')?.operations.total,
    );
    // The demo's figures, read off its JSON by hand once (2025-11-20T12:00Z, 24 h).
    expect(sampleOf(samples, 'perfmon_operations', of('hubspot'))).toBe(2303);
    expect(sampleOf(samples, 'perfmon_duration_seconds', of('hubspot', { quantile: '0.95' }))).toBe(2.637);
    // The same SLOs in the three files: once per scope, the same figure (they ignore --service).
    const budgets = samples.filter((s) => s.name === 'perfmon_slo_error_budget_remaining_ratio');
    expect(budgets.map((s) => `${s.labels.scope} ${s.labels.slo}`).sort()).toEqual(
      ['all', 'hubspot', 'n8n'].flatMap((scope) => [`${scope} all-availability`, `${scope} hubspot-availability`]),
    );
    for (const slo of report.slos) {
      const values = budgets.filter((s) => s.labels.slo === slo.name).map((s) => s.value);
      expect(values).toEqual([slo.errorBudget.remaining, slo.errorBudget.remaining, slo.errorBudget.remaining]);
    }
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
    const samples = parseSamples((await scrape()).text);
    expect(sampleOf(samples, 'perfmon_window_seconds', ALL)).toBe(3600);
    expect(readdirSync(textDir).sort()).toEqual(['note.txt', 'perfmon-hubspot.prom', 'perfmon-n8n.prom', 'perfmon.prom']);
  });
});
