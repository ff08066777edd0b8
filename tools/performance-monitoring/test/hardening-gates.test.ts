// Issue 27's gate items as a user meets them, through the real CLI: a --baseline that is a pipe,
// a device or huge; values echoed in --assert/--baseline errors; impossible baseline figures and
// a byte-order mark; reasons that grew with the square of the services; DATABASE_URL's redaction.
import { execFileSync } from 'node:child_process';
import { readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { emptyDir, runCli, type CliResult } from './support/cli.js';
import { THRESHOLD, UNTIL, writeNdjson } from './support/hand-dataset.js';

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
  expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 2, stdout: '', stderr: `perf-monitor: ${line}\n` });
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
    expectUsageLine(result, `--baseline '${big}': larger than 64 MiB: not a report saved with --format json`);
  });

  it('a symlink to a saved report is read like the report', async () => {
    const link = join(dir, 'link.json');
    symlinkSync(baseline, link);
    const result = await runCli(now('--baseline', link, '--format', 'json'));
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 3, stderr: '' });
    expect(JSON.parse(result.stdout).gates.baseline.overall.then).toEqual({
      operations: 23, errorRate: 0, avgDuration: 895.7, p95Duration: 1000, p99Duration: 1000, apdex: 1, samples: 23,
    });
  });
});
