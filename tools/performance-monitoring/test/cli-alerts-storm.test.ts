// One message per incident under concurrency and slow peers (issue 27 items 2 and 11), through the
// real CLI: many cron runs at once against a Slack receiver and a never-greeting SMTP server, a
// Slack that posts but answers late or cuts the answer, and a Slack error body with control bytes.
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CliResult, emptyDir, runCli } from '../harness/cli.js';
import { type SlackReceiver, startSlackReceiver } from '../harness/slack-receiver.js';

let slack: SlackReceiver;
let silentSmtp: Server;
const sockets: Socket[] = [];

beforeAll(async () => {
  slack = await startSlackReceiver();
  // Accepts and never says a word: each delivery attempt waits out the greeting timeout.
  silentSmtp = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silentSmtp.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all([slack.close(), new Promise<void>((resolve) => silentSmtp.close(() => resolve()))]);
});
beforeEach(() => slack.reset());

const DEMO = ['--demo', '--until', '2025-11-20T10:00:00Z', '--alert', '--format', 'json'];
/**
 * Runs started together, as cron starts every job of the same minute. 8, not 20: on two shared
 * cores 20 CLI start-ups alone take a minute, and 8 × 3 attempts × 2 s already outlast the old
 * lock wait (3 × timeout + 15 s = 21 s), which is what made waiters send without dedupe.
 */
const RUNS = 8;
const TIMEOUT_MS = 2000;
const slackOnly = (stateDir: string) => ({
  SLACK_WEBHOOK_URL: slack.url,
  PERFMON_STATE_DIR: stateDir,
  PERFMON_TIMEOUT_MS: String(TIMEOUT_MS),
});
const withSilentSmtp = (stateDir: string) => ({
  ...slackOnly(stateDir),
  EMAIL_HOST: '127.0.0.1',
  EMAIL_PORT: String((silentSmtp.address() as AddressInfo).port),
  EMAIL_FROM: 'perf-monitor@example.com',
  EMAIL_TO: 'ops@example.com',
});
const together = (env: Record<string, string>) =>
  Promise.all(Array.from({ length: RUNS }, () => runCli(DEMO, { env, timeoutMs: 120_000 })));
const lines = (stderr: string) => stderr.split('\n').filter(Boolean);
const slackSent = (result: CliResult) =>
  (JSON.parse(result.stdout).alerts as { channels: { channel: string; sent: string[] }[] }).channels.find((c) => c.channel === 'slack')
    ?.sent ?? [];
const DOUBT =
  /^perf-monitor: Slack alert may not have been delivered: Slack webhook: .+ after the request was sent; counted as sent, not repeated$/;

describe('concurrent runs while one channel hangs (issue 27 item 2)', () => {
  it(`${RUNS} runs at once, Slack healthy, SMTP never greets: exactly one Slack message`, async () => {
    const results = await together(withSilentSmtp(emptyDir('perfmon-state-')));
    // Before: the lock was held through the e-mail's 3 × 2 s; waiters gave up after 21 s and sent
    // without dedupe (on 973639a: 16 Slack messages for 20 runs at a 1 s timeout).
    expect(slack.requests).toHaveLength(1);
    expect(slack.messages).toHaveLength(1);
    expect(results.filter((result) => slackSent(result).length > 0)).toHaveLength(1);
    for (const result of results) {
      expect([0, 4]).toContain(result.code);
      expect(result.stderr).not.toContain('dedupe is off');
      // Only the e-mail's own failure, for the runs that tried it.
      for (const line of lines(result.stderr)) expect(line).toMatch(/^perf-monitor: e-mail alert not delivered: SMTP 127\.0\.0\.1:\d+: /);
    }
  }, 180_000);
});

describe('a Slack that posts but does not answer in time (issue 27 item 2)', () => {
  it(`answering after the timeout: ${RUNS} runs at once make exactly one request, counted as sent`, async () => {
    // Every request is posted at once and answered 0.5 s after the timeout.
    slack.slowNext(3 * RUNS, TIMEOUT_MS + 500);
    const stateDir = emptyDir('perfmon-state-');
    const results = await together(slackOnly(stateDir));
    // 1: the first run's request reached Slack, and a timeout after that point may be a success:
    // it is not retried (before: 3 attempts per run, 60 requests and 60 messages for 20 runs),
    // and the other runs see it in flight or counted as sent.
    expect(slack.requests).toHaveLength(1);
    expect(slack.messages).toHaveLength(1);
    const doubtful = results.filter((result) => result.code === 4);
    expect(doubtful).toHaveLength(1);
    expect(lines(doubtful[0]?.stderr ?? '')).toEqual([expect.stringMatching(DOUBT)]);
    expect(doubtful[0]?.stderr).toContain(`no answer within ${TIMEOUT_MS} ms after the request was sent`);
    for (const result of results.filter((r) => r.code !== 4)) expect([result.code, result.stderr]).toEqual([0, '']);

    // A later run does not send it again.
    const later = await runCli(DEMO, { env: slackOnly(stateDir) });
    expect([later.code, later.stderr, slack.requests.length]).toEqual([0, '', 1]);
  }, 180_000);

  it('cutting the connection after the request: one request, counted as sent, said on stderr', async () => {
    slack.cutNext(3);
    const stateDir = emptyDir('perfmon-state-');
    const first = await runCli(DEMO, { env: slackOnly(stateDir) });
    expect(first.code).toBe(4);
    expect(lines(first.stderr)).toEqual([expect.stringMatching(DOUBT)]);
    expect(slack.requests).toHaveLength(1);
    const again = await runCli(DEMO, { env: slackOnly(stateDir) });
    expect([again.code, again.stderr, slack.requests.length]).toEqual([0, '', 1]);
  }, 60_000);

  it('a 5xx is an answer that the post failed: retried, then delivered', async () => {
    slack.failNext(2, 500);
    const { code, stderr } = await runCli(DEMO, { env: slackOnly(emptyDir('perfmon-state-')) });
    // Retried as docs/sources.md says (3 attempts in all).
    expect([code, stderr, slack.requests.length, slack.messages.length]).toEqual([0, '', 3, 1]);
  }, 60_000);
});

describe('a Slack error body on stderr (issue 27 item 11)', () => {
  it('control bytes and newlines in a 400 body are escaped: exactly one line', async () => {
    slack.answerNext(400, 'invalid_payload\u001b[2J\nsecond line\u0007');
    const { code, stderr } = await runCli(DEMO, { env: slackOnly(emptyDir('perfmon-state-')) });
    expect(code).toBe(4);
    // Before: "…HTTP 400 invalid_payload\x1b[2J second line\x07", ESC and BEL raw (the screen cleared).
    expect(stderr).toBe(
      'perf-monitor: Slack alert not delivered: Slack webhook: HTTP 400 invalid_payload\\u001b[2J\\nsecond line\\u0007\n',
    );
    expect(slack.requests).toHaveLength(1);
  }, 60_000);
});
