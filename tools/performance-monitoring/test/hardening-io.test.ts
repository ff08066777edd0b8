// Issue 27 items 1, 4, 5 and 10, as a user meets them: what --output names is written, never
// replaced by a regular file; an NDJSON line of any length; stdin's copy bounded and never left
// behind; service names from the logs escaped on stderr.
import { execFileSync, spawn } from 'node:child_process';
import {
  createReadStream,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { tempPathFor } from '../base/atomic-write.js';
import { type CliResult, CONTROLLED, comparable, emptyDir, MONITOR, runCli, TSX_LOADER } from '../harness/cli.js';
import { UNTIL, writeNdjson } from '../harness/hand-dataset.js';
import { boundedLines, OverlongLine } from '../sources/file/input-stream.js';

const DEMO = ['--demo', '--until', '2025-11-20T12:00:00Z'];

function expectWritten(result: CliResult) {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toBe('');
}

describe('--output writes what the path names (issue 27 item 1)', () => {
  it('a symlink: the file it points to is replaced, the link stays a link', async () => {
    const dir = emptyDir('perfmon-out-');
    writeFileSync(join(dir, 'real.prom'), 'old contents\n');
    symlinkSync('real.prom', join(dir, 'link.prom'));
    expectWritten(await runCli([...DEMO, '--format', 'openmetrics', '--output', join(dir, 'link.prom')]));
    expect(lstatSync(join(dir, 'link.prom')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, 'link.prom'))).toBe('real.prom');
    expect(readFileSync(join(dir, 'real.prom'), 'utf8')).toMatch(
      /^# HELP perfmon_[\s\S]*\nperfmon_generated_timestamp_seconds\{scope="all"\} [0-9.]+\n# EOF\n$/,
    );
    expect(readdirSync(dir).sort()).toEqual(['link.prom', 'real.prom']);
  });

  it('a dangling symlink: the file it names is made, the link kept', async () => {
    const dir = emptyDir('perfmon-out-');
    mkdirSync(join(dir, 'sub'));
    symlinkSync('sub/report.json', join(dir, 'link.json'));
    expectWritten(await runCli([...DEMO, '--format', 'json', '--output', join(dir, 'link.json')]));
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'sub', 'report.json'), 'utf8')).schemaVersion).toBe(1);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['report.json']);
  });

  it('a FIFO is written to (its reader gets the report), and stays a FIFO', async () => {
    const dir = emptyDir('perfmon-out-');
    const fifo = join(dir, 'report.fifo');
    execFileSync('mkfifo', [fifo]);
    const received = text(createReadStream(fifo));
    const [result, report] = await Promise.all([runCli([...DEMO, '--format', 'json', '--output', fifo]), received]);
    expectWritten(result);
    expect(JSON.parse(report).schemaVersion).toBe(1);
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['report.fifo']);
  });

  it('a character device, directly and through a symlink, stays a character device; then /dev/null', async () => {
    // A device node of the test's own first (mknod needs root): if the code regressed, it and
    // not the system's /dev/null would be replaced, and /dev/null is then not touched.
    const dir = emptyDir('perfmon-out-');
    const device = join(dir, 'null');
    const link = join(dir, 'null.prom');
    symlinkSync(process.getuid?.() === 0 ? device : '/dev/null', link);
    if (process.getuid?.() === 0) {
      execFileSync('mknod', [device, 'c', '1', '3']);
      expectWritten(await runCli([...DEMO, '--output', device]));
      expect(statSync(device).isCharacterDevice()).toBe(true);
    }
    expectWritten(await runCli([...DEMO, '--format', 'openmetrics', '--output', link]));
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(statSync(link).isCharacterDevice()).toBe(true);
    expectWritten(await runCli([...DEMO, '--output', '/dev/null']));
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('/dev/stdout prints the report on stdout, and stays a symlink', async () => {
    // A link of the test's own to /proc/self/fd/1 first (what /dev/stdout is): if the code
    // regressed, that link and not the system's /dev/stdout would be replaced.
    const link = join(emptyDir('perfmon-out-'), 'stdout.json');
    symlinkSync('/proc/self/fd/1', link);
    const plain = await runCli([...DEMO, '--format', 'json']);
    for (const output of [link, '/dev/fd/1', '/dev/stdout']) {
      const result = await runCli([...DEMO, '--format', 'json', '--output', output]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(comparable(result.stdout)).toEqual(comparable(plain.stdout));
    }
    expect(readlinkSync(link)).toBe('/proc/self/fd/1');
    expect(lstatSync('/dev/stdout').isSymbolicLink()).toBe(true);
  });

  it('a directory is refused: one line, exit 2, nothing written in it', async () => {
    const dir = emptyDir('perfmon-out-');
    mkdirSync(join(dir, 'taken'));
    const result = await runCli([...DEMO, '--output', join(dir, 'taken')]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`perf-monitor: --output '${join(dir, 'taken')}': is a directory; name a file to write the report to\n`);
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readdirSync(join(dir, 'taken'))).toEqual([]);
  });

  it('a 240-character file name is written (its temp name is shortened), no temp file left', async () => {
    const dir = emptyDir('perfmon-out-');
    const name = `${'n'.repeat(235)}.json`;
    expectWritten(await runCli([...DEMO, '--format', 'json', '--output', join(dir, name)]));
    expect(JSON.parse(readFileSync(join(dir, name), 'utf8')).schemaVersion).toBe(1);
    expect(readdirSync(dir)).toEqual([name]);
  });

  it('the temp name stays within 255 bytes, hidden and ending in .tmp, never cutting a character', () => {
    for (const name of ['n'.repeat(240), 'é'.repeat(127), 'perfmon.prom']) {
      const temp = basename(tempPathFor(`/var/lib/${name}`));
      expect(Buffer.byteLength(temp)).toBeLessThanOrEqual(255);
      expect(temp).toMatch(/^\.[\s\S]+\.\d+\.[0-9a-f]{8}\.tmp$/);
      expect(temp).not.toContain('\ufffd');
      expect(name.startsWith(temp.slice(1).replace(/\.\d+\.[0-9a-f]{8}\.tmp$/, ''))).toBe(true);
    }
    expect(basename(tempPathFor('/x/perfmon.prom'))).toMatch(/^\.perfmon\.prom\.\d+\.[0-9a-f]{8}\.tmp$/);
  });
});

describe('service names from the logs are escaped on stderr (issue 27 item 10)', () => {
  it('a newline and an escape sequence in a source name stay one line, shown as \\n and \\u001b', async () => {
    const op = { status: 'success', duration_ms: 100, created_at: '2025-11-20T09:00:00Z' };
    const path = writeNdjson(emptyDir(), [
      { ...op, source: 'api\nevil' },
      { ...op, source: '\u001b[2Jclear' },
      { ...op, source: 'x\u0007' },
    ]);
    const result = await runCli(['--input', path, '--until', UNTIL, '--service', 'X\u0007', '--format', 'json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      "perf-monitor: no operations of service 'X\\u0007' in either window; did you mean x\\u0007? services with operations: \\u001b[2Jclear, api\\nevil, x\\u0007\n",
    );
  });
});

describe('an NDJSON line of any length (issue 27 item 4)', () => {
  const MIB16 = 16 * 1024 * 1024;
  const op = { status: 'success', duration_ms: 100, created_at: '2025-11-20T09:00:00Z' };
  /** A JSON line of exactly `bytes` bytes (its message padded). */
  const lineOf = (bytes: number, source = 'big') => {
    const bare = JSON.stringify({ ...op, source, message: '' });
    return JSON.stringify({ ...op, source, message: 'x'.repeat(bytes - bare.length) });
  };
  const handLines = () => readFileSync(writeNdjson(emptyDir()), 'utf8').trimEnd().split('\n');

  it('a 40 MB line (DuckDB refuses the file) is one skipped row; from a file and from stdin', async () => {
    const [plain] = await Promise.all([runCli(['--input', writeNdjson(emptyDir()), '--until', UNTIL, '--format', 'json'])]);
    const lines = handLines();
    lines.splice(1, 0, lineOf(40_000_000));
    const body = `${lines.join('\n')}\n`;
    const path = join(emptyDir(), 'huge.ndjson');
    writeFileSync(path, body);
    const fromFile = await runCli(['--input', path, '--until', UNTIL, '--format', 'json']);
    expect(fromFile.stderr).toBe(
      `perf-monitor: --input '${path}': skipped 1 unreadable row (first: line 2, longer than 16 MiB (40,000,000 bytes))\n`,
    );
    const fromStdin = await runCli(['--input', '-', '--until', UNTIL, '--format', 'json'], { stdin: body });
    expect(fromStdin.stderr).toBe(
      'perf-monitor: --input - (stdin): skipped 1 unreadable row (first: line 2, longer than 16 MiB (40,000,000 bytes))\n',
    );
    for (const result of [fromFile, fromStdin]) {
      expect(result.code).toBe(0);
      const report = comparable(result.stdout) as { dataQuality: { skippedRows: number } };
      expect(report.dataQuality.skippedRows).toBe(1);
      expect({ ...report, dataQuality: null }).toEqual({ ...comparable(plain.stdout), dataQuality: null });
    }
  });

  it('the line reader splits across chunks and counts an over-long line without keeping it', async () => {
    async function* chunks() {
      yield* ['ab', 'c\nde', 'f\r\n\n0123', '456789', 'X\n', 'é\nlast'].map((c) => Buffer.from(c));
    }
    const lines: (string | OverlongLine)[] = [];
    for await (const line of boundedLines(chunks(), 8)) lines.push(line);
    expect(lines).toEqual(['abc', 'def\r', '', new OverlongLine(11), 'é', 'last']);
  });

  it('16 MiB is kept, one byte more is skipped, when the file needs the repair pass', async () => {
    const lines = handLines();
    lines.splice(1, 0, '{"source": oops', lineOf(MIB16, 'kept'), lineOf(MIB16 + 1, 'dropped'));
    const path = join(emptyDir(), 'edge.ndjson');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const result = await runCli(['--input', path, '--until', UNTIL, '--format', 'json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(`^perf-monitor: --input '${path}': skipped 2 unreadable rows \\(first: line 2, not JSON \\(.*\\)\\)\\n$`),
    );
    const report = JSON.parse(result.stdout) as {
      dataQuality: { skippedRows: number };
      services: { service: string; operations: { total: number } }[];
    };
    expect(report.dataQuality.skippedRows).toBe(2);
    expect(report.services.map((s) => s.service).sort()).toEqual(['api', 'batch', 'kept', 'legacy']);
    expect(report.services.find((s) => s.service === 'kept')?.operations.total).toBe(1);
  });
});

describe('--input - copies stdin bounded, and never leaves the copy behind (issue 27 item 5)', () => {
  /** A TMPDIR of the test's own; tsx's cache kept out of it, so the run's scratch is all it could hold. */
  const scratchEnv = (tmp: string, more: Record<string, string> = {}) => ({ TMPDIR: tmp, TSX_DISABLE_CACHE: '1', ...more });
  const ndjsonBody = () => readFileSync(writeNdjson(emptyDir()));

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
    '%s during the copy ends the run by that signal and removes the copy',
    async (signal) => {
      const tmp = emptyDir('perfmon-tmpdir-');
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const name of CONTROLLED) delete env[name];
      const child = spawn(process.execPath, ['--import', TSX_LOADER, MONITOR, '--input', '-'], {
        cwd: emptyDir(),
        env: { ...env, ...scratchEnv(tmp) },
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      child.stdin.on('error', () => {});
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, s) => resolve(s)));
      // stdin never ends: the run is still copying when the signal comes.
      const chunk = Buffer.from(
        `${JSON.stringify({ source: 'a', status: 'success', duration_ms: 1, created_at: '2025-11-20T09:00:00Z' })}\n`.repeat(10_000),
      );
      const feed = setInterval(() => child.stdin.write(chunk), 20);
      try {
        const copied = () => readdirSync(tmp).some((d) => d.startsWith('perfmon-input-') && readdirSync(join(tmp, d)).length > 0);
        const deadline = Date.now() + 30_000;
        while (!copied() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(copied()).toBe(true);
        child.kill(signal);
        expect(await exited).toBe(signal);
        expect(readdirSync(tmp)).toEqual([]);
      } finally {
        clearInterval(feed);
        child.kill('SIGKILL');
      }
    },
  );

  it('over PERFMON_STDIN_MAX_BYTES: one line, exit 2, no copy left; exactly at it: read', async () => {
    const tmp = emptyDir('perfmon-tmpdir-');
    const body = ndjsonBody();
    const over = await runCli(['--input', '-', '--until', UNTIL], {
      stdin: body,
      env: scratchEnv(tmp, { PERFMON_STDIN_MAX_BYTES: String(body.length - 1) }),
    });
    expect(over.code).toBe(2);
    expect(over.stdout).toBe('');
    expect(over.stderr).toBe(
      `perf-monitor: --input - (stdin): more than ${(body.length - 1).toLocaleString('en-US')} bytes (PERFMON_STDIN_MAX_BYTES); save the logs to a file and pass --input FILE, or raise the limit\n`,
    );
    expect(readdirSync(tmp)).toEqual([]);
    const at = await runCli(['--input', '-', '--until', UNTIL, '--format', 'json'], {
      stdin: body,
      env: scratchEnv(tmp, { PERFMON_STDIN_MAX_BYTES: String(body.length) }),
    });
    expect(at.stderr).toBe('');
    expect(at.code).toBe(0);
    expect(JSON.parse(at.stdout).dataQuality.skippedRows).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('a PERFMON_STDIN_MAX_BYTES that is not a whole number of bytes is exit 2', async () => {
    const result = await runCli(['--input', '-'], { stdin: '', env: { PERFMON_STDIN_MAX_BYTES: '1e9' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "perf-monitor: PERFMON_STDIN_MAX_BYTES '1e9' is not valid: use a whole number of bytes, 1 or more (default 1073741824, 1 GiB)\n",
    );
  });

  it('a TMPDIR that does not exist is named in one line, exit 1', async () => {
    const tmp = join(emptyDir('perfmon-tmpdir-'), 'missing');
    const result = await runCli(['--input', '-'], { stdin: ndjsonBody(), env: scratchEnv(tmp) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`^perf-monitor: cannot make a scratch directory in TMPDIR \\('${tmp}'\\): ENOENT: no such file or directory[^\\n]*\\n$`),
    );
  });

  it('a full TMPDIR (a 1 MiB tmpfs) names stdin and TMPDIR in one line, exit 1, no copy left', async (context) => {
    const tmp = emptyDir('perfmon-tmpfs-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', tmp], { stdio: 'ignore' });
    } catch {
      context.skip(); // mounting needs root (CAP_SYS_ADMIN)
    }
    try {
      const body = Buffer.concat(Array.from({ length: 400 }, () => ndjsonBody())); // ~2.5 MB
      const result = await runCli(['--input', '-', '--until', UNTIL], { stdin: body, env: scratchEnv(tmp) });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `perf-monitor: --input - (stdin): cannot copy stdin to TMPDIR ('${tmp}'): no space left on device (ENOSPC); point TMPDIR at a disk with room, or save the logs to a file and pass --input FILE\n`,
      );
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      execFileSync('umount', [tmp]);
    }
  });
});
