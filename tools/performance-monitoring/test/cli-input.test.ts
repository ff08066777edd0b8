// Bad input of every kind (docs/cli.md, issue 2 item 6): one clear line on stderr, the right exit
// code, no stack trace, nothing on stdout.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../harness/cli.js';
import { UNTIL, writeNdjson } from '../harness/hand-dataset.js';

let dir: string;
let ndjson: string;

beforeAll(() => {
  dir = emptyDir('perfmon-input-');
  ndjson = writeNdjson(dir);
});

function expectOneLineError(result: { code: number | null; stdout: string; stderr: string }, code: number, pattern: RegExp) {
  expect(result.stdout).toBe('');
  expect(result.code).toBe(code);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('option validation', () => {
  it.each([
    [['--hours', 'abc'], /--hours 'abc' is not valid: use a number of hours > 0 and <= 8760/],
    [['--hours', '0'], /--hours '0'/],
    [['--hours', '-1'], /--hours '-1'/],
    [['--hours', '8760.5'], /--hours '8760.5'/],
    [['--hours', '1e3'], /--hours '1e3'/],
    [['--threshold', '0'], /--threshold '0' is not valid: use a whole number of milliseconds from 1 to 3,600,000/],
    [['--threshold', '1.5'], /--threshold '1.5'/],
    [['--threshold', '3600001'], /--threshold '3600001'/],
    [['--format', 'xml'], /--format 'xml' is not valid: use text, json, markdown, openmetrics or html/],
    [['--until', 'yesterday'], /--until 'yesterday' is not valid: use an ISO-8601 time/],
    [['--until', '2025-13-45T99:00:00Z'], /--until '2025-13-45T99:00:00Z'/],
    [['--source', 'mysql'], /--source 'mysql' is not valid: use one of demo, file, supabase, postgres/],
    [['--source', 'file'], /--source file needs --input/],
    [['--source', 'postgres'], /--source postgres needs DATABASE_URL/],
    [['--fail-under', '101'], /--fail-under '101' is not valid: use a health score from 0 to 100/],
    [['--fail-under', 'high'], /--fail-under 'high'/],
    [['--service', ''], /--service '' is not valid/],
    [['--until', '2025-02-30'], /--until '2025-02-30' is not valid/],
    [['--until', '2025-04-31T10:00:00Z'], /--until '2025-04-31T10:00:00Z'/],
    [['--until', '2025-11-20T24:00:00Z'], /--until '2025-11-20T24:00:00Z'/],
    [['--until', '0000-01-01'], /--until '0000-01-01'/],
    [['--hours', '0.0000001'], /--hours '0.0000001'/],
    [['--alert-repeat', '5x'], /--alert-repeat '5x' is not valid: use a duration of at least 1s/],
    [['--hours'], /option '--hours <n>' argument missing/],
    [['--hourz', '5'], /unknown option '--hourz'.*Did you mean --hours\?/],
    [['extra'], /^perf-monitor: unexpected argument 'extra': options start with -- \(see --help\)$/m],
    [['help'], /^perf-monitor: unexpected argument 'help': options start with -- \(see --help\)$/m],
  ])('%j exits 2 with one line', async (args, pattern) => {
    expectOneLineError(await runCli(['--demo', ...args]), 2, pattern);
  });

  it('accepts decimal hours and the 8760 maximum', async () => {
    for (const hours of ['0.5', '8760']) {
      const { code, stdout } = await runCli(['--input', ndjson, '--until', UNTIL, '--hours', hours, '--format', 'json']);
      expect(code).toBe(0);
      expect(JSON.parse(stdout).period.hours).toBe(Number(hours));
    }
  });

  it('without any source explains the three ways to get data (exit 2)', async () => {
    const { code, stdout, stderr } = await runCli([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('--demo');
    expect(lines[1]).toContain('--input');
    expect(lines[2]).toContain('SUPABASE_URL');
    expect(lines[2]).toContain('DATABASE_URL');
  });

  it('--help and --version exit 0 on stdout', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--fail-under <score>');
    expect(help.stdout).toContain('Examples:');
    const version = await runCli(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: '1.0.0\n' });
  });
});

describe('input files', () => {
  it('a missing file is a usage error', async () => {
    expectOneLineError(await runCli(['--input', join(dir, 'nope.ndjson')]), 2, /--input '.*nope\.ndjson': no such file/);
  });

  it('an unknown file type is a usage error', async () => {
    const path = join(dir, 'logs.txt');
    writeFileSync(path, 'hello');
    expectOneLineError(await runCli(['--input', path]), 2, /unknown file type; use \.ndjson, \.jsonl, \.json, \.csv or \.parquet/);
  });

  it('a name with glob characters is a usage error (DuckDB would read it as a pattern)', async () => {
    const path = join(dir, 'star*.ndjson');
    writeFileSync(path, '');
    expectOneLineError(await runCli(['--input', path]), 2, /names with \*, \? or \[ are not supported/);
  });

  it('a directory is a usage error', async () => {
    const sub = emptyDir();
    const path = join(sub, 'x.json');
    mkdirSync(path);
    expectOneLineError(await runCli(['--input', path]), 2, /not a regular file/);
  });

  it('a JSON array that does not parse is one line naming the file (its rows cannot be told apart)', async () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '[{"source":"a","created_at":"2025-11-20T09:00:00Z"},\n{"source": oops}]\n');
    expectOneLineError(await runCli(['--input', path]), 2, /--input '.*broken\.json': not a valid JSON array: /);
  });

  it('a CSV without created_at names the missing column', async () => {
    const path = join(dir, 'nocol.csv');
    writeFileSync(path, 'source,duration_ms\na,1\n');
    expectOneLineError(await runCli(['--input', path]), 2, /no 'created_at' column/);
  });

  it('skips unusable rows, counts them and says so on stderr', async () => {
    const path = join(dir, 'dirty.ndjson');
    const good = { source: 'a', status: 'success', level: 'info', duration_ms: 100, created_at: '2025-11-20T09:00:00Z' };
    const rows = [
      good,
      { ...good, created_at: 'not a date' },
      { ...good, created_at: null },
      { ...good, source: null },
      { ...good, source: '  ' },
      { ...good, duration_ms: 'fast' },
      { ...good, duration_ms: 250, created_at: Date.parse('2025-11-20T09:30:00Z') },
    ];
    writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n'));
    const { code, stdout, stderr } = await runCli(['--input', path, '--until', UNTIL, '--format', 'json']);
    expect(code).toBe(0);
    expect(stderr).toBe('perf-monitor: skipped 4 input rows with an unusable created_at, source or duration_ms\n');
    const report = JSON.parse(stdout);
    expect(report.dataQuality.skippedRows).toBe(4);
    // A blank source is kept, grouped as (none), as PostgreSQL and the RPC do.
    expect(report.services.map((s: { service: string; operations: { total: number } }) => [s.service, s.operations.total])).toEqual([
      ['a', 2],
      ['(none)', 1],
    ]);
    expect(report.overall.avgDuration).toBe(150);
  });

  it('keeps fractional durations exact, whether written as numbers or padded text', async () => {
    // Whole-number durations are stored as integers to sort faster; fractions must not be rounded.
    const path = join(dir, 'fractions.ndjson');
    const row = { source: 'a', status: 'success', created_at: '2025-11-20T09:00:00Z' };
    const durations = [10.5, '20.25', 30.75, ' 41 '];
    writeFileSync(path, durations.map((d) => JSON.stringify({ ...row, duration_ms: d })).join('\n'));
    const { code, stdout } = await runCli(['--input', path, '--until', UNTIL, '--format', 'json']);
    expect(code).toBe(0);
    // Sum 102.5 over 4; p50 between 20.25 and 30.75; p95 at rank 2.85: 30.75 + 0.85 * 10.25 = 39.4625.
    expect(JSON.parse(stdout).overall).toMatchObject({
      avgDuration: 25.6,
      p50Duration: 25.5,
      p95Duration: 39.5,
      minDuration: 10.5,
      maxDuration: 41,
    });
  });

  it('reads several files of different formats as one dataset', async () => {
    const a = join(dir, 'part-a.ndjson');
    const b = join(dir, 'part-b.csv');
    writeFileSync(a, JSON.stringify({ source: 'x', status: 'success', duration_ms: 100, created_at: '2025-11-20T09:00:00Z' }));
    writeFileSync(b, 'source,status,duration_ms,created_at\nx,error,300,2025-11-20T09:10:00Z\n');
    const { code, stdout } = await runCli(['--input', a, b, '--until', UNTIL, '--format', 'json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.overall).toMatchObject({ totalOperations: 2, failedOperations: 1, avgDuration: 200 });
  });
});

describe('environment and .env', () => {
  it('reads .env from the working directory, quietly, and the real environment wins', async () => {
    const cwd = emptyDir();
    // .env points at a closed port; the real environment's --demo-free choice must come from .env.
    writeFileSync(join(cwd, '.env'), 'DATABASE_URL=postgres://u:hunter2secret@127.0.0.1:1/db\nPERFMON_TIMEOUT_MS=2000\n');
    const fromDotenv = await runCli(['--format', 'json'], { cwd });
    expectOneLineError(fromDotenv, 1, /PostgreSQL at 127\.0\.0\.1:1: connection refused/);
    expect(fromDotenv.stderr).not.toContain('hunter2secret');
    const realWins = await runCli(['--format', 'json'], { cwd, env: { PERFMON_TIMEOUT_MS: 'soon' } });
    expectOneLineError(realWins, 2, /PERFMON_TIMEOUT_MS 'soon' is not valid/);
  });

  it('a .env file never reaches stdout: the JSON report still parses', async () => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, '.env'), 'PERFMON_TABLE=integration_logs\n');
    const { code, stdout } = await runCli(['--input', ndjson, '--until', UNTIL, '--format', 'json'], { cwd });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).overall.totalOperations).toBe(22);
  });

  it('a bad PERFMON_TABLE is a usage error', async () => {
    expectOneLineError(
      await runCli(['--format', 'json'], { env: { DATABASE_URL: 'postgres://u@127.0.0.1:1/db', PERFMON_TABLE: 'logs; drop table x' } }),
      2,
      /PERFMON_TABLE 'logs; drop table x' is not a table name/,
    );
  });
});

describe('time zones', () => {
  it('reads timestamps without a zone as UTC whatever the machine zone', async () => {
    const path = join(emptyDir(), 'zoneless.csv');
    // 09:30 UTC is inside the window ending 10:00Z; read as New York time it would be 14:30Z, outside.
    writeFileSync(path, 'source,status,duration_ms,created_at\na,success,100,2025-11-20 09:30:00\n');
    const args = ['--input', path, '--until', '2025-11-20T10:00:00', '--hours', '1', '--format', 'json'];
    const { code, stdout } = await runCli(args, { env: { TZ: 'America/New_York' } });
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.period.end).toBe('2025-11-20T10:00:00.000Z');
    expect(report.overall.totalOperations).toBe(1);
  });
});
