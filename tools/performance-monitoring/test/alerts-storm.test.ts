// The lock no longer spans a delivery (issue 27 item 2): the marks a run writes before it sends,
// how a concurrent run reads them (in flight vs interrupted), how the outcome is recorded on the
// state as it is by then, and a lock busy for the whole wait (nothing sent, not "dedupe off").
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alertConfigFromEnv, sendAlerts } from '../alerts/index.js';
import { acquireLock } from '../alerts/lock.js';
import { applyDelivery, planChannel, recordDelivery, type Sender, settleInterrupted } from '../alerts/plan.js';
import { isInFlight, newSender } from '../alerts/sender.js';
import { defaultOptions } from '../cli/read-options.js';
import { alertTiming } from '../cli/resolve.js';
import { buildReport } from '../harness/report-fixture.js';
import { type SlackReceiver, startSlackReceiver } from '../harness/slack-receiver.js';

const t0 = Date.parse('2025-11-20T10:00:00.000Z');
const NOW = new Date(t0).toISOString();
const HOUR = 3_600_000;
const timing = { repeatMs: 4 * HOUR, forMs: 0, keepFiringMs: 0 };
const firing = [{ key: 'health_low', severity: 'critical' as const, message: 'Health score 62/100 is below 70' }];
const sender = (run: string, until = Date.now() + 60_000, pid = process.pid): Sender => ({
  run,
  pid,
  host: hostname(),
  until: new Date(until).toISOString(),
});

describe('marks and outcomes', () => {
  it("a live sender's marks are in flight: kept, not reported, and the alert is held back", () => {
    const marked = applyDelivery(planChannel({}, firing, t0, timing), NOW, true, true, sender('a'));
    expect(marked.health_low).toMatchObject({ status: 'firing', sending: NOW, sender: { run: 'a' } });
    const { state, interrupted } = settleInterrupted(marked, (entry) => isInFlight(entry));
    expect([state, interrupted]).toEqual([marked, []]);
    expect(planChannel(state, firing, t0 + 60_000, timing).firing).toEqual([]);
  });

  it('a dead or overdue sender, or none (a file of an earlier version), left an interrupted send', () => {
    const dead = 2 ** 22 + 12_345; // above Linux's pid_max default: no such process
    for (const who of [sender('a', Date.now() + 60_000, dead), sender('a', Date.now() - 1), undefined]) {
      const marked = applyDelivery(planChannel({}, firing, t0, timing), NOW, true, true, who);
      const { state, interrupted } = settleInterrupted(marked, (entry) => isInFlight(entry));
      expect(interrupted).toEqual([{ key: 'health_low', at: NOW }]);
      expect(state.health_low).toMatchObject({ status: 'firing', sending: null });
      expect(state.health_low?.sender).toBeUndefined();
    }
  });

  it('records the outcome on the state as it is now: only its own marks', () => {
    const plan = planChannel({}, firing, t0, timing);
    const marked = applyDelivery(plan, NOW, true, true, sender('a'));
    // Delivered: sent, unmarked.
    expect(recordDelivery(marked, plan, 'a', true).health_low).toMatchObject({ status: 'firing', lastSentAt: NOW, sending: null });
    // Not delivered: back to the plan's base (pending, due at once), so the next run sends it.
    expect(recordDelivery(marked, plan, 'a', false)).toEqual(plan.base);
    // Marked by another run since (it took over an overdue send): theirs, left alone.
    const theirs = applyDelivery(plan, NOW, true, true, sender('b'));
    expect(recordDelivery(theirs, plan, 'a', false)).toEqual(theirs);
  });

  it('an undelivered resolved notice is owed again, even if a concurrent run dropped its marker', () => {
    const sent = applyDelivery(planChannel({}, firing, t0, timing), NOW, true);
    const gone = planChannel(sent, [], t0 + 60_000, timing);
    expect(gone.resolved.map((r) => r.key)).toEqual(['health_low']);
    const marked = applyDelivery(gone, NOW, true, true, sender('a'));
    expect(recordDelivery(marked, gone, 'a', true)).toEqual({});
    expect(recordDelivery({}, gone, 'a', false).health_low).toMatchObject({ status: 'resolving', sending: null });
  });

  it("a sender's deadline outlasts its delivery and the wait to record it", () => {
    const at = Date.now();
    expect(Date.parse(newSender(2_000, 25_000, at).until)).toBe(at + 3 * 2_000 + 25_000);
  });
});

describe('a state lock another run keeps for the whole wait', () => {
  let slack: SlackReceiver;
  let dir: string;
  beforeAll(async () => {
    slack = await startSlackReceiver();
  });
  afterAll(() => slack.close());
  beforeEach(async () => {
    slack.reset();
    dir = await mkdtemp(join(tmpdir(), 'perfmon-busy-'));
    return () => rm(dir, { recursive: true, force: true });
  });

  it('sends nothing (that run may be sending it), one stderr line, a failure (exit 4), not "dedupe off"', async () => {
    // A live holder (this process) that refreshes the lock: never stale, never taken over.
    const lock = await acquireLock(join(dir, 'alert-state.json.lock'), { waitMs: 0, staleMs: 20_000 });
    try {
      const config = alertConfigFromEnv(
        { SLACK_WEBHOOK_URL: slack.url, PERFMON_STATE_DIR: dir, PERFMON_TIMEOUT_MS: '1000' },
        alertTiming(defaultOptions()),
      );
      const report = buildReport({ healthScore: 62, healthStatus: 'needs_attention' });
      report.findings = [
        { kind: 'health_low', service: null, value: 62, limit: 70, since: null, sinceWindowStart: false, text: 'health_low' },
      ];
      const lines: string[] = [];
      const alerts = await sendAlerts(report, config, 'demo|service=*', { warn: (line) => lines.push(line), lockWaitMs: 600 });
      expect(slack.requests).toHaveLength(0);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^alert state in .+ busy \(another run held .+alert-state\.json\.lock for more than 1s\); this run sends no alert, so as not to repeat what that run sends; the next run sends what is still owed$/,
      );
      expect(alerts.conditions.map((c) => c.key)).toEqual(['health_low']);
      expect(alerts.channels).toEqual([
        { channel: 'slack', sent: [], suppressed: [], resolved: [], failed: { keys: [], reason: lines[0] } },
      ]);
    } finally {
      await lock.release();
    }
  });
});
