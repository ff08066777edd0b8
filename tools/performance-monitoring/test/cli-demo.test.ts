// --demo end to end: a complete, deterministic report whose JSON satisfies report.schema.json.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { comparable, emptyDir, runCli } from '../harness/cli.js';
import { UNTIL, writeNdjson } from '../harness/hand-dataset.js';

const schema = JSON.parse(readFileSync(new URL('../report.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv2020({ strict: true, allowUnionTypes: true }).compile(schema);

function expectValid(report: unknown) {
  const ok = validate(report);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

describe('--demo', () => {
  it('prints one JSON report, valid against the schema, with an integer health score', async () => {
    const { code, stdout, stderr } = await runCli(['--demo', '--format', 'json']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const report = JSON.parse(stdout);
    expectValid(report);
    expect(Number.isInteger(report.healthScore)).toBe(true);
    expect(report.source).toEqual({ kind: 'demo', aggregation: 'client', percentiles: 'exact' });
    expect(report.services.length).toBeGreaterThanOrEqual(5);
  });

  it('is deterministic for a given --until', async () => {
    const args = ['--demo', '--until', '2025-11-20T10:00:00Z', '--format', 'json'];
    const [a, b] = await Promise.all([runCli(args), runCli(args)]);
    expect(comparable(a.stdout)).toEqual(comparable(b.stdout));
    const other = await runCli(['--demo', '--until', '2025-11-21T10:00:00Z', '--format', 'json']);
    expect(comparable(other.stdout)).not.toEqual(comparable(a.stdout));
  });

  it('gives every section of the text report content', async () => {
    const { code, stdout } = await runCli(['--demo', '--until', '2025-11-20T10:00:00Z']);
    expect(code).toBe(0);
    const section = (title: string) => stdout.split(`${title}\n${'-'.repeat(80)}\n`)[1]?.split(`\n${'-'.repeat(80)}`)[0] ?? '';
    expect(section('ISSUES')).toMatch(/^❌ n8n: /m);
    expect(section('RECOMMENDATIONS')).toMatch(/^💡 /m);
    expect(section('SERVICE PERFORMANCE')).toMatch(/^⚠️ n8n 📉$/m);
    expect(section('SERVICE PERFORMANCE')).toMatch(/^✅ unleashed 📈$/m);
    expect(section('SLOWEST OPERATIONS')).toMatch(/^10\. /m);
    expect(section('MOST FREQUENT ERRORS')).toMatch(/^1\. \[n8n\] .+ \(\d+ times\)$/m);
  });

  it('with --service reports that one service', async () => {
    const { stdout } = await runCli(['--demo', '--service', 'hubspot', '--format', 'json']);
    const report = JSON.parse(stdout);
    expectValid(report);
    expect(report.services.map((s: { service: string }) => s.service)).toEqual(['hubspot']);
    expect(report.overall.totalOperations).toBe(report.services[0].operations.total);
  });
});

describe('report.schema.json', () => {
  it('validates a report with a silent service and one without data', async () => {
    const input = writeNdjson(emptyDir());
    const withSilent = await runCli(['--input', input, '--until', UNTIL, '--threshold', '1000', '--format', 'json']);
    expectValid(JSON.parse(withSilent.stdout));
    const noData = await runCli(['--input', input, '--until', '2030-01-01T00:00:00Z', '--format', 'json']);
    const report = JSON.parse(noData.stdout);
    expect(report.healthScore).toBeNull();
    expectValid(report);
  });
});
