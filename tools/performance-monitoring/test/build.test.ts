// The start-up build (bin/build.mjs → dist/) and the installed command (bin/perf-monitor.mjs):
// the build prints the same report as the source, a stale build is never run, and the command
// works by absolute path from any directory.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIsFresh } from '../bin/fresh.mjs';
import { CONTROLLED, emptyDir, runCli } from '../harness/cli.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'perf-monitor.mjs');
const UNTIL = '2025-11-20T10:00:00Z';

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'bin', 'build.mjs')], { stdio: 'pipe' });
});

/** The environment runCli gives the source: the same for the build. */
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !CONTROLLED.includes(name)));

/** A text report without the time of the run (an ISO time of this year, or OpenMetrics' seconds). */
const withoutRunTime = (text: string) =>
  text.replace(/20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/g, 'T').replace(/^(perfmon_generated_timestamp_seconds\S*) .*$/m, '$1 T');

/** The report without the one figure that differs run to run. */
const stable = (json: string) => ({ ...JSON.parse(json), generatedAt: null });

describe('the build', () => {
  it('prints the same report as the source, in every format', async () => {
    for (const format of ['json', 'text', 'markdown', 'openmetrics']) {
      const args = ['--demo', '--until', UNTIL, '--format', format, '--no-color'];
      const source = await runCli(args);
      const built = spawnSync(process.execPath, [join(ROOT, 'dist', 'monitor.js'), ...args], { cwd: emptyDir(), encoding: 'utf8', env });
      expect(built.status).toBe(0);
      expect(built.stderr).toBe(source.stderr);
      if (format === 'json') expect(stable(built.stdout)).toEqual(stable(source.stdout));
      else expect(withoutRunTime(built.stdout)).toBe(withoutRunTime(source.stdout));
    }
  });

  it('is fresh right after building, stale once a source file is newer', () => {
    const root = emptyDir('perfmon-fresh-');
    mkdirSync(join(root, 'dist'));
    mkdirSync(join(root, 'metrics'));
    mkdirSync(join(root, 'test'));
    writeFileSync(join(root, 'metrics', 'a.ts'), '');
    writeFileSync(join(root, 'test', 'b.test.ts'), '');
    expect(buildIsFresh(root)).toBe(false);
    writeFileSync(join(root, 'dist', 'monitor.js'), '');
    const built = Date.now() / 1000;
    utimesSync(join(root, 'dist', 'monitor.js'), built, built);
    utimesSync(join(root, 'metrics', 'a.ts'), built - 60, built - 60);
    // A test file newer than the build is not part of it.
    utimesSync(join(root, 'test', 'b.test.ts'), built + 60, built + 60);
    expect(buildIsFresh(root)).toBe(true);
    utimesSync(join(root, 'metrics', 'a.ts'), built + 60, built + 60);
    expect(buildIsFresh(root)).toBe(false);
  });
});

describe('--serve from the build', () => {
  it('starts its refresh worker from dist/live-worker.js and serves the report', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'monitor.js'), '--demo', '--serve', '0', '--interval', '1s'], {
      cwd: emptyDir(),
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      let stderr = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          stderr += chunk;
          const match = /serving (http:\/\/\S+\/)/.exec(stderr);
          if (match?.[1]) resolve(match[1]);
        });
        void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      const metrics = await (await fetch(new URL('/metrics', url))).text();
      expect(metrics).toMatch(/^perfmon_health_score\{scope="all"\} \d+$/m);
      expect(metrics).toContain('\nperfmon_up 1\n');
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 30_000);
});

describe('bin/perf-monitor.mjs', () => {
  it('runs by absolute path from another directory', () => {
    const run = spawnSync(process.execPath, [BIN, '--demo', '--until', UNTIL, '--format', 'json'], { cwd: emptyDir(), encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).source.kind).toBe('demo');
  });

  it('exits with the tool`s own codes: 2 for a bad option, one line', () => {
    const run = spawnSync(process.execPath, [BIN, '--hours', 'abc'], { cwd: emptyDir(), encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe("perf-monitor: --hours 'abc' is not valid: use a number of hours > 0 and <= 8760 (decimals allowed)\n");
  });
});
