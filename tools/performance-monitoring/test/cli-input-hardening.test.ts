// Issue 14 items 7-10 and issue 16's file items, as a user meets them: values echoed safely,
// the edges of time, one odd row no longer refusing a file, paths read as checked, stdin.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, comparable, emptyDir, runCli } from '../harness/cli.js';
import { HAND_ROWS, UNTIL, writeCsv, writeJsonArray, writeNdjson } from '../harness/hand-dataset.js';

let dir: string;
let ndjson: string;
let plain: CliResult;
const JSON_ARGS = ['--until', UNTIL, '--format', 'json'];

beforeAll(async () => {
  dir = emptyDir('perfmon-hardening-');
  ndjson = writeNdjson(dir);
  plain = await runCli(['--input', ndjson, ...JSON_ARGS]);
  expect(plain.code).toBe(0);
});

function expectOneLineError(result: CliResult, code: number, pattern: RegExp) {
  expect(result.stdout).toBe('');
  expect(result.code).toBe(code);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

/** The same report as the plain hand dataset, with `skipped` rows counted. */
function expectHandReport(result: CliResult, skipped: number) {
  expect(result.code).toBe(0);
  const report = comparable(result.stdout);
  expect((report.dataQuality as { skippedRows: number }).skippedRows).toBe(skipped);
  const base = comparable(plain.stdout);
  expect({ ...report, dataQuality: null }).toEqual({ ...base, dataQuality: null });
}

describe('values in usage errors are escaped and clipped (issue 14 item 7)', () => {
  it('escape sequences are shown as \\u001b, never sent to the terminal', async () => {
    const result = await runCli(['--demo', '--format', '\u001b[2J\u001b[31mX']);
    expectOneLineError(
      result,
      2,
      /^perf-monitor: --format '\\u001b\[2J\\u001b\[31mX' is not valid: use text, json, markdown, openmetrics or html\n$/,
    );
    expect(result.stderr).not.toContain('\u001b');
  });

  it('a stray word is escaped too', async () => {
    const result = await runCli(['--demo', '\u001b[2Jhelp']);
    expectOneLineError(result, 2, /^perf-monitor: unexpected argument '\\u001b\[2Jhelp': options start with --/);
  });

  it('a newline in a value stays one line', async () => {
    expectOneLineError(await runCli(['--demo', '--hours', '1\n2']), 2, /^perf-monitor: --hours '1\\n2' is not valid/);
  });

  it('a 100 KB value is clipped to 80 characters and an ellipsis', async () => {
    const result = await runCli(['--demo', '--until', 'x'.repeat(100_000)]);
    expectOneLineError(result, 2, new RegExp(`^perf-monitor: --until '${'x'.repeat(80)}…' is not valid`));
  });

  it('a path with a newline and an escape, one line', async () => {
    const result = await runCli(['--input', 'a\nb\u001b]0;x\u0007.ndjson']);
    expectOneLineError(result, 2, /^perf-monitor: --input 'a\\nb\\u001b\]0;x\\u0007\.ndjson': no such file\n$/);
    // A long path keeps its start and its file name.
    const long = await runCli(['--input', `${'d'.repeat(200)}/logs.ndjson`]);
    expectOneLineError(long, 2, new RegExp(`^perf-monitor: --input '${'d'.repeat(40)}…${'d'.repeat(28)}/logs\\.ndjson': no such file\\n$`));
  });

  it('EMAIL_TO, EMAIL_FROM and EMAIL_PORT are escaped too', async () => {
    const mail = { EMAIL_HOST: '127.0.0.1', EMAIL_FROM: 'perf@example.com', EMAIL_TO: 'ops@example.com' };
    const to = await runCli(['--demo', '--alert'], { env: { ...mail, EMAIL_TO: 'a\u001b[31m@b c' } });
    expectOneLineError(to, 2, /^perf-monitor: EMAIL_TO: 'a\\u001b\[31m@b c' is not an e-mail address/);
    const from = await runCli(['--demo', '--alert'], { env: { ...mail, EMAIL_FROM: `x\ny@${'z'.repeat(200)}` } });
    expectOneLineError(from, 2, new RegExp(`^perf-monitor: EMAIL_FROM: 'x\\\\ny@${'z'.repeat(76)}…' is not an e-mail address`));
    const port = await runCli(['--demo', '--alert'], { env: { ...mail, EMAIL_PORT: '25\u009b2J' } });
    expectOneLineError(port, 2, /^perf-monitor: EMAIL_PORT: '25\\u009b2J' is not a port/);
  });
});

describe('edges of time (issue 14 item 8)', () => {
  it('--until in year 10000 (UTC) is a usage error, not a DuckDB conversion error', async () => {
    expectOneLineError(
      await runCli(['--input', ndjson, '--until', '9999-12-31T23:59:59-14:00']),
      2,
      /--until '9999-12-31T23:59:59-14:00' is not valid/,
    );
    expectOneLineError(
      await runCli(['--input', ndjson, '--until', '2025-11-20T10:00:00+14:30']),
      2,
      /--until '2025-11-20T10:00:00\+14:30' is not valid/,
    );
  });

  it('--until accepts lowercase t and z (RFC 3339)', async () => {
    const result = await runCli(['--input', ndjson, '--until', '2025-11-20t10:00:00z', '--format', 'json']);
    expect(comparable(result.stdout)).toEqual(comparable(plain.stdout));
  });

  it('impossible created_at values are skipped and counted, epoch seconds get a hint', async () => {
    const path = join(dir, 'times.ndjson');
    const op = { source: 'a', status: 'success', duration_ms: 100 };
    const impossible = [
      'infinity',
      '-infinity',
      '0000-01-01T00:00:00Z',
      '10000-01-01T00:00:00Z',
      '2025-11-20T24:00:00Z',
      '2025-11-20T08:00:00+99:00',
      '2025-11-20T08:00:00-14:30',
      '1999-12-31T23:59:59Z',
      1763632800,
      '1763632800',
      0,
      -5,
    ];
    const rows = [
      { ...op, created_at: '2025-11-20T09:00:00Z' },
      { ...op, duration_ms: 300, created_at: '2025-11-20t09:30:00z' },
      { ...op, duration_ms: 500, created_at: '2025-11-20T23:00:00+14:00' }, // 09:00Z
      ...impossible.map((created_at) => ({ ...op, created_at })),
    ];
    writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n'));
    const { code, stdout, stderr } = await runCli(['--input', path, ...JSON_ARGS]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.dataQuality.skippedRows).toBe(12);
    expect(report.overall).toMatchObject({ totalOperations: 3, avgDuration: 300 });
    expect(stderr.trimEnd().split('\n')).toEqual([
      `perf-monitor: --input '${path}': created_at of 2 rows looks like epoch seconds; numbers are read as epoch milliseconds (these fall before 2000 and are skipped): use --time-unit s, or write ISO-8601`,
      'perf-monitor: skipped 12 input rows with an unusable created_at, source or duration_ms',
    ]);
  });

  it('a window without operations says when the input happened and which --until to try', async () => {
    const { code, stdout, stderr } = await runCli(['--input', ndjson, '--until', '2025-12-01T00:00:00Z', '--format', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).overall.totalOperations).toBe(0);
    // The hand dataset's operations run from 2025-11-18T09:59:59.999Z to 2025-11-20T10:00:00.000Z.
    expect(stderr).toBe(
      'perf-monitor: no operations in the window; the input spans 2025-11-18T09:59:59.999Z .. 2025-11-20T10:00:00.000Z: try --until 2025-11-20T10:01:00Z\n',
    );
  });

  it('no such hint when the window holds operations, even ones only a case-blind status makes operations', async () => {
    const path = join(dir, 'capital-status.ndjson');
    const rows = [
      // Outside both windows (the report's end is 2025-11-20T10:00Z, 24 hours): the input's span.
      { source: 'api', operation: 'get', status: 'success', duration_ms: 100, created_at: '2025-11-10T10:00:00Z' },
      // In the window, an operation by its status alone, written in capitals (docs/sources.md).
      { source: 'api', operation: 'get', status: 'SUCCESS', created_at: '2025-11-20T09:00:00Z' },
    ];
    writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n'));
    const { code, stdout, stderr } = await runCli(['--input', path, ...JSON_ARGS]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).overall.totalOperations).toBe(1);
    expect(stderr).toBe('');
  });

  it('the hint counts operations as the report does: a capitalised status alone makes one', async () => {
    const path = join(dir, 'capital-status-outside.ndjson');
    // The only operation, 10 days before the window, is one by its status (no duration).
    const row = { source: 'api', operation: 'get', status: 'Error', created_at: '2025-11-10T10:00:00Z' };
    writeFileSync(path, `${JSON.stringify(row)}\n`);
    const { code, stdout, stderr } = await runCli(['--input', path, ...JSON_ARGS]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).overall.totalOperations).toBe(0);
    expect(stderr).toBe(
      'perf-monitor: no operations in the window; the input spans 2025-11-10T10:00:00.000Z .. 2025-11-10T10:00:00.000Z: try --until 2025-11-10T10:01:00Z\n',
    );
  });
});

describe('one odd row no longer refuses the file (issue 14 item 9, issue 16)', () => {
  it('a UTF-8 BOM at the start of NDJSON and of a JSON array', async () => {
    const withBom = (path: string) => {
      writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(path)]));
      return path;
    };
    expectHandReport(await runCli(['--input', withBom(writeNdjson(emptyDir(), HAND_ROWS, 'bom.ndjson')), ...JSON_ARGS]), 0);
    expectHandReport(await runCli(['--input', withBom(writeJsonArray(emptyDir())), ...JSON_ARGS]), 0);
  });

  it('a lone surrogate, even in the unread id column, skips that row only', async () => {
    const path = writeNdjson(emptyDir(), HAND_ROWS, 'surrogate.ndjson');
    writeFileSync(
      path,
      readFileSync(path, 'utf8') +
        '{"id":"\\ud800","source":"api","status":"success","duration_ms":1,"created_at":"2025-11-20T09:00:00Z"}\n',
    );
    const result = await runCli(['--input', path, ...JSON_ARGS]);
    expectHandReport(result, 1);
    expect(result.stderr).toBe(
      `perf-monitor: --input '${path}': skipped 1 unreadable row (first: line ${HAND_ROWS.length + 1}, a lone UTF-16 surrogate (U+D800..U+DFFF) in a string)\n`,
    );
  });

  it('a malformed NDJSON line is a skipped row, named by its real line number', async () => {
    const path = join(dir, 'broken.ndjson');
    const lines = readFileSync(ndjson, 'utf8').split('\n');
    lines.splice(1, 0, '{"source": oops');
    writeFileSync(path, lines.join('\n'));
    const result = await runCli(['--input', path, ...JSON_ARGS]);
    expectHandReport(result, 1);
    expect(result.stderr).toMatch(
      /^perf-monitor: --input '.*broken\.ndjson': skipped 1 unreadable row \(first: line 2, not JSON \(.*\)\)\n$/,
    );
  });

  it('a file with no readable line is still exit 2', async () => {
    const path = join(dir, 'garbage.ndjson');
    writeFileSync(path, 'hello\n[1, 2]\n');
    expectOneLineError(await runCli(['--input', path]), 2, /--input '.*garbage\.ndjson': no readable row \(line 1: not JSON/);
  });

  it('a 3 MB CSV field near the top skips its row, not the file', async () => {
    const path = writeCsv(emptyDir());
    const [header, ...rows] = readFileSync(path, 'utf8').split('\n');
    const huge = `9999,api,orders.list,info,success,${'x'.repeat(3_000_000)},1,2025-11-20T09:00:00Z`;
    writeFileSync(path, [header, rows[0], huge, ...rows.slice(1)].join('\n'));
    const result = await runCli(['--input', path, ...JSON_ARGS]);
    expectHandReport(result, 1);
    expect(result.stderr).toBe(`perf-monitor: --input '${path}': skipped 1 unreadable row (first: line 3, line size over maximum)\n`);
  });
});

describe('paths (issue 14 item 10)', () => {
  it("'~/t.ndjson' reads ./~/t.ndjson, the file that was checked, not $HOME/t.ndjson", async () => {
    const cwd = emptyDir();
    const home = emptyDir();
    mkdirSync(join(cwd, '~'));
    writeNdjson(join(cwd, '~'), HAND_ROWS, 't.ndjson');
    writeNdjson(home, HAND_ROWS.slice(0, 3), 't.ndjson');
    const result = await runCli(['--input', '~/t.ndjson', ...JSON_ARGS], { cwd, env: { HOME: home } });
    expect(comparable(result.stdout)).toEqual(comparable(plain.stdout));
  });

  it('a path that cannot be stat()ed (a symlink loop) is exit 2, like one that cannot be opened', async () => {
    const loop = join(emptyDir(), 'loop.ndjson');
    symlinkSync(loop, loop);
    expectOneLineError(await runCli(['--input', loop]), 2, /--input '.*loop\.ndjson': cannot read: too many levels of symbolic links/);
  });
});

describe('--input - reads stdin (issue 16)', () => {
  it('NDJSON and CSV piped in give the file report, guessed or named by --input-format', async () => {
    const ndjsonText = readFileSync(ndjson);
    const csvText = readFileSync(writeCsv(emptyDir()));
    expectHandReport(await runCli(['--input', '-', ...JSON_ARGS], { stdin: ndjsonText }), 0);
    expectHandReport(await runCli(['--input', '-', ...JSON_ARGS], { stdin: csvText }), 0);
    expectHandReport(await runCli(['--input', '-', '--input-format', 'csv', ...JSON_ARGS], { stdin: csvText }), 0);
  });

  it('a --service without rows asks the source again: stdin is still read once, notices said once', async () => {
    const lines = readFileSync(ndjson, 'utf8').split('\n');
    lines.splice(1, 0, '{"source": oops');
    const result = await runCli(['--input', '-', '--service', 'API', ...JSON_ARGS], { stdin: lines.join('\n') });
    expect(result.code).toBe(0);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^perf-monitor: --input - \(stdin\): skipped 1 unreadable row \(first: line 2, not JSON/),
      "perf-monitor: no operations of service 'API' in either window; did you mean api? services with operations: api, batch, legacy",
    ]);
  });

  it('stdin only once', async () => {
    expectOneLineError(await runCli(['--input', '-', '-'], { stdin: '' }), 2, /--input - \(stdin\) can be given only once/);
  });
});
