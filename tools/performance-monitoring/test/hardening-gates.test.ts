// Issue 27's gate items as a user meets them, through the real CLI: a --baseline that is a pipe,
// a device or huge; values echoed in --assert/--baseline errors; impossible baseline figures and
// a byte-order mark; reasons that grew with the square of the services; DATABASE_URL's redaction.
import { execFileSync } from 'node:child_process';
import { readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, emptyDir, runCli } from '../harness/cli.js';
import { THRESHOLD, UNTIL, writeNdjson } from '../harness/hand-dataset.js';

const THEN_UNTIL = '2025-11-19T10:00:00Z';
let dir: string;
let ndjson: string;
let baseline: string;

const now = (...extra: string[]) => ['--input', ndjson, '--until', UNTIL, '--threshold', THRESHOLD, ...extra];

beforeAll(async () => {
  dir = emptyDir('perfmon-hardening-gates-');
  ndjson = writeNdjson(dir);
  const saved = await runCli(['--input', ndjson, '--until', THEN_UNTIL, '--threshold', THRESHOLD, '--format', 'json']);
  expect(saved.code).toBe(0);
  baseline = join(dir, 'before.json');
  writeFileSync(baseline, saved.stdout);
});

/** Exit 2, nothing on stdout, exactly this one stderr line. */
function expectUsageLine(result: CliResult, line: string) {
  expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({
    code: 2,
    stdout: '',
    stderr: `perf-monitor: ${line}\n`,
  });
}

describe('--baseline reads regular files only, up to 64 MiB (issue 27 item 6)', () => {
  const notRegular = 'not a regular file (a pipe or a device?): save a report with --format json > before.json and pass that file';

  it('a named pipe with no writer: exit 2 at once, not a wait for ever', async () => {
    const fifo = join(dir, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    const result = await runCli(now('--baseline', fifo), { timeoutMs: 20_000 });
    expectUsageLine(result, `--baseline '${fifo}': ${notRegular}`);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a symlink to /dev/zero: exit 2, nothing read', async () => {
    const link = join(dir, 'zero.json');
    symlinkSync('/dev/zero', link);
    const started = Date.now();
    const result = await runCli(now('--baseline', link), { timeoutMs: 20_000 });
    expectUsageLine(result, `--baseline '${link}': ${notRegular}`);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a file of 64 MiB + 1 byte (sparse): exit 2, too large', async () => {
    const big = join(dir, 'big.json');
    writeFileSync(big, '{');
    truncateSync(big, 64 * 1024 * 1024 + 1);
    const result = await runCli(now('--baseline', big), { timeoutMs: 20_000 });
    expectUsageLine(result, `--baseline '${big}': larger than 64 MiB, the most a baseline may be (a saved report is ~9 KB per service)`);
  });

  it('a symlink to a saved report is read like the report', async () => {
    const link = join(dir, 'link.json');
    symlinkSync(baseline, link);
    const result = await runCli(now('--baseline', link, '--format', 'json'));
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 3, stderr: '' });
    expect(JSON.parse(result.stdout).gates.baseline.overall.then).toEqual({
      operations: 23,
      errorRate: 0,
      avgDuration: 895.7,
      p95Duration: 1000,
      p99Duration: 1000,
      apdex: 1,
      samples: 23,
    });
  });
});

/** expectUsageLine, and the line is short and holds no control character a terminal acts on. */
function expectShortLine(result: CliResult, line: string) {
  expectUsageLine(result, line);
  expect(result.stderr.length).toBeLessThanOrEqual(300);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the check is that no C0/C1 control character reaches stderr.
  expect(result.stderr.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
}

describe('values in --assert and --baseline errors are escaped and clipped (issue 27 item 9)', () => {
  const METRICS = 'use one of errorRate, successRate, avgDuration, p50Duration, p95Duration, p99Duration, apdex, healthScore, operations';

  it('--assert: a newline stays one line', async () => {
    expectShortLine(
      await runCli(now('--assert', 'p95\nDuration<1')),
      "--assert 'p95\\nDuration<1': unknown metric 'p95\\nDuration' (did you mean p95Duration?)",
    );
  });

  it('--assert: an escape sequence is shown as \\u001b, never sent', async () => {
    expectShortLine(await runCli(now('--assert', '\u001b[2Jx<1')), `--assert '\\u001b[2Jx<1': unknown metric '\\u001b[2Jx': ${METRICS}`);
  });

  it('--assert: a 120 KB expression is clipped (80 characters, its metric 40)', async () => {
    const result = await runCli(now('--assert', `${'x'.repeat(120_000)}<1`));
    expectShortLine(result, `--assert '${'x'.repeat(80)}…': unknown metric '${'x'.repeat(40)}…': ${METRICS}`);
  });

  it('--assert: __proto__ and constructor are unknown metrics, nothing from the prototype suggested', async () => {
    expectShortLine(await runCli(now('--assert', '__proto__<1')), `--assert '__proto__<1': unknown metric '__proto__': ${METRICS}`);
    expectShortLine(await runCli(now('--assert', 'constructor<1')), `--assert 'constructor<1': unknown metric 'constructor': ${METRICS}`);
  });

  it('--assert: 400 digits are no limit (Infinity would hold for ever)', async () => {
    const result = await runCli(now('--assert', `p95Duration<${'9'.repeat(400)}`));
    expectShortLine(result, `--assert 'p95Duration<${'9'.repeat(68)}…': '${'9'.repeat(40)}…' is too large to be a limit`);
  });

  it('--baseline: a path with a newline and an escape sequence, one line', async () => {
    const result = await runCli(now('--baseline', 'a\nb\u001b[2J.json'));
    expectShortLine(result, "--baseline 'a\\nb\\u001b[2J.json': cannot read it: ENOENT: no such file or directory");
  });

  it('--baseline: a 120 KB path keeps its start and its end', async () => {
    const result = await runCli(now('--baseline', `${'x'.repeat(120_000)}.json`));
    expectShortLine(result, `--baseline '${'x'.repeat(40)}…${'x'.repeat(35)}.json': cannot read it: ENAMETOOLONG: name too long`);
  });

  it('--baseline: a schemaVersion of 1,000 characters with a C1 CSI is escaped and clipped', async () => {
    const file = join(dir, 'odd-version.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: `\u009b2J${'q'.repeat(1000)}` }));
    const result = await runCli(now('--baseline', file));
    expectShortLine(result, `--baseline '${file}': schemaVersion "\\u009b2J${'q'.repeat(37)}…" is not one this tool writes (it reads 1)`);
  });
});

/** The saved baseline, edited, as a new file. */
function editedBaseline(name: string, edit: (report: Json) => void, raw: (text: string) => string = (t) => t): string {
  const report = JSON.parse(readFileSync(baseline, 'utf8')) as Json;
  edit(report);
  const path = join(dir, name);
  writeFileSync(path, raw(JSON.stringify(report)));
  return path;
}

/** A parsed report, edited in place: loosely typed on purpose. */
// biome-ignore lint/suspicious/noExplicitAny: the test edits a parsed report's nested fields in place; a typed walk would hide what is edited.
type Json = Record<string, any>;

describe('impossible figures in a baseline are refused, naming the field and the value (issue 27 item 12)', () => {
  const cases: [string, (r: Json) => void, string, ((t: string) => string)?][] = [
    ['an error rate of -1e308', (r) => (r.overall.errorRate = -1e308), 'overall.errorRate must be a percentage from 0 to 100, not -1e+308'],
    ['an Apdex of 1e300', (r) => (r.services[0].apdex = 1e300), 'services[0].apdex must be an Apdex from 0 to 1, not 1e+300'],
    [
      'a negative p95',
      (r) => (r.services[0].performance.p95Duration = -5),
      'services[0].performance.p95Duration must be a duration >= 0 ms, not -5',
    ],
    ['"NaN" as a string', (r) => (r.overall.avgDuration = 'NaN'), 'overall.avgDuration must be a number or null, not "NaN"'],
    [
      '1e999 (Infinity once parsed)',
      (r) => (r.overall.p99Duration = 'INF'),
      'overall.p99Duration must be a number or null, not Infinity',
      (t) => t.replace('"INF"', '1e999'),
    ],
    ['1e300 operations', (r) => (r.overall.totalOperations = 1e300), 'overall.totalOperations must be a count, not 1e+300'],
    [
      'more failures than operations',
      (r) => (r.overall.failedOperations = 24),
      'overall.failedOperations must be at most the operations (23), not 24',
    ],
    ['a threshold of 0', (r) => (r.threshold = 0), 'threshold must be a threshold from 1 to 3600000 ms, not 0'],
    [
      'a window start that is no time',
      (r) => (r.period.start = '\u001b[2Jx'),
      'period.start must be an ISO-8601 UTC time, not "\\u001b[2Jx"',
    ],
  ];
  it.each(cases)('%s', async (name, edit, what, raw) => {
    const file = editedBaseline(`impossible-${cases.findIndex((c) => c[0] === name)}.json`, edit, raw);
    expectShortLine(await runCli(now('--baseline', file)), `--baseline '${file}': not a perf-monitor report: ${what}`);
  });
});

describe('a baseline with a byte-order mark is read (issue 27 item 12)', () => {
  const THEN = { operations: 23, errorRate: 0, avgDuration: 895.7, p95Duration: 1000, p99Duration: 1000, apdex: 1, samples: 23 };
  const boms: [string, (text: string) => Buffer][] = [
    ['UTF-8 (Out-File -Encoding utf8)', (t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t, 'utf8')])],
    ['UTF-16 LE (Windows PowerShell >)', (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')])],
  ];
  it.each(boms)('%s', async (name, encode) => {
    const file = join(dir, `bom-${name.split(' ')[0]}.json`);
    writeFileSync(file, encode(readFileSync(baseline, 'utf8')));
    const result = await runCli(now('--baseline', file, '--format', 'json'));
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 3, stderr: '' });
    expect(JSON.parse(result.stdout).gates.baseline.overall.then).toEqual(THEN);
  });
});

describe('reasons of a baseline whose services all changed stay bounded (issue 27 item 13)', () => {
  const SERVICES = 3000;
  /** One operation per service in the current window, names `svc-0000`...; the baseline's are `old-0000`... */
  const rows = Array.from({ length: SERVICES }, (_, i) => ({
    id: i + 1,
    source: `svc-${String(i).padStart(4, '0')}`,
    operation: 'op',
    level: 'info',
    status: 'success',
    message: null,
    duration_ms: 100,
    created_at: '2025-11-20T09:00:00.000Z',
  }));

  it('3,000 services gone and 3,000 new: each reason lists 5 new names and a count; the comparison < 5 MB of JSON, in < 60 s', async () => {
    const logs = writeNdjson(dir, rows, 'many.ndjson');
    const args = ['--input', logs, '--until', UNTIL, '--format', 'json'];
    const saved = await runCli(args);
    expect(saved.code).toBe(0);
    const report = JSON.parse(saved.stdout) as Json;
    for (const s of report.services as Json[]) s.service = s.service.replace('svc-', 'old-');
    const file = join(dir, 'many-before.json');
    writeFileSync(file, JSON.stringify(report));
    const started = Date.now();
    const result = await runCli([...args, '--baseline', file], { timeoutMs: 120_000 });
    const seconds = (Date.now() - started) / 1000;
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 3, stderr: '' });
    // The report itself is ~27 MB here (each service's timeline): the bound is on what the
    // comparison adds, as the JSON prints it (indented). Unbounded reasons made it ~94 MB.
    const comparison = JSON.parse(result.stdout).gates.baseline as Json;
    const added = JSON.stringify(comparison, null, 2).length;
    expect(added).toBeLessThan(5_000_000);
    expect(result.stdout.length).toBeLessThan(saved.stdout.length + 5_000_000);
    expect(seconds).toBeLessThan(60);
    const entries = comparison.services as Json[];
    expect(entries).toHaveLength(2 * SERVICES);
    expect(entries[SERVICES]).toMatchObject({
      service: 'old-0000',
      regression: true,
      reasons: [
        'absent now (1 operations in the baseline); new since the baseline: svc-0000, svc-0001, svc-0002, svc-0003, svc-0004 and 2,995 more (renamed? save a new baseline)',
      ],
    });
    console.log(
      `issue 27 item 13: report ${saved.stdout.length} B, with the comparison ${result.stdout.length} B (gates.baseline ${added} B), ${seconds} s`,
    );
  });
});

describe("DATABASE_URL's secrets are redacted, not its database's name (issue 27 item 14)", () => {
  const env = { DATABASE_URL: 'postgres://u:secretpw@127.0.0.1:1/perf', PERFMON_TIMEOUT_MS: '3000' };

  it('a path holding the database name (perf) is shown whole', async () => {
    const result = await runCli(['--baseline', 'tools/performance-monitoring/none.json'], { env });
    expectUsageLine(result, "--baseline 'tools/performance-monitoring/none.json': cannot read it: ENOENT: no such file or directory");
  });

  it('the password is redacted wherever it appears, the words around it kept', async () => {
    const result = await runCli(['--baseline', 'secretpw/performance.json'], { env });
    expectUsageLine(result, "--baseline '[redacted]/performance.json': cannot read it: ENOENT: no such file or directory");
  });

  it('the URL as written is redacted whole', async () => {
    const result = await runCli(['--baseline', env.DATABASE_URL], { env });
    expectUsageLine(result, "--baseline '[redacted]': cannot read it: ENOENT: no such file or directory");
  });

  it('the database pointing nowhere: one line, exit 1, no password', async () => {
    const result = await runCli(['--service', 'performance'], { env });
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'perf-monitor: PostgreSQL at 127.0.0.1:1: connection refused\n' });
  });

  it('a password that is not valid percent-encoding is no crash at startup', async () => {
    const result = await runCli([], { env: { ...env, DATABASE_URL: 'postgres://u:a%zz@127.0.0.1:1/perf' } });
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'perf-monitor: PostgreSQL at 127.0.0.1:1: query failed: URI malformed\n' });
  });
});
