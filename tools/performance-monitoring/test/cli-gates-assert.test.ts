// --assert through the real CLI (docs/gates.md), on the hand-computed dataset (support/hand-dataset.ts,
// figures derived in cli-report.test.ts): T = 1000 ms, window [2025-11-19T10Z, 2025-11-20T10Z).
// Overall: 22 operations, errorRate 9.0909 (JSON 9.09), avg 1023.8095 (JSON 1023.8), p95 1900,
// apdex 0.714286 (JSON 0.714), health 68. api: 20 operations, errorRate 10, p95 1905, apdex 0.7.
// batch: 2 operations. legacy: silent.
import { beforeAll, describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../harness/cli.js';
import { HAND_ROWS, THRESHOLD, UNTIL, writeNdjson } from '../harness/hand-dataset.js';
import { startSlackReceiver } from '../harness/slack-receiver.js';

let ndjson: string;
const args = (...asserts: string[]) => [
  '--input',
  ndjson,
  '--until',
  UNTIL,
  '--threshold',
  THRESHOLD,
  ...asserts.flatMap((a) => ['--assert', a]),
];

interface AssertionJson {
  expr: string;
  service: string | null;
  metric: string;
  actual: number | null;
  passed: boolean;
  note: string | null;
}

async function gatesOf(...asserts: string[]): Promise<{ code: number | null; results: AssertionJson[]; passed: boolean }> {
  const { code, stdout, stderr } = await runCli([...args(...asserts), '--format', 'json']);
  expect(stderr).toBe('');
  const gates = JSON.parse(stdout).gates;
  return { code, results: gates.assertions, passed: gates.passed };
}

const verdicts = (results: AssertionJson[]) => results.map((r) => [r.expr, r.actual, r.passed]);

beforeAll(() => {
  ndjson = writeNdjson(emptyDir('perfmon-gates-'));
});

describe('--assert verdicts', () => {
  it('each operator at its boundary, on the figure as the JSON shows it', async () => {
    const { code, results } = await gatesOf(
      'p95Duration<1900',
      'p95Duration<=1900',
      'p95Duration>1900',
      'p95Duration>=1900',
      // avg is 1023.8095 unrounded; the report shows 1023.8, and that is what is compared.
      'avgDuration<=1023.8',
      'avgDuration>1023.8',
      'avgDuration<1023.9',
      'errorRate<=9.09',
      'errorRate>9.09',
      'successRate>=90.91',
      'apdex>=0.714',
      'apdex>0.714',
      'p50Duration<=1000',
      'p99Duration<1980',
      'healthScore>=68',
      'healthScore>68',
      'operations>=22',
      'operations>22',
    );
    expect(verdicts(results)).toEqual([
      ['p95Duration<1900', 1900, false],
      ['p95Duration<=1900', 1900, true],
      ['p95Duration>1900', 1900, false],
      ['p95Duration>=1900', 1900, true],
      ['avgDuration<=1023.8', 1023.8, true],
      ['avgDuration>1023.8', 1023.8, false],
      ['avgDuration<1023.9', 1023.8, true],
      ['errorRate<=9.09', 9.09, true],
      ['errorRate>9.09', 9.09, false],
      ['successRate>=90.91', 90.91, true],
      ['apdex>=0.714', 0.714, true],
      ['apdex>0.714', 0.714, false],
      ['p50Duration<=1000', 1000, true],
      ['p99Duration<1980', 1980, false],
      ['healthScore>=68', 68, true],
      ['healthScore>68', 68, false],
      ['operations>=22', 22, true],
      ['operations>22', 22, false],
    ]);
    expect(code).toBe(3);
  });

  it('service-scoped metrics read that service', async () => {
    const { code, results, passed } = await gatesOf(
      'api.errorRate<=10',
      'api.p95Duration<1905.1',
      'api.apdex>=0.7',
      'batch.operations>=2',
      'batch.avgDuration<=500',
    );
    expect(verdicts(results)).toEqual([
      ['api.errorRate<=10', 10, true],
      ['api.p95Duration<1905.1', 1905, true],
      ['api.apdex>=0.7', 0.7, true],
      ['batch.operations>=2', 2, true],
      ['batch.avgDuration<=500', 500, true],
    ]);
    expect(results[0]).toMatchObject({ service: 'api', metric: 'errorRate', note: null });
    expect(passed).toBe(true);
    expect(code).toBe(0);
  });

  it('fails on a silent or absent service whatever the comparison', async () => {
    const { code, results } = await gatesOf('legacy.operations>=0', 'legacy.errorRate<100', 'hubspot.errorRate<100');
    expect(results).toEqual([
      {
        expr: 'legacy.operations>=0',
        service: 'legacy',
        slo: null,
        metric: 'operations',
        actual: null,
        passed: false,
        note: "service 'legacy' is silent: no operations now",
      },
      {
        expr: 'legacy.errorRate<100',
        service: 'legacy',
        slo: null,
        metric: 'errorRate',
        actual: null,
        passed: false,
        note: "service 'legacy' is silent: no operations now",
      },
      {
        expr: 'hubspot.errorRate<100',
        service: 'hubspot',
        slo: null,
        metric: 'errorRate',
        actual: null,
        passed: false,
        note: "no service 'hubspot' in this report",
      },
    ]);
    expect(code).toBe(3);
  });

  it('fails on a figure that is null: no operations at all', async () => {
    const { code, stdout } = await runCli([
      '--input',
      ndjson,
      '--until',
      '2030-01-01T00:00:00Z',
      '--format',
      'json',
      '--assert',
      'errorRate<100',
      '--assert',
      'healthScore>=0',
      '--assert',
      'operations<1',
    ]);
    expect(JSON.parse(stdout).gates.assertions.map((a: AssertionJson) => [a.actual, a.passed, a.note])).toEqual([
      [null, false, 'no operations'],
      [null, false, 'no operations in this period'],
      [0, true, null],
    ]);
    expect(code).toBe(3);
  });

  it('takes a service name with dots: the metric is the last segment', async () => {
    const dir = emptyDir('perfmon-gates-dots-');
    const file = writeNdjson(
      dir,
      HAND_ROWS.map((r) => (r.source === 'api' ? { ...r, source: 'api.v2' } : r)),
    );
    const { code, stdout } = await runCli([
      '--input',
      file,
      '--until',
      UNTIL,
      '--threshold',
      THRESHOLD,
      '--format',
      'json',
      '--assert',
      'api.v2.operations>=20',
      '--assert',
      'api.v2.p95Duration<=1905',
    ]);
    expect(JSON.parse(stdout).gates.assertions.map((a: AssertionJson) => [a.service, a.metric, a.actual, a.passed])).toEqual([
      ['api.v2', 'operations', 20, true],
      ['api.v2', 'p95Duration', 1905, true],
    ]);
    expect(code).toBe(0);
  });

  it('accepts spaces around the operator', async () => {
    const { results } = await gatesOf(' p95Duration <= 1900 ');
    expect(verdicts(results)).toEqual([[' p95Duration <= 1900 ', 1900, true]]);
  });
});

describe('the GATES section of the text report', () => {
  it('prints one ✅/❌ line per gate after the report and before the end, and exits 3 after printing it', async () => {
    const { code, stdout, stderr } = await runCli([
      ...args('p95Duration<=1900', 'avgDuration<1000', 'apdex>=0.714', 'legacy.operations>0', 'errorRate<9.1'),
      '--fail-under',
      '69',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(3);
    const gates = stdout.slice(stdout.indexOf('GATES'));
    expect(gates).toBe(
      `GATES\n${'-'.repeat(80)}\n` +
        '❌ --fail-under 69: health score 68\n' +
        '✅ p95Duration<=1900: 1,900ms\n' +
        '❌ avgDuration<1000: 1,023.8ms\n' +
        '✅ apdex>=0.714: 0.714\n' +
        "❌ legacy.operations>0: no data (service 'legacy' is silent: no operations now)\n" +
        '✅ errorRate<9.1: 9.09%\n' +
        `\n${'='.repeat(80)}\n`,
    );
    expect(stdout.indexOf('MOST FREQUENT ERRORS')).toBeLessThan(stdout.indexOf('GATES'));
  });

  it('is absent without any gate; --fail-under alone is a gate', async () => {
    const plain = await runCli(args());
    expect(plain.stdout).not.toContain('GATES');
    const json = await runCli([...args(), '--format', 'json', '--fail-under', '68']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).gates).toEqual({
      passed: true,
      failUnder: { limit: 68, actual: 68, passed: true },
      assertions: [],
      baseline: null,
    });
  });
});

describe('malformed --assert: exit 2 at startup, one line pointing at the bad part', () => {
  it.each([
    ['', "--assert '': empty expression: use [service.]metric op number, e.g. p95Duration<1500 or hubspot.errorRate<2"],
    [
      'p95Duration1500',
      "--assert 'p95Duration1500': no comparison operator: use [service.]metric op number, e.g. p95Duration<1500 or hubspot.errorRate<2 (operators <, <=, > or >=)",
    ],
    ['p95Duration=1500', "--assert 'p95Duration=1500': unknown operator '=': use <, <=, > or >="],
    ['p95Duration=<1500', "--assert 'p95Duration=<1500': unknown operator '=<': use <, <=, > or >="],
    ['<1500', "--assert '<1500': missing metric before '<': use [service.]metric op number, e.g. p95Duration<1500 or hubspot.errorRate<2"],
    ['p95Duraton<1500', "--assert 'p95Duraton<1500': unknown metric 'p95Duraton' (did you mean p95Duration?)"],
    ['p(95)<500', "--assert 'p(95)<500': unknown metric 'p(95)' (did you mean p95Duration?)"],
    [
      'latency<500',
      "--assert 'latency<500': unknown metric 'latency': use one of errorRate, successRate, avgDuration, p50Duration, p95Duration, p99Duration, apdex, healthScore, operations",
    ],
    ['p95Duration<', "--assert 'p95Duration<': missing number after '<'"],
    ['p95Duration<1500ms', "--assert 'p95Duration<1500ms': '1500ms' is not a number >= 0 (no units: durations are ms, rates percent)"],
    ['errorRate<-1', "--assert 'errorRate<-1': '-1' is not a number >= 0"],
    ['p95Duration<1500<2000', "--assert 'p95Duration<1500<2000': more than one operator: compare one metric with one number"],
    ['.errorRate<2', "--assert '.errorRate<2': missing service name before '.errorRate'"],
    [
      'api.<2',
      "--assert 'api.<2': missing metric after 'api.': use one of errorRate, successRate, avgDuration, p50Duration, p95Duration, p99Duration, apdex, healthScore, operations",
    ],
    ['apdex>85', "--assert 'apdex>85': 85 is out of range for apdex: use an Apdex, 0 to 1"],
    ['errorRate<101', "--assert 'errorRate<101': 101 is out of range for errorRate: use a percentage, 0 to 100"],
    ['api.healthScore>80', "--assert 'api.healthScore>80': healthScore is the report's own score, not a service's: drop 'api.'"],
  ])('%j', async (expr, line) => {
    // No such input file: a startup error is exit 2 before any source is opened (that would be exit 1).
    const { code, stdout, stderr } = await runCli([
      '--input',
      '/nonexistent/logs.ndjson',
      '--assert',
      'p95Duration<1500',
      '--assert',
      expr,
    ]);
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: `perf-monitor: ${line}\n` });
  });
});

describe('exit codes', () => {
  it('an alert that cannot be delivered (4) wins over a failed assertion (3)', async () => {
    const slack = await startSlackReceiver();
    try {
      const env = { SLACK_WEBHOOK_URL: slack.url, PERFMON_STATE_DIR: emptyDir('perfmon-state-'), PERFMON_TIMEOUT_MS: '3000' };
      slack.failNext(3, 500);
      const failing = await runCli([...args('p95Duration<1000'), '--alert', '--format', 'json'], { env });
      expect(failing.code).toBe(4);
      expect(JSON.parse(failing.stdout).gates.passed).toBe(false);
      // Delivered: the failed assertion alone decides, exit 3.
      const delivered = await runCli([...args('p95Duration<1000'), '--alert', '--format', 'json'], {
        env: { ...env, PERFMON_STATE_DIR: emptyDir('perfmon-state-') },
      });
      expect(delivered.code).toBe(3);
    } finally {
      await slack.close();
    }
  });
});
