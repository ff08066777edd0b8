// Alert state scope (docs/alerting.md, issue 25): the default does not change when a log file is
// rotated or renamed; --alert-scope and PERFMON_ALERT_SCOPE name it; a scope not evaluated for 7
// days is dropped from the state, with one stderr line. Real CLI, real Slack receiver.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pruneScopes, SCOPE_RETENTION_MS } from '../alerts/state.js';
import { emptyDir, runCli } from '../harness/cli.js';
import { THRESHOLD, UNTIL, writeNdjson } from '../harness/hand-dataset.js';
import { type SlackReceiver, startSlackReceiver } from '../harness/slack-receiver.js';

let slack: SlackReceiver;
let stateDir: string;
let dir: string;

beforeAll(async () => {
  slack = await startSlackReceiver();
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => {
  slack.reset();
  stateDir = emptyDir('perfmon-scope-state-');
  dir = emptyDir('perfmon-scope-');
});

const env = (extra: Record<string, string> = {}) => ({ SLACK_WEBHOOK_URL: slack.url, PERFMON_STATE_DIR: stateDir, ...extra });
// The hand dataset: overall error rate 9.09%, health 68, a silent service: alerts fire.
const alert = (input: string, ...extra: string[]) => ['--input', input, '--until', UNTIL, '--threshold', THRESHOLD, '--alert', ...extra];
const stateOf = () =>
  JSON.parse(readFileSync(join(stateDir, 'alert-state.json'), 'utf8')) as { scopes: Record<string, { evaluatedAt?: string }> };

describe('the default scope', () => {
  it('the same log under a rotated name re-sends nothing', async () => {
    const log = writeNdjson(dir, undefined, 'app.ndjson');
    const first = await runCli(alert(log), { env: env() });
    expect(first.code).toBe(0);
    expect(slack.messages).toHaveLength(1);
    const rotated = join(dir, 'app-2025-11-20.ndjson');
    copyFileSync(log, rotated);
    const second = await runCli(alert(rotated), { env: env() });
    expect(second.code).toBe(0);
    expect(slack.messages).toHaveLength(1);
    expect(Object.keys(stateOf().scopes)).toEqual(['file|service=*']);
  });
});

describe('--alert-scope and PERFMON_ALERT_SCOPE', () => {
  it('name the state: another scope alerts on its own, the same name (option or variable) does not repeat', async () => {
    const log = writeNdjson(dir, undefined, 'billing.ndjson');
    expect((await runCli(alert(log, '--alert-scope', 'billing'), { env: env() })).code).toBe(0);
    expect(slack.messages).toHaveLength(1);
    expect((await runCli(alert(log), { env: env({ PERFMON_ALERT_SCOPE: 'billing' }) })).code).toBe(0);
    expect(slack.messages).toHaveLength(1);
    expect((await runCli(alert(log, '--alert-scope', 'shipping'), { env: env({ PERFMON_ALERT_SCOPE: 'billing' }) })).code).toBe(0);
    expect(slack.messages).toHaveLength(2);
    expect(Object.keys(stateOf().scopes).sort()).toEqual(['billing', 'shipping']);
  });

  it('a bad name is exit 2 with one line, before any query', async () => {
    const option = await runCli(['--demo', '--alert-scope', ' padded'], { env: env() });
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^perf-monitor: --alert-scope ' padded' is not valid: use a name of printable ASCII/);
    const variable = await runCli(['--demo'], { env: env({ PERFMON_ALERT_SCOPE: 'line\nbreak' }) });
    expect(variable.code).toBe(2);
    expect(variable.stderr).toMatch(/^perf-monitor: PERFMON_ALERT_SCOPE 'line\\nbreak' is not valid/);
    expect(variable.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('scopes not evaluated for 7 days', () => {
  it('are dropped from the state with one stderr line naming their firing alerts; younger ones stay', async () => {
    // The alert clock is the report's window end (--until), as for every alert decision.
    const now = Date.parse(UNTIL);
    const entry = (at: number) => ({
      status: 'firing',
      severity: 'critical',
      message: 'Health score 40',
      since: new Date(at).toISOString(),
      lastHeldAt: new Date(at).toISOString(),
      firstSentAt: new Date(at).toISOString(),
      lastSentAt: new Date(at).toISOString(),
      sending: null,
    });
    const scope = (at: number) => ({
      channels: { slack: { health_low: entry(at) } },
      silences: {},
      evaluatedAt: new Date(at).toISOString(),
    });
    writeFileSync(
      join(stateDir, 'alert-state.json'),
      JSON.stringify({
        version: 2,
        scopes: {
          'file:/var/log/app.ndjson.1|service=*': scope(now - SCOPE_RETENTION_MS - 3_600_000),
          'recent|service=*': scope(now - 3_600_000),
        },
      }),
    );
    const log = writeNdjson(dir, undefined, 'app.ndjson');
    const { code, stderr } = await runCli(alert(log), { env: env() });
    expect(code).toBe(0);
    expect(stderr).toMatch(
      /^perf-monitor: alert scope 'file:\/var\/log\/app\.ndjson\.1\|service=\*' not evaluated since \S+ \(over 7 days\): removed from the state, its firing alerts \(health_low\) dropped unresolved$/m,
    );
    expect(Object.keys(stateOf().scopes).sort()).toEqual(['file|service=*', 'recent|service=*']);
    expect(stateOf().scopes['file|service=*']?.evaluatedAt).toMatch(/^\d{4}-/);
  });

  it('pruneScopes: a scope from a file without evaluation times starts its clock, the current one is stamped', () => {
    const state = {
      version: 2 as const,
      scopes: {
        old: { channels: {}, silences: {} },
        current: { channels: {}, silences: {}, evaluatedAt: '2000-01-01T00:00:00.000Z' },
        stale: { channels: {}, silences: {}, evaluatedAt: '2025-01-01T00:00:00.000Z' },
      },
    };
    const now = Date.parse('2025-01-08T00:00:00.001Z');
    expect(pruneScopes(state, 'current', now)).toEqual([{ scope: 'stale', evaluatedAt: '2025-01-01T00:00:00.000Z', firing: [] }]);
    expect(state.scopes).toEqual({
      old: { channels: {}, silences: {}, evaluatedAt: '2025-01-08T00:00:00.001Z' },
      current: { channels: {}, silences: {}, evaluatedAt: '2025-01-08T00:00:00.001Z' },
    });
    // Exactly 7 days is not over 7 days.
    const edge = { version: 2 as const, scopes: { s: { channels: {}, silences: {}, evaluatedAt: '2025-01-01T00:00:00.000Z' } } };
    expect(pruneScopes(edge, 'other', Date.parse('2025-01-08T00:00:00.000Z') - 1)).toEqual([]);
  });
});
