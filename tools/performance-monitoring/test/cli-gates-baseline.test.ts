// --baseline through the real CLI (docs/gates.md). The baseline is this tool's own JSON for the hand
// dataset's previous day (--until 2025-11-19T10Z, T = 1000 ms), compared with the day after:
//   then: overall 23 ops, 0 failed, 23 samples, avg 20,600 / 23 = 895.65 (JSON 895.7), p95 = p99 = 1000, apdex 1;
//         api 20 x 1000 ms (20 samples); legacy 100, 200, 300 ms (p95 200 + 0.9 * 100 = 290, p99 298).
//   now:  overall 22 ops, 2 failed (9.09%), 21 samples, avg 1023.8, p95 1900, p99 1980, apdex 0.714;
//         api 20 ops (10%), avg 1050, p95 1905, p99 1981, apdex 0.7; batch new (1 sample); legacy silent.
// The p95 is 90% worse, but the mean's rise is no evidence (docs/gates.md): api then 20 x 1000 ms
// (sd 0), now 100..2000 ms (sd 100 * sqrt(35) = 591.6): t = 50 / (591.6 / sqrt(20)) = 0.38, one-sided
// p ~ 0.35; overall t ~ 0.9. So only a baseline saved without standard deviations (an older version,
// `older`) flags them, on the percentages alone.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../harness/cli.js';
import { THRESHOLD, UNTIL, writeNdjson } from '../harness/hand-dataset.js';

const THEN_UNTIL = '2025-11-19T10:00:00Z';
let dir: string;
let ndjson: string;
let baseline: string;
let older: string;

/** A parsed report, read and edited in place (fields deleted to mimic older files): loosely typed on purpose. */
// biome-ignore lint/suspicious/noExplicitAny: the test edits a parsed report's nested fields in place; a typed walk would hide what is edited.
type Json = Record<string, any>;

const now = (...extra: string[]) => ['--input', ndjson, '--until', UNTIL, '--threshold', THRESHOLD, ...extra];

async function saveReport(args: string[], name: string, edit: (r: Json) => void = () => {}): Promise<string> {
  const { code, stdout } = await runCli([...args, '--format', 'json']);
  expect(code).toBe(0);
  const report = JSON.parse(stdout) as Json;
  edit(report);
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(report, null, 2));
  return path;
}

async function compare(file: string, ...extra: string[]) {
  const { code, stdout, stderr } = await runCli([...now('--baseline', file, ...extra), '--format', 'json']);
  return { code, stderr, gates: JSON.parse(stdout).gates as Json };
}

function serviceEntry(gates: Json, name: string): Json {
  const entry = (gates.baseline.services as Json[]).find((s) => s.service === name);
  if (!entry) throw new Error(`no baseline entry for ${name}`);
  return entry;
}

beforeAll(async () => {
  dir = emptyDir('perfmon-baseline-');
  ndjson = writeNdjson(dir);
  baseline = await saveReport(['--input', ndjson, '--until', THEN_UNTIL, '--threshold', THRESHOLD], 'before.json');
  older = await saveReport(['--input', ndjson, '--until', THEN_UNTIL, '--threshold', THRESHOLD], 'before-older.json', (r) => {
    delete r.overall.stdDevDuration;
    for (const s of r.services) delete s.performance.stdDevDuration;
  });
});

const OLDER_NOTE =
  'the baseline has no standard deviations (saved by an older version): p95/avg were compared on the percentages alone, without the significance test; save a new baseline';

describe('--baseline comparison', () => {
  it('compares overall and each service, then -> now with the change, and flags the regressions', async () => {
    const { code, stderr, gates } = await compare(baseline);
    expect(stderr).toBe('');
    expect(code).toBe(3);
    expect(gates.passed).toBe(false);
    expect(gates.baseline).toMatchObject({
      file: baseline,
      period: { start: '2025-11-18T10:00:00.000Z', end: '2025-11-19T10:00:00.000Z', hours: 24 },
      threshold: 1000,
      regressionPct: 10,
      notes: [],
    });
    expect(gates.baseline.overall).toEqual({
      service: null,
      then: { operations: 23, errorRate: 0, avgDuration: 895.7, p95Duration: 1000, p99Duration: 1000, apdex: 1, samples: 23 },
      now: { operations: 22, errorRate: 9.09, avgDuration: 1023.8, p95Duration: 1900, p99Duration: 1980, apdex: 0.714, samples: 21 },
      // -1 / 23 = -4.35%; (1023.8 - 895.7) / 895.7 = +14.30%; error rate in points; Apdex absolute.
      change: { operations: -4.35, errorRate: 9.09, avgDuration: 14.3, p95Duration: 90, p99Duration: 98, apdex: -0.286 },
      // p95 +90% and avg +14.3%, but the mean's rise is not significant (header); the error rate is
      // up 9.09 points but with 2 failures only (< 5): no regression.
      regression: false,
      reasons: [],
      note: null,
    });
    expect(gates.baseline.services).toEqual([
      {
        service: 'api',
        then: { operations: 20, errorRate: 0, avgDuration: 1000, p95Duration: 1000, p99Duration: 1000, apdex: 1, samples: 20 },
        now: { operations: 20, errorRate: 10, avgDuration: 1050, p95Duration: 1905, p99Duration: 1981, apdex: 0.7, samples: 20 },
        change: { operations: 0, errorRate: 10, avgDuration: 5, p95Duration: 90.5, p99Duration: 98.1, apdex: -0.3 },
        regression: false,
        reasons: [],
        note: null,
      },
      {
        service: 'batch',
        then: null,
        now: { operations: 2, errorRate: 0, avgDuration: 500, p95Duration: 500, p99Duration: 500, apdex: 1, samples: 1 },
        change: { operations: null, errorRate: null, avgDuration: null, p95Duration: null, p99Duration: null, apdex: null },
        regression: false,
        reasons: [],
        note: 'new since the baseline',
      },
      {
        service: 'legacy',
        then: { operations: 3, errorRate: 0, avgDuration: 200, p95Duration: 290, p99Duration: 298, apdex: 1, samples: 3 },
        now: { operations: 0, errorRate: null, avgDuration: null, p95Duration: null, p99Duration: null, apdex: null, samples: 0 },
        change: { operations: -100, errorRate: null, avgDuration: null, p95Duration: null, p99Duration: null, apdex: null },
        regression: true,
        reasons: ['silent now (3 operations in the baseline)'],
        note: null,
      },
    ]);
  });

  it('prints COMPARED WITH BASELINE (then → now → change) and a GATES verdict in the text report', async () => {
    const { code, stdout } = await runCli(now('--baseline', baseline));
    expect(code).toBe(3);
    const section = stdout.slice(stdout.indexOf('COMPARED WITH BASELINE'), stdout.indexOf('GATES'));
    expect(section).toContain(`Baseline: ${baseline}, 2025-11-18T10:00:00.000Z - 2025-11-19T10:00:00.000Z (24h, T=1,000ms)\n`);
    expect(section).toContain(
      '✅ Overall\n' +
        '   Operations: 23 → 22 (-4.4%)\n' +
        '   Error Rate: 0% → 9.09% (+9.09 pp)\n' +
        '   Avg Duration: 895.7ms → 1,023.8ms (+14.3%)\n' +
        '   P95 Duration: 1,000ms → 1,900ms (+90%)\n' +
        '   P99 Duration: 1,000ms → 1,980ms (+98%)\n' +
        '   Apdex: 1 → 0.714 (-0.286)\n\n',
    );
    expect(section).toContain('🆕 batch — new since the baseline\n   Operations: n/a → 2\n');
    expect(section).toContain('❌ legacy — regression\n   Operations: 3 → 0 (-100%)\n');
    expect(stdout).toContain(`❌ --baseline ${baseline}: 1 regression (legacy)\n`);
    expect(stdout.indexOf('MOST FREQUENT ERRORS')).toBeLessThan(stdout.indexOf('COMPARED WITH BASELINE'));
  });

  it('an older baseline (no standard deviations) is compared on the percentages alone, and says so', async () => {
    const { code, stderr, gates } = await compare(older);
    expect(code).toBe(3);
    expect(stderr).toBe(`perf-monitor: --baseline: ${OLDER_NOTE}\n`);
    expect(gates.baseline.notes).toEqual([OLDER_NOTE]);
    expect(gates.baseline.overall.reasons).toEqual([
      'p95Duration +90% (1,000ms → 1,900ms, more than +10%); percentages alone',
      'avgDuration +14.3% (895.7ms → 1,023.8ms, more than +10%); percentages alone',
    ]);
    expect(serviceEntry(gates, 'api').reasons).toEqual(['p95Duration +90.5% (1,000ms → 1,905ms, more than +10%); percentages alone']);
    const text = await runCli(now('--baseline', older));
    expect(text.stdout).toContain('   Regression: p95Duration +90% (1,000ms → 1,900ms, more than +10%); percentages alone\n');
    expect(text.stdout).toContain(`❌ --baseline ${older}: 3 regressions (overall, api, legacy)\n`);
  });

  it('a report compared with itself has no regression: exit 0', async () => {
    const same = await saveReport(now(), 'same.json');
    const { code, gates } = await compare(same);
    expect(code).toBe(0);
    expect(gates.passed).toBe(true);
    expect(gates.baseline.overall.change).toEqual({
      operations: 0,
      errorRate: 0,
      avgDuration: 0,
      p95Duration: 0,
      p99Duration: 0,
      apdex: 0,
    });
    expect([gates.baseline.overall, ...gates.baseline.services].map((e: Json) => [e.service, e.regression])).toEqual([
      [null, false],
      ['api', false],
      ['batch', false],
    ]);
  });

  it('--regression is "more than": api p95 +90.5% is no regression at 90.5, one at 90.49 (on the percentages alone)', async () => {
    const at = await compare(older, '--regression', '90.5');
    expect(serviceEntry(at.gates, 'api')).toMatchObject({ regression: false, reasons: [] });
    expect(at.gates.baseline.regressionPct).toBe(90.5);
    const below = await compare(older, '--regression', '90.49');
    expect(serviceEntry(below.gates, 'api').reasons).toEqual([
      'p95Duration +90.5% (1,000ms → 1,905ms, more than +90.49%); percentages alone',
    ]);
    // api avg +5%: a regression only below 5.
    const avg = await compare(older, '--regression', '4.99');
    expect(serviceEntry(avg.gates, 'api').reasons).toContain('avgDuration +5% (1,000ms → 1,050ms, more than +4.99%); percentages alone');
    expect(serviceEntry((await compare(older, '--regression', '5')).gates, 'api').reasons).toEqual([
      'p95Duration +90.5% (1,000ms → 1,905ms, more than +5%); percentages alone',
    ]);
    // With the deviations, none of it is a significant rise of the mean: no regression at any --regression.
    expect(serviceEntry((await compare(baseline, '--regression', '0')).gates, 'api')).toMatchObject({ regression: false });
  });
});

describe('the ≥ 20 samples rule', () => {
  it('needs 20 samples in the baseline: 19 there, no duration regression', async () => {
    const file = await saveReport(['--input', ndjson, '--until', THEN_UNTIL, '--threshold', THRESHOLD], 'then-19.json', (r) => {
      r.services.find((s: Json) => s.service === 'api').performance.samples = 19;
      r.overall.samples = 19;
    });
    const { gates } = await compare(file);
    expect(serviceEntry(gates, 'api')).toMatchObject({ regression: false, reasons: [] });
    expect(gates.baseline.overall).toMatchObject({ regression: false, reasons: [] });
  });

  it('needs 20 samples now: batch 25% slower on 1 sample is no regression', async () => {
    const file = await saveReport(['--input', ndjson, '--until', THEN_UNTIL, '--threshold', THRESHOLD], 'then-batch.json', (r) => {
      const api = r.services.find((s: Json) => s.service === 'api');
      r.services.push({ ...api, service: 'batch', performance: { ...api.performance, avgDuration: 400, p95Duration: 400, samples: 50 } });
    });
    const { gates } = await compare(file);
    expect(serviceEntry(gates, 'batch')).toMatchObject({
      then: { avgDuration: 400, samples: 50 },
      change: { avgDuration: 25 },
      regression: false,
      reasons: [],
    });
  });

  it('a baseline saved without sample counts: the rule is not applied, with a notice', async () => {
    const file = await saveReport(['--input', ndjson, '--until', THEN_UNTIL, '--threshold', THRESHOLD], 'then-old.json', (r) => {
      delete r.overall.samples;
      for (const s of r.services) delete s.performance.samples;
    });
    const { code, stderr, gates } = await compare(file);
    const note =
      'the baseline has no sample counts (saved by an older version): the p95/avg rule (at least 20 samples on both sides) was not applied; save a new baseline';
    expect(stderr).toBe(`perf-monitor: --baseline: ${note}\n`);
    expect(gates.baseline.notes).toEqual([note]);
    expect(gates.baseline.overall).toMatchObject({ then: { samples: null }, regression: false });
    expect(serviceEntry(gates, 'api')).toMatchObject({ regression: false });
    expect(serviceEntry(gates, 'legacy')).toMatchObject({ regression: true }); // silent still counts
    expect(code).toBe(3);
  });
});

describe('the error-rate rule', () => {
  /** svc: 100 operations of 100 ms in the current window, `failed` of them failed. */
  function errorDataset(failed: number): string {
    const rows = Array.from({ length: 100 }, (_, k) => ({
      id: k + 1,
      source: 'svc',
      operation: 'op',
      level: k < failed ? 'error' : 'info',
      status: k < failed ? 'error' : 'success',
      message: k < failed ? 'Boom' : null,
      duration_ms: 100,
      created_at: new Date(Date.parse('2025-11-19T12:00:00Z') + k * 60_000).toISOString(),
    }));
    return writeNdjson(dir, rows, `errors-${failed}.ndjson`);
  }

  async function errorCompare(failed: number, thenRate: number) {
    const input = errorDataset(failed);
    const args = ['--input', input, '--until', UNTIL, '--threshold', THRESHOLD];
    const file = await saveReport(args, `then-${failed}-${thenRate}.json`, (r) => {
      r.overall.errorRate = thenRate;
      r.services[0].errors.errorRate = thenRate;
    });
    const { code, stdout } = await runCli([...args, '--baseline', file, '--format', 'json']);
    return { code, entry: JSON.parse(stdout).gates.baseline.services[0] as Json };
  }

  it('up by more than 1 point with 5+ failures and significant is a regression: 0% -> 8% of 100 is', async () => {
    // Pooled rate 8 / 200 = 0.04: z = 0.08 / sqrt(0.04 * 0.96 * (1/100 + 1/100)) = 2.887, one-sided p = 0.00195.
    const over = await errorCompare(8, 0);
    expect(over.entry).toMatchObject({
      change: { errorRate: 8 },
      regression: true,
      reasons: ['errorRate +8 points (0% → 8%, 8 failures; p = 0.00195)'],
    });
    expect(over.code).toBe(3);
  });

  it('a rise that is no evidence is no regression: 3.99% -> 5% (5 failures of 100) is not, nor is 4% -> 5%', async () => {
    // z = 0.0101 / sqrt(0.04495 * 0.95505 * 0.02) = 0.345: p ~ 0.37, far from 0.01.
    const small = await errorCompare(5, 3.99);
    expect(small.entry).toMatchObject({ change: { errorRate: 1.01 }, regression: false, reasons: [] });
    expect(small.code).toBe(0);
    const at = await errorCompare(5, 4);
    expect(at.entry).toMatchObject({ change: { errorRate: 1 }, regression: false, reasons: [] });
    expect(at.code).toBe(0);
  });

  it('needs at least 5 failures now: 2.5% -> 4% on 4 failures is no regression', async () => {
    const { code, entry } = await errorCompare(4, 2.5);
    expect(entry).toMatchObject({ change: { errorRate: 1.5 }, regression: false, reasons: [] });
    expect(code).toBe(0);
  });
});

describe('services that come and go', () => {
  it('a service of the baseline missing now is a regression; a rename shows as gone and new', async () => {
    const file = await saveReport(['--input', ndjson, '--until', THEN_UNTIL, '--threshold', THRESHOLD], 'then-renamed.json', (r) => {
      r.services.find((s: Json) => s.service === 'api').service = 'api-old';
    });
    const { code, gates } = await compare(file);
    expect(code).toBe(3);
    expect(gates.baseline.services.map((e: Json) => [e.service, e.regression, e.note])).toEqual([
      ['api', false, 'new since the baseline'],
      ['batch', false, 'new since the baseline'],
      ['legacy', true, null],
      ['api-old', true, null],
    ]);
    expect(serviceEntry(gates, 'api-old')).toMatchObject({
      now: null,
      reasons: ['absent now (20 operations in the baseline); new since the baseline: api, batch (renamed? save a new baseline)'],
    });
  });

  it('no operations at all now: overall and every service of the baseline regress', async () => {
    const { code, stdout } = await runCli([
      '--input',
      ndjson,
      '--until',
      '2030-01-01T00:00:00Z',
      '--threshold',
      THRESHOLD,
      '--baseline',
      baseline,
      '--format',
      'json',
    ]);
    expect(code).toBe(3);
    const { overall, services } = JSON.parse(stdout).gates.baseline;
    expect(overall).toMatchObject({ regression: true, reasons: ['no operations now (23 in the baseline)'] });
    expect(services.map((e: Json) => [e.service, e.reasons[0]])).toEqual([
      ['api', 'absent now (20 operations in the baseline)'],
      ['legacy', 'absent now (3 operations in the baseline)'],
    ]);
  });
});

describe('a baseline from another --threshold or --hours: compared anyway, with a notice', () => {
  it('--threshold', async () => {
    const file = await saveReport(['--input', ndjson, '--until', THEN_UNTIL, '--threshold', '2000'], 'then-t2000.json');
    const { code, stderr, gates } = await compare(file);
    const note = 'the baseline used --threshold 2000, this report 1000: Apdex is not comparable (compared anyway)';
    expect(stderr).toBe(`perf-monitor: --baseline: ${note}\n`);
    expect(gates.baseline).toMatchObject({ threshold: 2000, notes: [note] });
    expect(gates.baseline.overall.then).toMatchObject({ operations: 23 });
    expect(code).toBe(3); // legacy is silent
  });

  it('--hours', async () => {
    const file = await saveReport(['--input', ndjson, '--until', THEN_UNTIL, '--threshold', THRESHOLD, '--hours', '12'], 'then-12h.json');
    const { stderr, gates } = await compare(file);
    expect(stderr).toBe(
      'perf-monitor: --baseline: the baseline covers 12h, this report 24h: operation counts are not comparable (compared anyway)\n',
    );
    expect(gates.baseline.period.hours).toBe(12);
  });
});

describe('--service with a baseline of all services', () => {
  it('compares that service alone, overall with a notice', async () => {
    const { code, stderr, gates } = await compare(baseline, '--service', 'api');
    expect(stderr).toBe(
      'perf-monitor: --baseline: the baseline covers all services, this report service api only: overall figures are not comparable (compared anyway)\n',
    );
    // legacy (silent) and batch are not this report's business: no absent/new entries.
    // api's p95 is 90.5% worse, its mean's rise not significant (header): no regression.
    expect(gates.baseline.services.map((e: Json) => [e.service, e.regression])).toEqual([['api', false]]);
    expect(gates.baseline.overall.now).toMatchObject({ operations: 20 });
    expect(code).toBe(0);
  });
});

describe('--service sets and a baseline', () => {
  it('a baseline of the same set in another order: compared without a notice, only the set', async () => {
    const saved = await saveReport(
      ['--input', ndjson, '--until', THEN_UNTIL, '--threshold', THRESHOLD, '--service', 'legacy', '--service', 'api'],
      'set.json',
    );
    expect(JSON.parse(readFileSync(saved, 'utf8')).service).toEqual(['legacy', 'api']);
    const same = await compare(saved, '--service', 'api', '--service', 'legacy');
    expect(same.stderr).toBe('');
    // legacy (silent now) regresses; api's rises are not significant at 20 operations (Welch and
    // two-proportion tests, docs/gates.md); batch is not in the set.
    expect(same.gates.baseline.services.map((e: Json) => [e.service, e.regression])).toEqual([
      ['api', false],
      ['legacy', true],
    ]);
    // Overall: api's 20 and legacy's 3 then; api's 20 now.
    expect(same.gates.baseline.overall.then).toMatchObject({ operations: 23 });
    expect(same.gates.baseline.overall.now).toMatchObject({ operations: 20 });

    // Another set: the baseline's services outside it are not reported absent; a note says so.
    const other = await compare(saved, '--service', 'api', '--service', 'batch');
    expect(other.stderr).toBe(
      'perf-monitor: --baseline: the baseline covers services legacy, api only, this report services api, batch only: overall figures are not comparable (compared anyway)\n',
    );
    expect(other.gates.baseline.services.map((e: Json) => e.service)).toEqual(['api', 'batch']);
  });
});

describe('a baseline that is not a report of this tool: exit 2, one line, nothing on stdout', () => {
  const cases: [string, (path: string) => void, string][] = [
    ['missing', () => {}, 'cannot read it: ENOENT: no such file or directory'],
    ['empty', (p) => writeFileSync(p, ''), 'not valid JSON (empty file)'],
    ['truncated', (p) => writeFileSync(p, readFileSync(baseline, 'utf8').slice(0, 500)), 'not valid JSON (truncated?)'],
    ['foreign', (p) => writeFileSync(p, '{"metrics":{"http_req_duration":{}}}'), 'not a perf-monitor report (no schemaVersion)'],
    ['an array', (p) => writeFileSync(p, '[]'), 'not a perf-monitor report (no schemaVersion)'],
    [
      'from the future',
      (p) => writeFileSync(p, JSON.stringify({ ...JSON.parse(readFileSync(baseline, 'utf8')), schemaVersion: 2 })),
      'schemaVersion 2 is newer than this tool reads (it reads 1)',
    ],
    [
      'a wrong version',
      (p) => writeFileSync(p, JSON.stringify({ ...JSON.parse(readFileSync(baseline, 'utf8')), schemaVersion: '1' })),
      'schemaVersion "1" is not one this tool writes (it reads 1)',
    ],
    [
      'missing a figure',
      (p) => {
        const r = JSON.parse(readFileSync(baseline, 'utf8'));
        delete r.services[1].performance.p95Duration;
        writeFileSync(p, JSON.stringify(r));
      },
      'not a perf-monitor report: services[1].performance.p95Duration is missing',
    ],
    [
      'a string figure',
      (p) => {
        const r = JSON.parse(readFileSync(baseline, 'utf8'));
        r.overall.avgDuration = '895.7';
        writeFileSync(p, JSON.stringify(r));
      },
      'not a perf-monitor report: overall.avgDuration must be a number or null',
    ],
    [
      'a service set of numbers',
      (p) => writeFileSync(p, JSON.stringify({ ...JSON.parse(readFileSync(baseline, 'utf8')), service: [1, 2] })),
      'not a perf-monitor report: service[0] must be a string, not 1',
    ],
  ];
  it.each(cases)('%s', async (name, write, what) => {
    const path = join(dir, `bad-${name.replace(/ /g, '-')}.json`);
    write(path);
    const { code, stdout, stderr } = await runCli(now('--baseline', path));
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr).toContain(`perf-monitor: --baseline '${path}': ${what}`);
  });

  it('--regression without --baseline, or not a percentage, is a usage error', async () => {
    expect(await runCli(now('--regression', '5'))).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'perf-monitor: --regression needs --baseline <report.json> to compare with\n',
    });
    expect(await runCli(now('--baseline', baseline, '--regression', '5%'))).toMatchObject({
      code: 2,
      stderr: "perf-monitor: --regression '5%' is not valid: use a percentage from 0 to 1000 such as 10\n",
    });
  });
});
