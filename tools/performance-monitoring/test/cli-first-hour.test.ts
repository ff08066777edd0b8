// The newcomer's first hour, round three (issue 26): what a user types and the exact text they
// see back, through the real CLI: a mistyped option, `--output -`, durations as ops people type
// them, a misspelt service, and Markdown without escaped colons.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../harness/cli.js';
import { HAND_ROWS, UNTIL, writeNdjson } from '../harness/hand-dataset.js';

describe('a mistyped option', () => {
  it('is one line with the suggestion, no literal \\n', async () => {
    const { code, stdout, stderr } = await runCli(['--hour', '5']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe("perf-monitor: unknown option '--hour' (Did you mean --hours?)\n");
  });
});

describe('--output -', () => {
  it('prints the report on stdout, as --input - reads stdin, and writes no file named -', async () => {
    const dir = emptyDir();
    const input = writeNdjson(dir);
    const plain = await runCli(['--input', input, '--until', UNTIL, '--format', 'json'], { cwd: dir });
    const dashed = await runCli(['--input', input, '--until', UNTIL, '--format', 'json', '--output', '-'], { cwd: dir });
    expect(dashed.code).toBe(0);
    const strip = (text: string) => text.replace(/"generatedAt": "[^"]+"/, '');
    expect(strip(dashed.stdout)).toBe(strip(plain.stdout));
    expect(JSON.parse(dashed.stdout).overall.totalOperations).toBe(JSON.parse(plain.stdout).overall.totalOperations);
    expect(existsSync(join(dir, '-'))).toBe(false);
  });
});

describe('durations', () => {
  it.each([
    ['--alert-repeat', '1h30m'],
    ['--alert-repeat', '1w'],
    ['--alert-for', '500ms'],
    ['--alert-keep-firing', '2h15m30s'],
  ])('%s %s is accepted', async (option, value) => {
    const dir = emptyDir();
    const { code, stderr } = await runCli(['--input', writeNdjson(dir), '--until', UNTIL, option, value], { cwd: dir });
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it.each([
    ['--alert-repeat', '500ms', 'use a duration of at least 1s and at most 365d such as 90s, 30m, 4h or 1d'],
    ['--alert-repeat', '30m1h', 'use a duration of at least 1s and at most 365d such as 90s, 30m, 4h or 1d'],
    ['--alert-for', '1h 30m', 'use 0 or a duration up to 365d such as 5m or 1h'],
  ])('%s %s is refused in one line', async (option, value, allowed) => {
    const { code, stderr } = await runCli([option, value]);
    expect(code).toBe(2);
    expect(stderr).toBe(`perf-monitor: ${option} '${value}' is not valid: ${allowed}\n`);
  });
});

describe('a misspelt --service', () => {
  it('suggests the service within two edits', async () => {
    const dir = emptyDir();
    const services = [...new Set(HAND_ROWS.map((row) => row.source))].sort();
    // `batch` is a service of the hand dataset; `bacth` swaps two letters (two edits).
    expect(services).toContain('batch');
    const { code, stderr } = await runCli(['--input', writeNdjson(dir), '--until', UNTIL, '--service', 'bacth'], { cwd: dir });
    expect(code).toBe(0);
    expect(stderr).toBe(
      `perf-monitor: no operations of service 'bacth' in either window; did you mean batch? services with operations: ${services.join(', ')}\n`,
    );
  });

  it('suggests nothing when no service is that close', async () => {
    const dir = emptyDir();
    const services = [...new Set(HAND_ROWS.map((row) => row.source))].sort();
    const { stderr } = await runCli(['--input', writeNdjson(dir), '--until', UNTIL, '--service', 'zzzzzz'], { cwd: dir });
    expect(stderr).toBe(
      `perf-monitor: no operations of service 'zzzzzz' in either window; services with operations: ${services.join(', ')}\n`,
    );
  });
});

describe('--format markdown', () => {
  it('writes times and "service: message" with plain colons', async () => {
    const { code, stdout } = await runCli(['--demo', '--until', '2025-11-20T10:00:00Z', '--format', 'markdown']);
    expect(code).toBe(0);
    expect(stdout).not.toContain('\\:');
    expect(stdout).toMatch(/\d{2}:\d{2}/);
  });
});

describe('--refresh-rollups without DATABASE_URL', () => {
  it('says it needs DATABASE_URL, not --demo (which it would refuse)', async () => {
    const { code, stdout, stderr } = await runCli(['--refresh-rollups']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      "perf-monitor: --refresh-rollups needs DATABASE_URL (a PostgreSQL connection; environment or .env), or schedule sql/rollup.sql's refresh with pg_cron\n",
    );
  });
});
