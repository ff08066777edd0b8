// The live options as a user meets them: what they cannot be combined with is one line and
// exit 2 before anything runs; off a terminal --watch writes one whole report per refresh
// (NDJSON with --format json --compact) and exits 0 on SIGTERM.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CONTROLLED, collect, emptyDir, MONITOR, runCli, TSX_LOADER } from '../harness/cli.js';
import type { Report } from '../report/types.js';

describe('live options refused', () => {
  const cases: [string[], Record<string, string>, string][] = [
    [
      ['--demo', '--watch', '--until', '2025-11-20T10:00:00Z'],
      {},
      "--until cannot be used with --watch: a live view's window always ends now",
    ],
    [['--demo', '--serve', '9464', '--baseline', 'x.json'], {}, '--baseline cannot be used with --serve'],
    [['--demo', '--serve', '9464', '--fail-under', '70'], {}, '--fail-under cannot be used with --serve'],
    [['--demo', '--interval', '10s'], {}, '--interval needs --watch or --serve'],
    [['--demo', '--serve', 'localhost:99999'], {}, "--serve 'localhost:99999' is not valid: use a port (9464) or host:port"],
    [['--demo', '--watch', '--interval', '2h'], {}, "--interval '2h' is not valid: use a duration from 5s to 1h"],
    [
      ['--serve', '9464', '--interval', '2s'],
      { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db' },
      '--interval 2s is too short for postgres: use 5s or more',
    ],
    [['--demo', '--serve', '9464'], { PERFMON_SERVE_TOKEN: 'short' }, 'PERFMON_SERVE_TOKEN (value hidden) is not valid'],
    [['--input', '-', '--watch'], {}, '--input - cannot be used with --watch: stdin can be read only once'],
  ];
  it.each(cases)('%j', async (args, env, message) => {
    const result = await runCli(args, { env });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('short\n');
  });
});

describe('--watch off a terminal', () => {
  it('writes one JSON report per refresh as NDJSON, then exits 0 on SIGTERM', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of CONTROLLED) delete env[name];
    const child = spawn(
      process.execPath,
      ['--import', TSX_LOADER, MONITOR, '--demo', '--watch', '--interval', '1s', '--format', 'json', '--compact'],
      {
        cwd: emptyDir(),
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const done = collect(child);
    let lines = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      lines += chunk.toString().split('\n').length - 1;
      if (lines >= 2) child.kill('SIGTERM');
    });
    const { code, stdout } = await done;
    expect(code).toBe(0);
    const reports = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Report);
    expect(reports.length).toBeGreaterThanOrEqual(2);
    // Each a whole report of a window ending at its own refresh.
    expect(reports.every((r) => r.schemaVersion === 1 && r.overall.totalOperations > 0)).toBe(true);
    expect(Date.parse(reports[1]?.period.end ?? '')).toBeGreaterThan(Date.parse(reports[0]?.period.end ?? ''));
  }, 60_000);
});
