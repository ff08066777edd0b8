import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// Named import: under NodeNext the default import of this CommonJS module types as the
// module namespace, not the class.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { buildNoDataReport, buildReport, sampleAlerts, sampleServices, silentService } from '../harness/report-fixture.js';
import type { Report } from '../report/types.js';

const schemaPath = fileURLToPath(new URL('../report.schema.json', import.meta.url));
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;

// strict: unknown keywords or formats are errors; union types (`["number","null"]`) are the
// documented way to say "nullable", so they are allowed explicitly.
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
const validate = ajv.compile(schema);

function errorsOf(data: unknown): string {
  return validate(data) ? '' : ajv.errorsText(validate.errors);
}

/** The report as `--format json` would print it: through JSON and back. */
function asJson(report: unknown): unknown {
  return JSON.parse(JSON.stringify(report));
}

describe('report.schema.json', () => {
  it('is a draft 2020-12 schema with an id, title and description', () => {
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: expect.any(String),
      title: expect.any(String),
      description: expect.any(String),
    });
  });

  it('accepts the sample report', () => {
    expect(errorsOf(asJson(buildReport()))).toBe('');
  });

  it('accepts a report with no data', () => {
    expect(errorsOf(asJson(buildNoDataReport()))).toBe('');
  });

  it('accepts a report with alerts, a silent service and --service', () => {
    const report = buildReport({
      service: 'hubspot',
      services: [...sampleServices(), silentService()],
      alerts: sampleAlerts(),
      dataQuality: { invalidDurations: 2, skippedRows: 5, statuses: [{ status: null, count: 3, failures: 0 }] },
    });
    expect(errorsOf(asJson(report))).toBe('');
  });

  it('rejects a report without healthScore', () => {
    const { healthScore: _omitted, ...rest } = buildReport();
    expect(errorsOf(asJson(rest))).toContain("must have required property 'healthScore'");
  });

  it('rejects extra properties, at the top and inside', () => {
    expect(errorsOf(asJson({ ...buildReport(), extra: true }))).toContain('must NOT have additional properties');
    const report = buildReport();
    const overall = { ...report.overall, medianDuration: 1 };
    expect(errorsOf(asJson({ ...report, overall }))).toContain('must NOT have additional properties');
  });

  it('rejects an unknown trend direction', () => {
    const report = buildReport();
    const bad = { ...report.overall.trend, direction: 'sideways' };
    expect(errorsOf(asJson({ ...report, overall: { ...report.overall, trend: bad } }))).toContain(
      'must be equal to one of the allowed values',
    );
  });

  it.each<[string, (r: Report) => unknown]>([
    ['a fractional health score', (r) => ({ ...r, healthScore: 87.5 })],
    ['a health score above 100', (r) => ({ ...r, healthScore: 101 })],
    ['schemaVersion 2', (r) => ({ ...r, schemaVersion: 2 })],
    ['a timestamp without milliseconds', (r) => ({ ...r, generatedAt: '2025-11-20T10:00:01Z' })],
    ['a timestamp with an offset', (r) => ({ ...r, generatedAt: '2025-11-20T10:00:01.000+01:00' })],
    ['an error rate above 100', (r) => ({ ...r, overall: { ...r.overall, errorRate: 100.5 } })],
    ['a string duration', (r) => ({ ...r, overall: { ...r.overall, avgDuration: '714' } })],
    ['an unknown source kind', (r) => ({ ...r, source: { kind: 'mysql', aggregation: 'server' } })],
    ['an unknown alert channel', (r) => ({ ...r, alerts: { conditions: [], channels: [{ channel: 'sms' }] } })],
  ])('rejects %s', (_name, mutate) => {
    expect(validate(asJson(mutate(buildReport())))).toBe(false);
  });

  it('describes every property and lists every property as required', () => {
    const problems: string[] = [];
    walk(schema, '#', problems);
    expect(problems).toEqual([]);
  });
});

type Node = Record<string, unknown>;

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Visits every subschema; each object schema's properties must have descriptions and all be required. */
function walk(node: unknown, path: string, problems: string[]): void {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) walk(item, `${path}/${i}`, problems);
    return;
  }
  if (!isNode(node)) return;
  if (isNode(node.properties)) checkObject(node, node.properties, path, problems);
  for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`, problems);
}

function checkObject(node: Node, properties: Node, path: string, problems: string[]): void {
  const required = Array.isArray(node.required) ? node.required : [];
  if (node.additionalProperties !== false) problems.push(`${path}: additionalProperties is not false`);
  for (const [name, property] of Object.entries(properties)) {
    const description = isNode(property) ? property.description : undefined;
    if (typeof description !== 'string' || description.trim() === '') problems.push(`${path}/properties/${name}: no description`);
    if (!required.includes(name)) problems.push(`${path}/properties/${name}: not required`);
  }
}
