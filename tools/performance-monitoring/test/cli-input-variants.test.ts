// Logs shaped as other loggers write them (docs/sources.md, issue 25): upper-case and worded
// failures, outcome booleans, aliased column names, --map, epoch seconds with --time-unit, a
// missing column, nothing usable, an empty file; each through the CLI as NDJSON, CSV and stdin,
// giving the right figures or the one right error.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../harness/cli.js';

const UNTIL = '2025-12-06T12:00:00.000Z';
const END = Date.parse(UNTIL);

/** 40 operations in the last hour, two services; every 5th failed. */
interface Op {
  service: string;
  at: number;
  duration: number;
  failed: boolean;
}
const OPS: Op[] = Array.from({ length: 40 }, (_, i) => ({
  service: i % 2 === 0 ? 'hubspot' : 'n8n',
  at: END - (i + 1) * 60_000,
  duration: 100 + 10 * i,
  failed: i % 5 === 0,
}));
// Expected figures, from the generator's own flags.
const TOTAL = OPS.length;
const FAILED = OPS.filter((op) => op.failed).length;
const AVG = OPS.reduce((sum, op) => sum + op.duration, 0) / TOTAL;
const HUBSPOT_FAILED = OPS.filter((op) => op.failed && op.service === 'hubspot').length;

type Fields = Record<string, string | number | boolean>;
interface Variant {
  name: string;
  row: (op: Op) => Fields;
  args?: string[];
  /** What stderr must say (the fields line), if anything. */
  notice?: RegExp;
}

const iso = (ms: number) => new Date(ms).toISOString();
const canonical = (op: Op, status: string): Fields => ({
  source: op.service,
  created_at: iso(op.at),
  duration_ms: op.duration,
  status,
});

const VARIANTS: Variant[] = [
  { name: 'status ERROR or Error', row: (op) => canonical(op, op.failed ? (['ERROR', 'Error'][op.at % 2] ?? 'ERROR') : 'success') },
  { name: 'level ERROR', row: (op) => ({ ...canonical(op, 'info'), level: op.failed ? 'ERROR' : 'info' }) },
  {
    name: 'status failed / failure / FAIL',
    row: (op) => canonical(op, op.failed ? (['failed', 'failure', 'FAIL'][op.at % 3] ?? 'failed') : 'ok'),
  },
  {
    name: 'success: false, no status',
    row: (op) => ({ source: op.service, created_at: iso(op.at), duration_ms: op.duration, success: !op.failed }),
    notice: /read failed from 'success' = false/,
  },
  {
    name: 'ok: false beside status success',
    row: (op) => ({ ...canonical(op, 'success'), ok: !op.failed }),
    notice: /read failed from 'ok' = false/,
  },
  {
    name: 'service, timestamp, duration',
    row: (op) => ({ service: op.service, timestamp: iso(op.at), duration: op.duration, status: op.failed ? 'error' : 'success' }),
    notice:
      /read source from 'service', duration_ms from 'duration', created_at from 'timestamp' \(choose others with --map column=field\)$/m,
  },
  {
    name: 'svc, @timestamp, latency_ms, op',
    row: (op) => ({
      svc: op.service,
      '@timestamp': iso(op.at),
      latency_ms: op.duration,
      op: 'sync',
      status: op.failed ? 'error' : 'success',
    }),
    notice: /read source from 'svc', operation from 'op', duration_ms from 'latency_ms', created_at from '@timestamp'/,
  },
  {
    name: '--map for fields no alias covers',
    row: (op) => ({ component: op.service, logged_at: iso(op.at), took: op.duration, outcome: op.failed ? 'error' : 'success' }),
    args: ['--map', 'source=component', '--map', 'created_at=logged_at', '--map', 'duration_ms=took', '--map', 'status=outcome'],
    notice: /read source from 'component', status from 'outcome', duration_ms from 'took', created_at from 'logged_at'/,
  },
  {
    name: 'epoch seconds with --time-unit s',
    row: (op) => ({ source: op.service, created_at: op.at / 1000, duration_ms: op.duration, status: op.failed ? 'error' : 'success' }),
    args: ['--time-unit', 's'],
  },
];

type Carrier = 'ndjson' | 'csv' | 'stdin-ndjson' | 'stdin-csv';

function ndjsonOf(rows: Fields[]): string {
  return `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
}

function csvOf(rows: Fields[]): string {
  const header = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: Fields[string] | undefined) => (value === undefined ? '' : String(value));
  return `${[header.join(','), ...rows.map((row) => header.map((name) => cell(row[name])).join(','))].join('\n')}\n`;
}

let dir: string;
beforeAll(() => {
  dir = emptyDir('perfmon-variants-');
});

/** Runs the CLI on `rows` carried as `carrier`; JSON report on stdout. */
function run(rows: Fields[], carrier: Carrier, args: string[] = [], name = 'logs') {
  const text = carrier.endsWith('csv') ? csvOf(rows) : ndjsonOf(rows);
  const common = ['--until', UNTIL, '--hours', '1', '--format', 'json', ...args];
  if (carrier.startsWith('stdin')) {
    return runCli(['--input', '-', '--input-format', carrier === 'stdin-csv' ? 'csv' : 'ndjson', ...common], { stdin: text });
  }
  const file = join(dir, `${name}.${carrier}`);
  writeFileSync(file, text);
  return runCli(['--input', file, ...common]);
}

const CARRIERS: Carrier[] = ['ndjson', 'csv', 'stdin-ndjson', 'stdin-csv'];

describe('each variant gives the figures of the canonical file', () => {
  it.each(VARIANTS.flatMap((variant) => CARRIERS.map((carrier) => [variant.name, carrier, variant] as const)))(
    '%s (%s)',
    async (_name, carrier, variant) => {
      const { code, stdout, stderr } = await run(OPS.map(variant.row), carrier, variant.args, variant.name.replace(/\W+/g, '-'));
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(code).toBe(0);
      const report = JSON.parse(stdout);
      expect(report.overall.totalOperations).toBe(TOTAL);
      expect(report.overall.failedOperations).toBe(FAILED);
      expect(report.overall.avgDuration).toBeCloseTo(AVG, 1);
      const hubspot = report.services.find((s: { service: string }) => s.service === 'hubspot');
      expect(hubspot.operations.failed).toBe(HUBSPOT_FAILED);
      if (variant.notice) expect(stderr).toMatch(variant.notice);
      else expect(stderr).toBe('');
    },
  );
});

describe('the one right error', () => {
  it.each(CARRIERS)('a missing source column is exit 2 naming it, in one line (%s)', async (carrier) => {
    const rows = OPS.map((op) => ({ component: op.service, created_at: iso(op.at), duration_ms: op.duration }));
    const { code, stdout, stderr } = await run(rows, carrier, [], 'no-source');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/no 'source' column \(nor service, svc, app\); name the field with --map source=<field>/);
  });

  it.each(CARRIERS)('a missing created_at column is exit 2 naming it (%s)', async (carrier) => {
    const rows = OPS.map((op) => ({ service: op.service, when: iso(op.at), duration_ms: op.duration }));
    const { code, stderr } = await run(rows, carrier, [], 'no-time');
    expect(code).toBe(2);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/no 'created_at' column \(nor timestamp, time, @timestamp, ts\)/);
  });

  it.each(CARRIERS)('a --map naming a field the file lacks is exit 2 (%s)', async (carrier) => {
    const { code, stderr } = await run(
      OPS.map((op) => canonical(op, 'success')),
      carrier,
      ['--map', 'source=component'],
      'no-field',
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/--map source='component': the file has no field 'component'/);
  });

  it.each(CARRIERS)('epoch seconds without --time-unit: every row skipped, exit 2, with the hint (%s)', async (carrier) => {
    const rows = OPS.map((op) => ({ source: op.service, created_at: op.at / 1000, duration_ms: op.duration, status: 'success' }));
    const { code, stdout, stderr } = await run(rows, carrier, [], 'seconds');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/created_at of 40 rows looks like epoch seconds.*use --time-unit s/);
    expect(stderr).toMatch(/every row was skipped \(40 rows, none usable\)/);
  });

  it.each(['ndjson', 'csv'] as const)('an empty %s file says so, and reports no data (exit 0)', async (format) => {
    const file = join(dir, `empty.${format}`);
    writeFileSync(file, '');
    const { code, stdout, stderr } = await runCli(['--input', file, '--until', UNTIL, '--format', 'json']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/--input '.*empty\.(ndjson|csv)': the file is empty \(no rows\)/);
    expect(JSON.parse(stdout).overall.totalOperations).toBe(0);
  });

  it('an empty stdin says so', async () => {
    const { code, stderr } = await runCli(['--input', '-', '--input-format', 'ndjson', '--until', UNTIL], { stdin: '' });
    expect(stderr).toBe('perf-monitor: --input - (stdin): stdin was empty (no rows)\n');
    expect(code).toBe(0);
  });
});

describe('dataQuality.statuses', () => {
  it('counts the status values, and the text names one that looks like a failure but is not counted', async () => {
    const rows = OPS.map((op) => canonical(op, op.failed ? 'timeout' : 'success'));
    const json = await run(rows, 'ndjson', [], 'timeouts');
    expect(JSON.parse(json.stdout).dataQuality.statuses).toEqual([
      { status: 'success', count: TOTAL - FAILED, failures: 0 },
      { status: 'timeout', count: FAILED, failures: 0 },
    ]);
    const file = join(dir, 'timeouts.ndjson');
    const text = await runCli(['--input', file, '--until', UNTIL, '--hours', '1', '--no-color']);
    expect(text.stdout).toContain(`Data quality: status 'timeout' (${FAILED}) not counted as failed`);
  });
});
