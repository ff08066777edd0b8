// Pure parts of --alert: conditions, configuration, the no-storm rules, rendering limits, escaping.
import { describe, expect, it } from 'vitest';
import { evaluateConditions, resolvedText } from '../alerts/conditions.js';
import { alertConfigFromEnv } from '../alerts/config.js';
import { emailHtml } from '../alerts/email.js';
import { buildMessage } from '../alerts/message.js';
import { applyDelivery, type ChannelState, planChannel, settleInterrupted } from '../alerts/plan.js';
import { redactedReason, secretsOf } from '../alerts/redact.js';
import { fitBlocks, SLACK_LIMITS, slackPayload } from '../alerts/slack.js';
import { UsageError } from '../base/errors.js';
import { defaultOptions, readValue } from '../cli/read-options.js';
import { alertTiming } from '../cli/resolve.js';
import { buildNoDataReport, buildReport, sampleServices, silentService } from '../harness/report-fixture.js';
import type { Report } from '../report/types.js';
import { parseDuration } from '../text/duration.js';
import { clipLine, fitLines, forHtml, forMrkdwn } from '../text/safe-text.js';

type Finding = Report['findings'][number];
const finding = (kind: Finding['kind'], service: string | null, value: number | null, limit: number | null): Finding => ({
  kind,
  service,
  value,
  limit,
  since: null,
  sinceWindowStart: false,
  text: `${kind} (text never read)`,
});

/** The fixture's report with n8n's regression gone: health 87, nothing alert-worthy (n8n errors 5.77% < 10%). */
function healthyReport(): Report {
  const services = sampleServices().map((s) => ({ ...s, trend: { ...s.trend, direction: 'stable' as const, percentChange: 3 } }));
  return buildReport({ services, findings: [finding('high_error_rate', 'n8n', 5.77, 5)] });
}

/** `report` with `extra` findings added, as the analysis would give them. */
const withFindings = (report: Report, ...extra: Finding[]): Report => ({ ...report, findings: [...report.findings, ...extra] });

const keys = (report: Report) => evaluateConditions(report).map((c) => `${c.severity}:${c.key}`);

describe('evaluateConditions (from findings kinds and figures)', () => {
  it('fires nothing on a healthy report', () => {
    expect(evaluateConditions(healthyReport())).toEqual([]);
  });

  it('reads figures, never texts nor the rest of the report', () => {
    // healthScore says 40 but no health_low finding: no condition; the finding alone fires one.
    expect(keys({ ...healthyReport(), healthScore: 40 })).toEqual([]);
    expect(keys(withFindings(healthyReport(), finding('health_low', null, 62, 70)))).toEqual(['critical:health_low']);
  });

  it('health below 70 is critical', () => {
    const [condition] = evaluateConditions(withFindings(healthyReport(), finding('health_low', null, 62, 70)));
    expect(condition).toEqual({ key: 'health_low', severity: 'critical', message: 'Health score 62/100 is below 70' });
  });

  it('overall error rate above 10% is critical and names the top error; 5-10% is only an issue', () => {
    const [condition] = evaluateConditions(withFindings(healthyReport(), finding('system_error_rate', null, 12.5, 5)));
    expect(condition?.key).toBe('error_rate_high');
    expect(condition?.severity).toBe('critical');
    expect(condition?.message).toContain('12.5%');
    expect(condition?.message).toContain('[hubspot] Rate limit exceeded (12 times)');
    expect(keys(withFindings(healthyReport(), finding('system_error_rate', null, 10, 5)))).toEqual([]);
  });

  it('no operations at all is critical (and health null does not also fire health_low)', () => {
    expect(keys(buildNoDataReport())).toEqual(['critical:no_operations']);
  });

  it('overall average above the threshold is a warning naming the slowest operation', () => {
    const [condition] = evaluateConditions(withFindings(healthyReport(), finding('system_slow_average', null, 2340, 2000)));
    expect(condition).toMatchObject({ key: 'avg_above_threshold', severity: 'warning' });
    expect(condition?.message).toBe('Average duration 2,340ms is above the 2,000ms threshold; slowest: hubspot:contacts.batch 2,340ms');
  });

  it('overall and each degrading service are warnings, one per service', () => {
    const report = withFindings(buildReport(), finding('degrading', 'hubspot', 20, 10));
    report.overall.trend = { ...report.overall.trend, direction: 'degrading', percentChange: 12 };
    expect(keys(report)).toEqual(['warning:overall_degrading', 'warning:service_degrading:n8n', 'warning:service_degrading:hubspot']);
    expect(evaluateConditions(report)[1]?.message).toBe('n8n: performance degrading (+15.3%)');
  });

  it('a silent service is a warning, one per service', () => {
    const report = healthyReport();
    report.services.push(silentService('legacy-sync'), silentService('old-cron'));
    report.findings.push(finding('silent', 'legacy-sync', null, null), finding('silent', 'old-cron', null, null));
    expect(keys(report)).toEqual(['warning:service_silent:legacy-sync', 'warning:service_silent:old-cron']);
  });

  it('a remembered silent service absent from the report is still silent; one with operations is not', () => {
    const report = healthyReport();
    const conditions = evaluateConditions(report, { silentBefore: ['legacy-sync', 'n8n'] });
    expect(conditions).toEqual([
      { key: 'service_silent:legacy-sync', severity: 'warning', message: 'legacy-sync: still no operations (none in the last 48h)' },
    ]);
  });

  it('with a --service set, only the remembered silent services of the set stay silent', () => {
    const report = { ...healthyReport(), service: ['legacy-sync', 'hubspot'] };
    const conditions = evaluateConditions(report, { silentBefore: ['legacy-sync', 'old-cron'] });
    expect(conditions.map((c) => c.key)).toEqual(['service_silent:legacy-sync']);
  });

  it('a service error rate above 10% with at least 20 operations is a warning', () => {
    const services = sampleServices();
    const n8n = services[2];
    if (!n8n) throw new Error('fixture');
    n8n.operations = { total: 20, successful: 17, failed: 3, successRate: 85 };
    n8n.errors = { ...n8n.errors, total: 3, errorRate: 15 };
    const report = buildReport({ services, findings: [finding('high_error_rate', 'n8n', 15, 5)] });
    expect(evaluateConditions(report)).toEqual([
      { key: 'service_error_rate:n8n', severity: 'warning', message: 'n8n: error rate 15.0% is above 10% (3 of 20 operations)' },
    ]);
    n8n.operations.total = 19;
    expect(keys(report)).toEqual([]);
    n8n.operations.total = 20;
    expect(keys(buildReport({ services, findings: [finding('high_error_rate', 'n8n', 10, 5)] }))).toEqual([]);
  });

  it('lists critical conditions before warnings', () => {
    const report = withFindings(
      buildReport({ healthScore: 40 }),
      finding('health_low', null, 40, 70),
      finding('system_error_rate', null, 30, 5),
      finding('system_slow_average', null, 5000, 2000),
      finding('silent', 'legacy-sync', null, null),
    );
    report.services.push(silentService());
    expect(keys(report)).toEqual([
      'critical:health_low',
      'critical:error_rate_high',
      'warning:avg_above_threshold',
      'warning:service_degrading:n8n',
      'warning:service_silent:legacy-sync',
    ]);
  });
});

describe('resolvedText', () => {
  it('says the figure now', () => {
    const report = healthyReport();
    expect(resolvedText(report, 'health_low')).toBe('health score back to 87/100');
    expect(resolvedText(report, 'service_error_rate:n8n')).toBe('n8n error rate back to 5.8% (18 of 312 operations)');
    expect(resolvedText(report, 'service_degrading:unleashed')).toBe('unleashed: performance back to stable (+3.0%)');
    expect(resolvedText(report, 'service_silent:hubspot')).toBe('hubspot: operations again (523 in the last 24h)');
  });
});

describe('alertConfigFromEnv', () => {
  const slack = { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T1/B1/secretpath' };
  const email = { EMAIL_HOST: 'smtp.example.com', EMAIL_FROM: 'perf@example.com', EMAIL_TO: 'ops@example.com, oncall@example.com' };
  const usage = (env: NodeJS.ProcessEnv) => {
    try {
      alertConfigFromEnv(env, alertTiming(defaultOptions()));
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(2);
      return (error as Error).message;
    }
    throw new Error('expected a UsageError');
  };

  it('reads both channels with the defaults', () => {
    const config = alertConfigFromEnv({ ...slack, ...email, EMAIL_USER: 'u', EMAIL_PASS: 'p4ss' }, alertTiming(defaultOptions()));
    expect(config.slack).toEqual({ webhookUrl: slack.SLACK_WEBHOOK_URL });
    expect(config.email).toEqual({
      host: 'smtp.example.com',
      port: 587,
      user: 'u',
      pass: 'p4ss',
      from: 'perf@example.com',
      to: ['ops@example.com', 'oncall@example.com'],
    });
    expect(config).toMatchObject({ stateDir: '.perfmon', timeoutMs: 30_000, repeatMs: 4 * 3_600_000 });
    expect(config.secrets).toEqual(expect.arrayContaining([slack.SLACK_WEBHOOK_URL, '/services/T1/B1/secretpath', 'p4ss']));
  });

  it('parses --alert-repeat durations', () => {
    expect(['90s', '30m', '4h', '1d', '1.5h'].map((d) => parseDuration(d))).toEqual([90_000, 1_800_000, 14_400_000, 86_400_000, 5_400_000]);
    for (const bad of ['5x', '4', '0m', '-1h', 'h', '', '366d', '100000000d']) expect(parseDuration(bad)).toBeNull();
    // One parser, one message: the CLI's (config takes the parsed milliseconds).
    expect(() => readValue('alertRepeat', '5x')).toThrow(
      "--alert-repeat '5x' is not valid: use a duration of at least 1s and at most 365d such as 90s, 30m, 4h or 1d",
    );
  });

  it('rejects --alert without any channel, before anything else runs', () => {
    expect(usage({ EMAIL_HOST: '' })).toMatch(/^--alert needs SLACK_WEBHOOK_URL or EMAIL_HOST \+ EMAIL_FROM \+ EMAIL_TO/);
  });

  it('rejects half-configured e-mail, naming what is missing', () => {
    expect(usage({ EMAIL_HOST: 'smtp.example.com' })).toBe(
      'e-mail alerts need EMAIL_HOST, EMAIL_FROM and EMAIL_TO; missing: EMAIL_FROM, EMAIL_TO',
    );
    expect(usage({ ...email, EMAIL_USER: 'u' })).toMatch(/EMAIL_USER is set but EMAIL_PASS is not/);
    const passOnly = usage({ ...email, EMAIL_PASS: 'topsecret' });
    expect(passOnly).toMatch(/EMAIL_PASS is set but EMAIL_USER is not/);
    expect(passOnly).not.toContain('topsecret');
    expect(usage({ ...email, EMAIL_TO: 'not-an-address' })).toMatch(/^EMAIL_TO: 'not-an-address' is not an e-mail address/);
  });

  it('rejects a bad port, timeout and a non-http webhook without printing it', () => {
    expect(usage({ ...email, EMAIL_PORT: 'abc' })).toMatch(/^EMAIL_PORT: 'abc' is not a port; use an integer 1\.\.65535/);
    expect(usage({ ...email, EMAIL_PORT: '70000' })).toMatch(/^EMAIL_PORT: '70000'/);
    expect(usage({ ...slack, PERFMON_TIMEOUT_MS: '0' })).toMatch(
      /^PERFMON_TIMEOUT_MS '0' is not valid: use a whole number of milliseconds from 1 to 600000/,
    );
    const bad = usage({ SLACK_WEBHOOK_URL: 'ftp://hooks.example/T1/secretpath' });
    expect(bad).toMatch(/^SLACK_WEBHOOK_URL is not an http\(s\) URL/);
    expect(bad).not.toContain('secretpath');
  });
});

describe('planChannel / applyDelivery', () => {
  const HOUR = 3_600_000;
  const MIN = 60_000;
  const t0 = Date.parse('2025-11-20T10:00:00.000Z');
  const at = (ms: number) => new Date(ms).toISOString();
  const firing = [{ key: 'health_low', severity: 'critical' as const, message: 'Health score 62/100 is below 70' }];
  const timing = (repeatMs: number, forMs = 0, keepFiringMs = 0) => ({ repeatMs, forMs, keepFiringMs });
  /** One run: plan, deliver (or not), and the state the next run starts from. */
  const step = (state: ChannelState, conditions: typeof firing, ms: number, t: ReturnType<typeof timing>, delivered = true) => {
    const plan = planChannel(state, conditions, ms, t);
    return { plan, state: applyDelivery(plan, at(ms), delivered) };
  };

  it('sends new, suppresses until the interval, re-sends after it, resolves once', () => {
    const first = step({}, firing, t0, timing(4 * HOUR));
    expect(first.plan.firing).toEqual([{ condition: firing[0], repeat: false }]);
    expect(first.state.health_low).toMatchObject({ status: 'firing', lastSentAt: '2025-11-20T10:00:00.000Z', sending: null });

    const early = planChannel(first.state, firing, t0 + 4 * HOUR - 1, timing(4 * HOUR));
    expect({ ...early, base: undefined }).toEqual({
      firing: [],
      suppressed: [{ key: 'health_low', nextSendAt: '2025-11-20T14:00:00.000Z' }],
      resolved: [],
      base: undefined,
    });
    expect(planChannel(first.state, firing, t0 + 4 * HOUR, timing(4 * HOUR)).firing).toEqual([{ condition: firing[0], repeat: true }]);

    const gone = step(first.state, [], t0 + HOUR, timing(4 * HOUR));
    expect(gone.plan.resolved.map((r) => r.key)).toEqual(['health_low']);
    expect(gone.state).toEqual({});
  });

  it('a failed delivery counts as not sent; an undelivered resolved notice is owed', () => {
    expect(step({}, firing, t0, timing(HOUR), false).state.health_low?.status).toBe('pending');
    const sent = step({}, firing, t0, timing(HOUR)).state;
    const owed = step(sent, [], t0 + MIN, timing(HOUR), false).state;
    expect(owed.health_low?.status).toBe('resolving');
    expect(planChannel(owed, [], t0 + 2 * MIN, timing(HOUR)).resolved.map((r) => r.key)).toEqual(['health_low']);
  });

  it('--alert-for: pending until the condition has held that long, forgotten if it stops before', () => {
    const t = timing(4 * HOUR, 10 * MIN);
    const a = step({}, firing, t0, t);
    expect(a.plan.firing).toEqual([]);
    expect(a.plan.suppressed).toEqual([{ key: 'health_low', nextSendAt: '2025-11-20T10:10:00.000Z' }]);
    expect(a.state.health_low).toMatchObject({ status: 'pending', since: '2025-11-20T10:00:00.000Z' });
    const b = step(a.state, firing, t0 + 5 * MIN, t);
    expect(b.plan.firing).toEqual([]);
    const c = step(b.state, firing, t0 + 10 * MIN, t);
    expect(c.plan.firing).toEqual([{ condition: firing[0], repeat: false }]);
    expect(c.state.health_low).toMatchObject({
      status: 'firing',
      since: '2025-11-20T10:00:00.000Z',
      firstSentAt: '2025-11-20T10:10:00.000Z',
    });
    // Stopping while pending: no resolved notice (nothing was sent), and the clock starts over.
    const stopped = step(b.state, [], t0 + 6 * MIN, t);
    expect(stopped.plan.resolved).toEqual([]);
    expect(stopped.state).toEqual({});
  });

  it('--alert-keep-firing: a return within the time is the same alert; resolved only after it', () => {
    const t = timing(4 * HOUR, 0, 15 * MIN);
    const sent = step({}, firing, t0, t).state;
    const off = step(sent, [], t0 + 5 * MIN, t);
    expect(off.plan).toMatchObject({ firing: [], resolved: [], suppressed: [] });
    expect(off.state.health_low).toMatchObject({ status: 'resolving', lastHeldAt: '2025-11-20T10:00:00.000Z' });
    const back = step(off.state, firing, t0 + 10 * MIN, t);
    expect(back.plan.firing).toEqual([]);
    expect(back.plan.suppressed).toEqual([{ key: 'health_low', nextSendAt: '2025-11-20T14:00:00.000Z' }]);
    expect(back.state.health_low).toMatchObject({
      status: 'firing',
      lastHeldAt: '2025-11-20T10:10:00.000Z',
      firstSentAt: '2025-11-20T10:00:00.000Z',
    });
    // 14 min after it last held: still firing; 15 min: one resolved notice.
    expect(step(back.state, [], t0 + 24 * MIN, t).plan.resolved).toEqual([]);
    const resolved = step(step(back.state, [], t0 + 24 * MIN, t).state, [], t0 + 25 * MIN, t);
    expect(resolved.plan.resolved.map((r) => r.key)).toEqual(['health_low']);
    expect(resolved.state).toEqual({});
  });

  it('a muted key is neither sent nor resolved, and keeps its memory', () => {
    const t = timing(HOUR);
    const muted = () => true;
    expect(planChannel({}, firing, t0, t, muted)).toEqual({ firing: [], suppressed: [], resolved: [], base: {} });
    const sent = step({}, firing, t0, t).state;
    const quiet = planChannel(sent, [], t0 + 2 * HOUR, t, muted);
    expect(quiet.resolved).toEqual([]);
    expect(quiet.base).toEqual(sent);
  });

  it('marks what a delivery changes as "sending"; the next run takes it as delivered', () => {
    const sent = step({}, firing, t0, timing(HOUR)).state;
    const gone = planChannel(sent, [], t0 + MIN, timing(HOUR));
    const marked = applyDelivery(gone, at(t0 + MIN), true, true);
    expect(marked.health_low).toMatchObject({ status: 'resolved', sending: '2025-11-20T10:01:00.000Z' });
    expect(settleInterrupted(marked)).toEqual({ state: {}, interrupted: [{ key: 'health_low', at: '2025-11-20T10:01:00.000Z' }] });
    const fresh = applyDelivery(planChannel({}, firing, t0, timing(HOUR)), at(t0), true, true);
    const settled = settleInterrupted(fresh);
    expect(settled.state.health_low).toMatchObject({ status: 'firing', lastSentAt: '2025-11-20T10:00:00.000Z', sending: null });
    expect(planChannel(settled.state, firing, t0 + MIN, timing(HOUR)).firing).toEqual([]);
  });
});

describe('rendering', () => {
  const injection = '<!channel> <https://evil.example|click> <script>alert(1)</script> *bold* & co';

  it('escapes Slack control characters and HTML', () => {
    expect(forMrkdwn(injection)).toBe(
      '&lt;!channel&gt; &lt;https://evil.example|click&gt; &lt;script&gt;alert(1)&lt;/script&gt; *bold* &amp; co',
    );
    expect(forHtml(`"a" & 'b' <i>`)).toBe('&quot;a&quot; &amp; &#39;b&#39; &lt;i&gt;');
    expect(clipLine('line one\nline two', 12)).toBe('line one li…');
  });

  it('fits lines under a limit with "…and N more"', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i} ${'x'.repeat(50)}`);
    const text = fitLines(lines, 3000);
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text).toMatch(/\n…and \d+ more$/);
    const shown = text.split('\n').length - 1;
    expect(text.endsWith(`…and ${100 - shown} more`)).toBe(true);
    expect(fitLines(['a', 'b'], 3000)).toBe('a\nb');
  });

  it('keeps a huge Slack message within Block Kit limits', () => {
    const report = buildReport({ healthScore: 10 });
    const conditions = Array.from({ length: 400 }, (_, i) => ({
      key: `service_silent:s${i}`,
      severity: 'warning' as const,
      message: `s${i}: ${'<'.repeat(400)}`,
    }));
    const payload = slackPayload(
      buildMessage(report, { firing: conditions.map((condition) => ({ condition, repeat: false })), suppressed: [], resolved: [] }),
    );
    const blocks = payload.blocks ?? [];
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const block of blocks) {
      const text = (block as { text?: { text: string } }).text?.text ?? '';
      expect(text.length).toBeLessThanOrEqual(block.type === 'header' ? SLACK_LIMITS.headerText : SLACK_LIMITS.sectionText);
    }
    expect(JSON.stringify(blocks)).toMatch(/…and \d+ more/);
    expect(payload.text?.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
    const many = Array.from({ length: 60 }, () => ({ type: 'divider' as const }));
    const fitted = fitBlocks(many);
    expect(fitted).toHaveLength(50);
    expect(JSON.stringify(fitted.at(-1))).toContain('…and 11 more');
  });

  it('renders the same facts in HTML, escaped', () => {
    const report = buildReport({ healthScore: 62 });
    const plan = planChannel({}, [{ key: 'x', severity: 'critical', message: injection }], 0, { repeatMs: 1, forMs: 0, keepFiringMs: 0 });
    const html = emailHtml(buildMessage(report, plan));
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
  });

  it('redacts secrets and URLs from delivery errors', () => {
    const url = 'https://hooks.slack.com/services/T1/B1/secretpath';
    const secrets = secretsOf([url, 'hunter2']);
    expect(redactedReason(new Error(`POST ${url} failed: bad password hunter2\nstack`), secrets)).toBe(
      'POST [redacted] failed: bad password [redacted]',
    );
    expect(redactedReason('GET /services/T1/B1/secretpath 404', secrets)).toBe('GET [redacted] 404');
  });
});
