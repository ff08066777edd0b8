// --alert through the real CLI (issue 4 "Done when"): the real @slack/webhook and nodemailer
// talk to a Slack-webhook receiver and an SMTP server on 127.0.0.1.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../harness/cli.js';
import { HAND_ROWS, THRESHOLD, UNTIL, writeNdjson } from '../harness/hand-dataset.js';
import { type SlackReceiver, startSlackReceiver, WEBHOOK_PATH } from '../harness/slack-receiver.js';
import { startSmtpServer, type TestSmtpServer } from '../harness/smtp-server.js';

let slack: SlackReceiver;
let smtp: TestSmtpServer;
let stateDir: string;

beforeAll(async () => {
  [slack, smtp] = await Promise.all([startSlackReceiver(), startSmtpServer()]);
});
afterAll(async () => {
  await Promise.all([slack.close(), smtp.close()]);
});
beforeEach(() => {
  slack.reset();
  smtp.reset();
  stateDir = emptyDir('perfmon-state-');
});

const channels = () => ({
  SLACK_WEBHOOK_URL: slack.url,
  EMAIL_HOST: smtp.host,
  EMAIL_PORT: String(smtp.port),
  EMAIL_FROM: 'perf-monitor@example.com',
  EMAIL_TO: 'ops@example.com,oncall@example.com',
  PERFMON_STATE_DIR: stateDir,
  PERFMON_TIMEOUT_MS: '3000',
});

interface ChannelJson {
  channel: string;
  sent: string[];
  suppressed: { key: string; nextSendAt: string }[];
  resolved: string[];
  failed: { keys: string[]; reason: string } | null;
}

const alertsOf = (stdout: string) => JSON.parse(stdout).alerts as { conditions: { key: string }[]; channels: ChannelJson[] };

describe('--demo --alert', () => {
  it('delivers one well-formed message per channel, then nothing on an immediate second run', async () => {
    const args = ['--demo', '--until', '2025-11-20T10:00:00Z', '--alert', '--format', 'json'];
    const first = await runCli(args, { env: channels() });
    expect(first.code).toBe(0);
    const alerts = alertsOf(first.stdout);
    expect(alerts.conditions.length).toBeGreaterThan(0);
    expect(slack.messages).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    const keys = alerts.conditions.map((c) => c.key);
    for (const channel of alerts.channels)
      expect({ channel: channel.channel, sent: channel.sent, failed: channel.failed }).toEqual({
        channel: channel.channel,
        sent: keys,
        failed: null,
      });

    const body = slack.messages[0] as { text: string; blocks: { type: string }[] };
    expect(body.blocks[0]?.type).toBe('header');
    expect(body.text.length).toBeGreaterThan(0);
    const mail = smtp.messages[0];
    expect(mail?.envelope.to).toEqual(['ops@example.com', 'oncall@example.com']);
    expect(mail?.parsed.subject).toMatch(/^\[(CRITICAL|WARNING)\] Performance: health \d+\/100, \d+ issues?/);
    expect(mail?.parsed.text).toContain('n8n');
    expect(mail?.parsed.html).toContain('n8n');

    const second = await runCli(args, { env: channels() });
    expect(second.code).toBe(0);
    expect(slack.messages).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    for (const channel of alertsOf(second.stdout).channels) {
      expect(channel.sent).toEqual([]);
      // Re-sent no sooner than the default repeat interval, 4 h after the first send.
      expect(channel.suppressed.map((s) => s.key)).toEqual(keys);
      expect(new Set(channel.suppressed.map((s) => s.nextSendAt))).toEqual(new Set(['2025-11-20T14:00:00.000Z']));
    }
  });

  it('re-sends after --alert-repeat', async () => {
    const base = ['--demo', '--alert', '--format', 'json', '--alert-repeat', '30m'];
    await runCli([...base, '--until', '2025-11-20T10:00:00Z'], { env: channels() });
    expect(slack.messages).toHaveLength(1);
    const early = await runCli([...base, '--until', '2025-11-20T10:29:00Z'], { env: channels() });
    expect(alertsOf(early.stdout).channels[0]?.sent).toEqual([]);
    expect(slack.messages).toHaveLength(1);
    const later = await runCli([...base, '--until', '2025-11-20T10:31:00Z'], { env: channels() });
    expect(later.code).toBe(0);
    expect(slack.messages).toHaveLength(2);
    expect(alertsOf(later.stdout).channels[0]?.sent.length).toBeGreaterThan(0);
  });
});

describe('--alert resolved notices', () => {
  it('sends one resolved notice when a condition stops holding (--alert-keep-firing 0), saying the figure now, then forgets it', async () => {
    const input = writeNdjson(emptyDir());
    const run = (threshold: string) =>
      runCli(['--input', input, '--until', UNTIL, '--threshold', threshold, '--alert', '--alert-keep-firing', '0', '--format', 'json'], {
        env: channels(),
      });
    // T = 1000: the overall average 1,024 ms is above it; T = 5000: not any more.
    const first = await run('1000');
    expect(alertsOf(first.stdout).conditions.map((c) => c.key)).toContain('avg_above_threshold');
    const second = await run('5000');
    const slackOutcome = alertsOf(second.stdout).channels.find((c) => c.channel === 'slack');
    expect(slackOutcome?.resolved).toContain('avg_above_threshold');
    expect(slack.messages).toHaveLength(2);
    expect(smtp.messages[1]?.parsed.text).toMatch(/resolved/i);
    expect(smtp.messages[1]?.parsed.text).toContain('- RESOLVED: average duration back to 1,024ms (threshold 5,000ms)');
    const third = await run('5000');
    expect(alertsOf(third.stdout).channels.find((c) => c.channel === 'slack')?.resolved).toEqual([]);
  });
});

describe('--alert with log text from an attacker', () => {
  it('arrives inert in Slack and in the e-mail HTML', async () => {
    const dir = emptyDir();
    const evil = '<!channel> <https://evil.example|click> <script>alert(1)</script>';
    const rows = HAND_ROWS.map((r) => (r.message === 'Timeout' ? { ...r, message: evil } : r));
    const input = writeNdjson(dir, rows);
    const { code, stdout } = await runCli(['--input', input, '--until', UNTIL, '--threshold', THRESHOLD, '--alert', '--format', 'json'], {
      env: channels(),
    });
    expect(code).toBe(0);
    // The raw text is the group's example; its fingerprint keeps the markup too (only the URL and 1 change).
    expect(JSON.parse(stdout).mostFrequentErrors[0]).toMatchObject({
      example: evil,
      message: '<!channel> <<url>> <script>alert(<n>)</script>',
    });
    const raw = JSON.stringify(slack.messages);
    expect(raw).toContain('&lt;!channel&gt;');
    expect(raw).not.toContain('<!channel>');
    expect(raw).not.toContain('<https://evil.example');
    const html = smtp.messages[0]?.parsed.html || '';
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
  });
});

describe('--alert failures', () => {
  it('without any channel is a configuration error before any query runs (exit 2)', async () => {
    // The closed port proves no query ran: a query would fail with exit 1.
    const { code, stdout, stderr } = await runCli(['--alert'], { env: { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db' } });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/--alert needs SLACK_WEBHOOK_URL/);
  });

  it('Slack answering 500 is retried, then exit 4 with the report printed and the mail delivered', async () => {
    slack.failNext(3, 500);
    const { code, stdout, stderr } = await runCli(['--demo', '--until', '2025-11-20T10:00:00Z', '--alert', '--format', 'json'], {
      env: channels(),
    });
    expect(code).toBe(4);
    expect(slack.requests).toHaveLength(3);
    expect(smtp.messages).toHaveLength(1);
    const slackOutcome = alertsOf(stdout).channels.find((c) => c.channel === 'slack');
    expect(slackOutcome?.failed?.reason).toMatch(/500/);
    expect(stdout + stderr).not.toContain(WEBHOOK_PATH);
  });

  it('exit 4 takes precedence over --fail-under', async () => {
    slack.failNext(3, 500);
    const { code } = await runCli(['--demo', '--until', '2025-11-20T10:00:00Z', '--alert', '--fail-under', '100', '--format', 'json'], {
      env: channels(),
    });
    expect(code).toBe(4);
  });

  it('two runs at the same minute send once', async () => {
    const args = ['--demo', '--until', '2025-11-20T10:00:00Z', '--alert', '--format', 'json'];
    const [a, b] = await Promise.all([runCli(args, { env: channels() }), runCli(args, { env: channels() })]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(slack.messages).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
  });

  it('a healthy report sends nothing', async () => {
    const dir = emptyDir();
    const healthy = HAND_ROWS.filter((r) => r.source === 'batch' && r.duration_ms !== null && r.duration_ms > 0);
    const input = writeNdjson(dir, healthy);
    const { code, stdout } = await runCli(['--input', input, '--until', UNTIL, '--alert', '--format', 'json'], { env: channels() });
    expect(code).toBe(0);
    expect(alertsOf(stdout).conditions).toEqual([]);
    expect(slack.requests).toHaveLength(0);
    expect(smtp.messages).toHaveLength(0);
  });

  it('a corrupt state file is reported on stderr and treated as empty', async () => {
    writeFileSync(join(stateDir, 'alert-state.json'), '{not json');
    const { code, stderr } = await runCli(['--demo', '--until', '2025-11-20T10:00:00Z', '--alert', '--format', 'json'], {
      env: channels(),
    });
    expect(code).toBe(0);
    expect(stderr).toMatch(/state/i);
    expect(slack.messages).toHaveLength(1);
  });
});
