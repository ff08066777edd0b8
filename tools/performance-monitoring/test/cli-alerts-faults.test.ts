// --alert faults through the real CLI (issue 14 items 3, 12, 14, 15 and the stderr lines of
// docs/alerting.md, docs/cli.md): an unwritable or full state dir, a run killed mid-send, a silent service that
// dropped out of both windows, an SMTP server that never greets. Real peers on 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CliResult, collect, emptyDir, MONITOR, runCli, TSX_LOADER } from '../harness/cli.js';
import { writeNdjson } from '../harness/hand-dataset.js';
import { type SlackReceiver, startSlackReceiver } from '../harness/slack-receiver.js';
import { startSmtpServer, type TestSmtpServer } from '../harness/smtp-server.js';

let slack: SlackReceiver;
let smtp: TestSmtpServer;

beforeAll(async () => {
  [slack, smtp] = await Promise.all([startSlackReceiver(), startSmtpServer()]);
});
afterAll(async () => {
  await Promise.all([slack.close(), smtp.close()]);
});
beforeEach(() => {
  slack.reset();
  smtp.reset();
});

const UNTIL = '2025-11-20T10:00:00Z';
const DEMO = ['--demo', '--until', UNTIL, '--alert', '--format', 'json'];
const slackOnly = (stateDir: string) => ({ SLACK_WEBHOOK_URL: slack.url, PERFMON_STATE_DIR: stateDir, PERFMON_TIMEOUT_MS: '3000' });
const both = (stateDir: string) => ({
  ...slackOnly(stateDir),
  EMAIL_HOST: smtp.host,
  EMAIL_PORT: String(smtp.port),
  EMAIL_FROM: 'perf-monitor@example.com',
  EMAIL_TO: 'ops@example.com',
});
const DEDUPE_OFF = 'dedupe is off: alerts are sent, and later runs may repeat them';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65_534;

/**
 * Runs the CLI as a user who cannot write the state dir: `nobody` when the suite runs as root
 * (root ignores permission bits), else the current user (for whom mode bits are enough).
 */
function runUnprivileged(args: string[], env: Record<string, string>, cwd: string): Promise<CliResult & { ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', TSX_LOADER, MONITOR, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
    ...(isRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  return collect(child).then((result) => ({ ...result, ms: Date.now() - started }));
}

/** A scratch dir the unprivileged child can enter and read. */
function openDir(): string {
  const dir = emptyDir('perfmon-faults-');
  chmodSync(dir, 0o755);
  return dir;
}

describe('an unusable state dir (issue 14 item 3)', () => {
  const cases: [string, (base: string) => string][] = [
    [
      'owned by another user (not writable)',
      (base) => {
        const dir = join(base, 'state');
        mkdirSync(dir, { mode: 0o755 });
        if (!isRoot) chmodSync(dir, 0o555);
        return dir;
      },
    ],
    [
      'mode 000',
      (base) => {
        const dir = join(base, 'state');
        mkdirSync(dir);
        chmodSync(dir, 0o000);
        return dir;
      },
    ],
    [
      'not creatable',
      (base) => {
        const parent = join(base, 'locked');
        mkdirSync(parent, { mode: 0o755 });
        if (!isRoot) chmodSync(parent, 0o555);
        return join(parent, 'sub', 'state');
      },
    ],
  ];

  for (const [name, make] of cases) {
    it(`${name}: delivers at once without dedupe, one stderr line, exit 4`, async () => {
      const base = openDir();
      const stateDir = make(base);
      const result = await runUnprivileged(DEMO, both(stateDir), base);
      expect(result.code).toBe(4);
      // Before: 1 min 47 s of lock retries, nothing sent, nothing on stderr.
      expect(result.ms).toBeLessThan(15_000);
      expect(slack.messages).toHaveLength(1);
      expect(smtp.messages).toHaveLength(1);
      const escaped = stateDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(result.stderr).toMatch(
        new RegExp(`^perf-monitor: alert state in ${escaped} not usable \\(EACCES: permission denied, mkdir '[^']+'\\); ${DEDUPE_OFF}\\n$`),
      );
      const alerts = JSON.parse(result.stdout).alerts as { channels: { sent: string[]; failed: { reason: string } | null }[] };
      for (const channel of alerts.channels) {
        expect(channel.sent.length).toBeGreaterThan(0);
        expect(channel.failed?.reason).toMatch(/not usable \(EACCES/);
      }
    }, 60_000);
  }

  it('a state path that is a directory: the same line, dedupe off, exit 4', async () => {
    const stateDir = emptyDir('perfmon-state-');
    const file = join(stateDir, 'alert-state.json');
    mkdirSync(file);
    const { code, stderr } = await runCli(DEMO, { env: both(stateDir) });
    expect(code).toBe(4);
    expect(stderr).toBe(
      `perf-monitor: alert state in ${stateDir} not usable (cannot read ${file}: EISDIR: illegal operation on a directory, read); ${DEDUPE_OFF}\n`,
    );
    expect(slack.messages).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
  }, 60_000);

  it(isRoot
    ? 'a full disk (a 64 KiB tmpfs, filled): the same line, dedupe off, exit 4'
    : 'a full disk: (not root, no tmpfs) the write path through a state path under a file', async () => {
    const base = emptyDir('perfmon-full-');
    const mount = join(base, 'disk');
    mkdirSync(mount);
    let stateDir = join(base, 'file', 'state');
    let cause = `ENOTDIR: not a directory, mkdir '${stateDir}'`;
    if (isRoot) {
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount]);
      expect(mounted.status).toBe(0);
      try {
        writeFileSync(join(mount, 'filler'), Buffer.alloc(1024 * 1024));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      stateDir = join(mount, 'state');
      cause = 'ENOSPC: no space left on device';
    } else {
      writeFileSync(join(base, 'file'), 'x');
    }
    try {
      const { code, stderr } = await runCli(DEMO, { env: both(stateDir) });
      expect(code).toBe(4);
      expect(stderr.startsWith(`perf-monitor: alert state in ${stateDir} not usable (${cause}`)).toBe(true);
      expect(stderr.endsWith(`); ${DEDUPE_OFF}\n`)).toBe(true);
      expect(stderr.split('\n')).toHaveLength(2);
      expect(slack.messages).toHaveLength(1);
      expect(smtp.messages).toHaveLength(1);
    } finally {
      if (isRoot) spawnSync('umount', [mount]);
    }
  }, 60_000);
});

describe('a run killed mid-send (issue 14 item 14)', () => {
  it('is known to the next run: not re-sent, said on stderr, and its lock taken over at once', async () => {
    const stateDir = emptyDir('perfmon-state-');
    slack.hangNext(1);
    const child = spawn(process.execPath, ['--import', TSX_LOADER, MONITOR, ...DEMO], {
      cwd: stateDir,
      env: { PATH: process.env.PATH ?? '', ...slackOnly(stateDir) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killed = collect(child);
    await slack.nextRequest();
    child.kill('SIGKILL');
    expect((await killed).code).toBe(null);
    const saved = JSON.parse(readFileSync(join(stateDir, 'alert-state.json'), 'utf8')) as {
      scopes: Record<string, { channels: { slack: Record<string, { sending: string | null }> } }>;
    };
    const entries = Object.values(Object.values(saved.scopes)[0]?.channels.slack ?? {});
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((entry) => entry.sending === '2025-11-20T10:00:00.000Z')).toBe(true);

    const started = Date.now();
    const next = await runCli(DEMO, { env: slackOnly(stateDir) });
    // Before: ~21 s waiting for the dead run's lock to go stale, then the alert sent again.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(next.code).toBe(0);
    expect(slack.requests).toHaveLength(1);
    const keys = (JSON.parse(next.stdout).alerts as { conditions: { key: string }[] }).conditions.map((c) => c.key);
    expect(next.stderr).toBe(
      `perf-monitor: the Slack alert of 2025-11-20T10:00:00.000Z (${keys.join(', ')}) may not have been delivered: ` +
        'the run sending it was stopped before it finished; counted as sent, not repeated\n',
    );
    // Settled: a third run says nothing and sends nothing.
    const third = await runCli(DEMO, { env: slackOnly(stateDir) });
    expect([third.code, third.stderr, slack.requests.length]).toEqual([0, '', 1]);
  }, 60_000);
});

describe('a silent service (issue 14 item 15)', () => {
  const minute = (iso: string, n: number) => new Date(Date.parse(iso) + n * 60_000).toISOString();
  const rows = (service: string, from: string, count: number, everyMinutes: number) =>
    Array.from({ length: count }, (_, k) => ({
      id: 0,
      source: service,
      operation: 'call',
      level: 'info',
      status: 'success',
      message: null,
      duration_ms: 100,
      created_at: minute(from, k * everyMinutes),
    }));

  it('stays firing after it drops out of both windows, and resolves when it has operations again', async () => {
    const dir = emptyDir();
    // api: every 3 min from 07:00 to 11:30; legacy: 07:00-08:00, then nothing until 10:45.
    const data = [
      ...rows('api', '2025-11-20T07:00:00Z', 90, 3),
      ...rows('legacy', '2025-11-20T07:00:00Z', 20, 3),
      ...rows('legacy', '2025-11-20T10:45:00Z', 15, 3),
    ].map((row, index) => ({ ...row, id: index + 1 }));
    const input = writeNdjson(dir, data);
    const stateDir = emptyDir('perfmon-state-');
    const at = async (until: string) => {
      const { code, stdout } = await runCli(['--input', input, '--hours', '1', '--until', until, '--alert', '--format', 'json'], {
        env: slackOnly(stateDir),
      });
      expect(code).toBe(0);
      return JSON.parse(stdout).alerts as {
        conditions: { key: string; message: string }[];
        channels: { sent: string[]; suppressed: { key: string }[]; resolved: string[] }[];
      };
    };
    const first = await at('2025-11-20T09:00:00Z'); // legacy ran 07-08, not 08-09: silent
    expect(first.channels[0]?.sent).toEqual(['service_silent:legacy']);
    const gone = await at('2025-11-20T10:00:00Z'); // no legacy row in 08-10: not in the report at all
    expect(gone.conditions).toEqual([
      { key: 'service_silent:legacy', severity: 'warning', message: 'legacy: still no operations (none in the last 2h)' },
    ]);
    expect(gone.channels[0]).toMatchObject({ sent: [], resolved: [], suppressed: [{ key: 'service_silent:legacy' }] });
    expect(slack.messages).toHaveLength(1);
    const back = await at('2025-11-20T11:30:00Z'); // legacy again from 10:45: 15 operations
    expect(back.conditions).toEqual([]);
    expect(back.channels[0]?.resolved).toEqual(['service_silent:legacy']);
    expect(slack.messages).toHaveLength(2);
    expect(JSON.stringify(slack.messages[1])).toContain('legacy: operations again (15 in the last 1h)');
  }, 60_000);
});

describe('delivery failures on stderr (docs/cli.md, issue 14 item 12)', () => {
  let silentSmtp: Server;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    // Accepts and never says a word: no greeting, ever.
    silentSmtp = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silentSmtp.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silentSmtp.close(() => resolve()));
  });

  it('an SMTP server that never greets: bounded by timeout × attempts, one line naming e-mail and the cause', async () => {
    const { port } = silentSmtp.address() as AddressInfo;
    const stateDir = emptyDir('perfmon-state-');
    const env = {
      EMAIL_HOST: '127.0.0.1',
      EMAIL_PORT: String(port),
      EMAIL_FROM: 'a@example.com',
      EMAIL_TO: 'b@example.com',
      PERFMON_STATE_DIR: stateDir,
      PERFMON_TIMEOUT_MS: '1000',
    };
    const started = Date.now();
    const { code, stderr } = await runCli(DEMO, { env });
    const ms = Date.now() - started;
    expect(code).toBe(4);
    // Before: 3 × timeout + ~6 s (9 s here) plus start-up; now at most 3 × 1 s plus start-up.
    expect(ms).toBeLessThan(8_000);
    expect(sockets.length).toBeGreaterThanOrEqual(2);
    expect(stderr).toMatch(
      new RegExp(`^perf-monitor: e-mail alert not delivered: SMTP 127\\.0\\.0\\.1:${port}: [^\\n]*(Greeting|timeout|Timeout)[^\\n]*\\n$`),
    );
  }, 60_000);

  it('Slack answering 500: one stderr line naming Slack and the cause, the mail still delivered', async () => {
    slack.failNext(3, 500);
    const { code, stderr } = await runCli(DEMO, { env: both(emptyDir('perfmon-state-')) });
    expect(code).toBe(4);
    expect(stderr).toBe('perf-monitor: Slack alert not delivered: Slack webhook: HTTP 500 internal_error\n');
    expect(smtp.messages).toHaveLength(1);
  }, 60_000);

  it('a corrupt state file: exactly one perf-monitor: prefix', async () => {
    const stateDir = emptyDir('perfmon-state-');
    const file = join(stateDir, 'alert-state.json');
    writeFileSync(file, '{not json');
    const { code, stderr } = await runCli(DEMO, { env: slackOnly(stateDir) });
    expect(code).toBe(0);
    const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(stderr).toMatch(new RegExp(`^perf-monitor: alert state ${escaped} is corrupt \\([^\\n]+\\); starting with empty state\\n$`));
    expect(stderr).not.toContain('perf-monitor: perf-monitor:');
  }, 60_000);
});
