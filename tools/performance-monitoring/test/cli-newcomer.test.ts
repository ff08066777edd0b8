// A newcomer's first hour (issue 16): help, stray words, two sources, an empty --service,
// colour, stdout that fails, and the one notice prefix — each through the real CLI.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { emptyDir, MONITOR, runCli, TSX_LOADER } from '../harness/cli.js';
import { HAND_ROWS, UNTIL, writeNdjson } from '../harness/hand-dataset.js';

describe('--help', () => {
  it('names the command as typed, fits 80 columns, shows numeric defaults and the variables', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Usage: npx tsx tools/performance-monitoring/monitor.ts [options]');
    expect(lines.filter((line) => [...line].length > 80)).toEqual([]);
    expect(stdout).toContain('(default: 24)');
    expect(stdout).toContain('(default: 2000)');
    expect(stdout).not.toContain('(default: "');
    for (const name of ['PERFMON_TABLE', 'PERFMON_TIMEOUT_MS', 'PERFMON_STATE_DIR']) expect(stdout).toContain(name);
    expect(lines.at(-1)).toBe('Documentation: tools/performance-monitoring/README.md');
  });
});

describe('sources', () => {
  it('refuses --demo with --input in one line', async () => {
    const dir = emptyDir();
    const { code, stdout, stderr } = await runCli(['--demo', '--input', writeNdjson(dir)], { cwd: dir });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('perf-monitor: --demo and --input both name a source: use one (--demo for generated data, --input for files)\n');
  });

  it('names the services that have rows when --service matches none', async () => {
    const dir = emptyDir();
    const services = [...new Set(HAND_ROWS.map((row) => row.source))].sort();
    const { code, stderr } = await runCli(['--input', writeNdjson(dir), '--until', UNTIL, '--service', 'API'], { cwd: dir });
    expect(code).toBe(0);
    // legacy was active in the previous window only, so it has operations too.
    expect(stderr).toBe(
      `perf-monitor: no operations of service 'API' in either window; did you mean api? services with operations: ${services.join(', ')}\n`,
    );
  });
});

/** The CLI with its stdout on `target` (a file descriptor or a pipe we close at once). */
function runWithStdout(args: string[], stdout: 'pipe-closed' | number) {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, MONITOR, ...args], {
    cwd: emptyDir(),
    stdio: ['ignore', stdout === 'pipe-closed' ? 'pipe' : stdout, 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  if (stdout === 'pipe-closed') child.stdout?.destroy();
  return new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('stdout that fails', () => {
  it('is quiet when the reader goes away (EPIPE), and exits as the report would', async () => {
    const { code, stderr } = await runWithStdout(['--demo', '--until', UNTIL, '--format', 'json'], 'pipe-closed');
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('is one line and exit 1 on a full disk (/dev/full)', async () => {
    const { openSync, closeSync } = await import('node:fs');
    const fd = openSync('/dev/full', 'w');
    try {
      const { code, stderr } = await runWithStdout(['--demo', '--until', UNTIL, '--format', 'json'], fd);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^perf-monitor: cannot write the report to stdout: ENOSPC[^\n]*\n$/);
    } finally {
      closeSync(fd);
    }
  });
});

describe('impossible timestamps', () => {
  it('are skipped rows, counted once, with one notice', async () => {
    const dir = emptyDir();
    const rows = [
      { source: 'api', operation: 'get', status: 'success', duration_ms: 100, created_at: '2025-11-20T09:00:00Z' },
      { source: 'api', operation: 'get', status: 'success', duration_ms: 300, created_at: '2025-11-20T09:30:00Z' },
      { source: 'api', operation: 'get', status: 'success', duration_ms: 200, created_at: '1999-12-31T23:00:00Z' },
      { source: 'api', operation: 'get', status: 'success', duration_ms: 200, created_at: 'infinity' },
    ];
    const { code, stdout, stderr } = await runCli(['--input', writeNdjson(dir, rows), '--until', UNTIL, '--format', 'json'], { cwd: dir });
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { overall: { totalOperations: number }; dataQuality: { skippedRows: number } };
    expect(report.overall.totalOperations).toBe(2);
    expect(report.dataQuality.skippedRows).toBe(2);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('a trend past 10% that is noise', () => {
  it('reads stable and says why in the text report', async () => {
    const dir = emptyDir();
    const { code, stdout } = await runCli(['--input', writeNdjson(dir), '--until', UNTIL, '--threshold', '1000', '--no-color'], {
      cwd: dir,
    });
    expect(code).toBe(0);
    // The hand dataset: +14.31% overall, Welch p 0.371 (see cli-report.test.ts).
    expect(stdout).toContain('Trend: stable (+14.3%, not significant: p = 0.371)');
  });
});

describe('values echoed in errors', () => {
  it('escape control characters of an unknown option and of variables', async () => {
    const unknown = await runCli(['--x\u001b[2J']);
    expect(unknown).toMatchObject({ code: 2, stdout: '', stderr: "perf-monitor: unknown option '--x\\u001b[2J'\n" });
    const table = await runCli([], { env: { DATABASE_URL: 'postgres://u@127.0.0.1:1/db', PERFMON_TABLE: 'bad\nname' } });
    expect(table.stderr).toBe(
      "perf-monitor: PERFMON_TABLE 'bad\\nname' is not a table name: use letters, digits and _ (optionally schema.table)\n",
    );
  });
});
