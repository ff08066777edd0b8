// The seed's cron replayed (`--hours 1 --alert`, --until every 5 or 10 minutes), the real alert code
// and the real Slack receiver (docs/slos.md, docs/alerting.md): a fast incident pages once and
// resolves once, saying the burn now; a slow burn tickets and never pages; a healthy but noisy day
// (trend noise with p < 0.01 before the Holm-Bonferroni adjustment) sends nothing at all.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotices } from '../base/notices.js';
import { buildProgram, parseCommandLine } from '../cli/program.js';
import { readOptions } from '../cli/read-options.js';
import { resolveSettings } from '../cli/resolve.js';
import { emptyDir } from '../harness/cli.js';
import type { DatasetRow } from '../harness/dataset.js';
import { cronTimes, noisyDay, SLO_INCIDENT, sloReplayDay } from '../harness/replay-day.js';
import { type SlackReceiver, startSlackReceiver } from '../harness/slack-receiver.js';
import { type RunIo, run } from '../run.js';

let slack: SlackReceiver;

beforeAll(async () => {
  slack = await startSlackReceiver();
});
afterAll(async () => {
  await slack.close();
});

function writeRows(rows: DatasetRow[]): string {
  const file = join(emptyDir('perfmon-slo-replay-'), 'day.ndjson');
  writeFileSync(file, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
  return file;
}

interface RunJson {
  alerts: {
    channels: { channel: string; sent: string[]; resolved: string[]; failed: unknown }[];
    conditions: { key: string; message: string }[];
  };
  services: { service: string; trend: { pValue: number | null; percentChange: number | null; direction: string } }[];
  slos: { name: string; status: string; burnRates: Record<string, number | null> }[];
}

/** One cron run in this process, as monitor.ts does it. */
async function runAt(args: string[], until: string, stateDir: string): Promise<RunJson> {
  const argv = ['node', 'monitor.ts', ...args, '--hours', '1', '--alert', '--until', until, '--format', 'json'];
  const options = await readOptions(parseCommandLine(buildProgram(), argv));
  const env = { SLACK_WEBHOOK_URL: slack.url, PERFMON_STATE_DIR: stateDir, PERFMON_TIMEOUT_MS: '5000' };
  const settings = await resolveSettings(options, env, { stdoutHasColors: () => false });
  let stdout = '';
  const notices: string[] = [];
  const io: RunIo = {
    now: () => new Date(until),
    stdout: (text) => {
      stdout += text;
    },
    notices: createNotices({ write: (text) => void notices.push(text), isTty: false, secrets: settings.secrets }),
  };
  const code = await run(settings, io);
  expect({ until, code, notices }).toEqual({ until, code: 0, notices: [] });
  return JSON.parse(stdout) as RunJson;
}

/** `time sent|resolved key`, one line per delivery (Slack only). */
const story = (until: string, report: RunJson) =>
  report.alerts.channels.flatMap((c) => [...c.sent.map((k) => `${until} sent ${k}`), ...c.resolved.map((k) => `${until} resolved ${k}`)]);

describe('SLO burn-rate alerts replayed', () => {
  it('a fast incident pages once and resolves once; a slow burn tickets and never pages', async () => {
    slack.reset();
    const file = writeRows(sloReplayDay());
    const stateDir = emptyDir('perfmon-slo-state-');
    const args = ['--input', file, '--slo', 'api.availability>=99.5', '--slo', 'billing.availability>=99', '--slo-period', '1d'];
    const lines: string[] = [];
    const reports = new Map<string, RunJson>();
    for (const until of cronTimes(10, '2025-11-20T02:00:00.000Z', '2025-11-20T12:00:00.000Z')) {
      const report = await runAt(args, until, stateDir);
      reports.set(until, report);
      lines.push(...story(until, report));
    }
    const slo = lines.filter((line) => / slo_/.test(line));
    const pages = slo.filter((line) => line.includes('slo_page:'));
    // api: one page after the incident began, one resolved notice after it ended; billing never pages.
    expect(pages.map((line) => line.replace(/^\S+ /, ''))).toEqual([
      'sent slo_page:api-availability',
      'resolved slo_page:api-availability',
    ]);
    const [sentAt, resolvedAt] = pages.map((line) => Date.parse(line.split(' ')[0] ?? ''));
    expect(sentAt).toBeGreaterThan(Date.parse(SLO_INCIDENT.from));
    expect(sentAt).toBeLessThanOrEqual(Date.parse(SLO_INCIDENT.from) + 30 * 60_000);
    expect(resolvedAt).toBeGreaterThan(Date.parse(SLO_INCIDENT.to));
    // Hand check of the first paging run: its 1h and 5m burns (or 6h and 30m) are above the rule's factor.
    const first = reports.get(new Date(sentAt ?? 0).toISOString())?.slos.find((s) => s.name === 'api-availability');
    expect(first?.status === 'page' || first?.status === 'exhausted').toBe(true);
    // billing: a ticket, never resolved before the day ends (2% against a 1% budget), re-sent only
    // after the repeat interval (--alert-repeat, 4h).
    const billing = slo.filter((line) => line.includes('billing'));
    expect(billing.length).toBeGreaterThan(0);
    for (const line of billing) expect(line).toMatch(/ sent slo_ticket:billing-availability$/);
    const times = billing.map((line) => Date.parse(line.split(' ')[0] ?? ''));
    for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(4 * 3_600_000);
    // The resolved notice says the burn now.
    const texts = slack.messages.map((m) => JSON.stringify(m));
    expect(texts.some((t) => /api-availability burn back to \d+(\.\d+)?x \(1h\)/.test(t))).toBe(true);
  }, 180_000);

  it('a healthy, noisy day: trend noise at p < 0.01 before the adjustment, and nothing sent', async () => {
    slack.reset();
    // Seed 17: the hourly means of some service differ by more than 10% at a raw p < 0.01 in
    // several runs (checked below); with the services judged as one family (Holm-Bonferroni), none.
    const file = writeRows(noisyDay(17));
    const stateDir = emptyDir('perfmon-noise-state-');
    const args = ['--input', file, '--slo', 'availability>=99.5'];
    let rawVerdicts = 0;
    const lines: string[] = [];
    for (const until of cronTimes(5, '2025-11-20T02:00:00.000Z', '2025-11-20T12:00:00.000Z')) {
      const report = await runAt(args, until, stateDir);
      lines.push(...story(until, report));
      for (const s of report.services) {
        if (s.trend.pValue !== null && s.trend.pValue < 0.01 && Math.abs(s.trend.percentChange ?? 0) > 10) rawVerdicts += 1;
        expect(s.trend.direction).not.toMatch(/degrading|improving/);
      }
    }
    expect(rawVerdicts).toBeGreaterThan(0);
    expect(lines).toEqual([]);
    expect(slack.messages).toHaveLength(0);
  }, 180_000);
});
