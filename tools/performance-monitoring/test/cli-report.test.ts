// The report of a dataset computed by hand (support/hand-dataset.ts), through the real CLI,
// from every file format. T = 1000 ms, window [2025-11-19T10:00Z, 2025-11-20T10:00Z).
import { beforeAll, describe, expect, it } from 'vitest';
import { comparable, emptyDir, runCli } from '../harness/cli.js';
import { THRESHOLD, UNTIL, writeCsv, writeJsonArray, writeNdjson, writeParquet } from '../harness/hand-dataset.js';

const ARGS = ['--until', UNTIL, '--threshold', THRESHOLD, '--format', 'json'];

// The timeline of the hand dataset: 48 buckets of 30 minutes from 2025-11-19T10:00Z.
const STARTS = Array.from({ length: 48 }, (_, i) => new Date(Date.parse('2025-11-19T10:00:00Z') + i * 1_800_000).toISOString());
const EMPTY_BUCKET = { operations: 0, failures: 0, errorRate: null, avgDuration: null, p95Duration: null };
/** 48 buckets, empty but for the given indexes. */
const timeline = (buckets: Record<number, object>) => STARTS.map((_, i) => buckets[i] ?? EMPTY_BUCKET);
// 10:00 (index 0): api k = 1, 100 ms. 12:00 (index 4): api k = 2..20, 200..2000 ms, 2 failed:
// 2 / 19 = 10.53%, avg 20,900 / 19 = 1,100, p95 at 18 * 0.95 = 17.1 -> 1900 + 0.1 * 100.
// 02:00 (index 32): batch 500 ms and the negative duration (no sample).
const API_10H = { operations: 1, failures: 0, errorRate: 0, avgDuration: 100, p95Duration: 100 };
const BUCKET_12H = { operations: 19, failures: 2, errorRate: 10.53, avgDuration: 1100, p95Duration: 1910 };
const BATCH_02H = { operations: 2, failures: 0, errorRate: 0, avgDuration: 500, p95Duration: 500 };
const OVERALL_TIMELINE = timeline({ 0: API_10H, 4: BUCKET_12H, 32: BATCH_02H });
const INSUFFICIENT = { direction: 'insufficient_data', percentChange: null, pValue: null };
const operation = (name: string, figures: object) => ({ operation: name, ...figures, trend: INSUFFICIENT });
let dir: string;
let ndjson: string;

beforeAll(() => {
  dir = emptyDir('perfmon-hand-');
  ndjson = writeNdjson(dir);
});

describe('a hand-computed report', () => {
  it('matches field by field', async () => {
    const { code, stdout, stderr } = await runCli(['--input', ndjson, ...ARGS]);
    expect(stderr).toBe('');
    expect(code).toBe(3 - 3); // 0: no --fail-under
    const report = JSON.parse(stdout);
    expect(report.period).toEqual({ start: '2025-11-19T10:00:00.000Z', end: '2025-11-20T10:00:00.000Z', hours: 24 });
    expect(report.previousPeriod).toEqual({ start: '2025-11-18T10:00:00.000Z', end: '2025-11-19T10:00:00.000Z' });
    expect(report.source).toEqual({ kind: 'file', aggregation: 'client', percentiles: 'exact' });
    expect(report.threshold).toBe(1000);
    // 22 operations (api 20, batch 2); 2 failed -> 9.0909%.
    // Samples: api 100..2000 (sum 21,000) and batch 500 -> 21,500 / 21 = 1023.81.
    // Sorted samples 100,200,300,400,500,500,600..2000: p50 = [10] = 1000, p95 = [19] = 1900,
    // p99 = [19] + 0.8 * ([20] - [19]) = 1980. Apdex: (11 satisfied + 8 / 2) / 21 = 0.714.
    // Previous: api 20 x 1000 + legacy 100, 200, 300 -> 20,600 / 23 = 895.65;
    // change (1023.81 - 895.65) / 895.65 = +14.31%, but not significant (docs/metrics.md): Welch's t
    // 0.909 on 21 vs 23 samples (variances 346,904.8 and 76,798.4), df 27.87, two-sided p 0.371
    // (computed with mpmath's betainc at 40 digits) >= 0.01 -> stable.
    expect(report.overall).toEqual({
      totalOperations: 22,
      successfulOperations: 20,
      failedOperations: 2,
      samples: 21, // batch's -10 ms is no sample
      successRate: 90.91,
      errorRate: 9.09,
      avgDuration: 1023.8,
      p50Duration: 1000,
      p95Duration: 1900,
      p99Duration: 1980,
      minDuration: 100,
      maxDuration: 2000,
      stdDevDuration: 589, // sqrt(346,904.8) = 588.99
      apdex: 0.714,
      trend: {
        direction: 'stable',
        percentChange: 14.31,
        pValue: 0.371,
        adjustedPValue: 0.371,
        previousAvgDuration: 895.7,
        previousOperations: 23,
      },
      timeline: OVERALL_TIMELINE,
    });
    // 24 hours: 30-minute buckets (60 at most), 10:00Z is a multiple of 30 minutes since the epoch.
    expect(report.timeline).toEqual({ bucketSeconds: 1800, starts: STARTS });
    // api: p50 = (1000 + 1100) / 2; p95 = 1900 + 0.05 * 100; p99 = 1900 + 0.81 * 100.
    // Apdex (10 + 8 / 2) / 20 = 0.7. Trend (1050 - 1000) / 1000 = +5% -> stable.
    expect(report.services).toEqual([
      {
        service: 'api',
        status: 'issues',
        operations: { total: 20, successful: 18, failed: 2, successRate: 90 },
        performance: {
          samples: 20,
          avgDuration: 1050,
          p50Duration: 1050,
          p95Duration: 1905,
          p99Duration: 1981,
          minDuration: 100,
          maxDuration: 2000,
          stdDevDuration: 591.6, // 100 ms x sqrt(35): var_samp of 1..20 is 35
        },
        apdex: 0.7,
        errors: { total: 2, errorRate: 10, topErrors: [{ message: 'Timeout', count: 2, example: 'Timeout' }] },
        // Welch: t = 50 / sqrt(350,000 / 20) = 0.378 against 20 x 1000 ms (no spread), df 19: p 0.7096 (mpmath).
        trend: {
          direction: 'stable',
          percentChange: 5,
          pValue: 0.71,
          adjustedPValue: 0.71,
          previousAvgDuration: 1000,
          previousOperations: 20,
        },
        issues: ['High error rate (10%)', 'Average duration above threshold (1,050ms > 1,000ms)'],
        timeline: timeline({ 0: API_10H, 4: BUCKET_12H }),
        // A tie at 10 calls: by operation. orders.list 100..1000: p50 = 500 + 0.5 * 100,
        // p95 = 900 + 0.55 * 100, p99 = 900 + 0.91 * 100, all satisfied. orders.sync 1100..2000,
        // k = 19, 20 failed: the 8 others tolerating -> (0 + 8 / 2) / 10 = 0.4. Under 20 samples
        // now (and none before for orders.sync): insufficient data.
        byOperation: [
          operation('orders.list', {
            calls: 10,
            failures: 0,
            errorRate: 0,
            avgDuration: 550,
            p50Duration: 550,
            p95Duration: 955,
            p99Duration: 991,
            apdex: 1,
          }),
          operation('orders.sync', {
            calls: 10,
            failures: 2,
            errorRate: 20,
            avgDuration: 1550,
            p50Duration: 1550,
            p95Duration: 1955,
            p99Duration: 1991,
            apdex: 0.4,
          }),
        ],
      },
      {
        service: 'batch',
        status: 'healthy',
        operations: { total: 2, successful: 2, failed: 0, successRate: 100 },
        performance: {
          samples: 1,
          avgDuration: 500,
          p50Duration: 500,
          p95Duration: 500,
          p99Duration: 500,
          minDuration: 500,
          maxDuration: 500,
          stdDevDuration: null, // one sample
        },
        apdex: 1,
        errors: { total: 0, errorRate: 0, topErrors: [] },
        trend: {
          direction: 'insufficient_data',
          percentChange: null,
          pValue: null,
          adjustedPValue: null,
          previousAvgDuration: null,
          previousOperations: 0,
        },
        issues: [],
        timeline: timeline({ 32: BATCH_02H }),
        // '(' sorts before 'n'; the negative duration is no sample.
        byOperation: [
          operation('(none)', {
            calls: 1,
            failures: 0,
            errorRate: 0,
            avgDuration: null,
            p50Duration: null,
            p95Duration: null,
            p99Duration: null,
            apdex: null,
          }),
          operation('nightly', {
            calls: 1,
            failures: 0,
            errorRate: 0,
            avgDuration: 500,
            p50Duration: 500,
            p95Duration: 500,
            p99Duration: 500,
            apdex: 1,
          }),
        ],
      },
      {
        service: 'legacy',
        status: 'silent',
        operations: { total: 0, successful: 0, failed: 0, successRate: null },
        performance: {
          samples: 0,
          avgDuration: null,
          p50Duration: null,
          p95Duration: null,
          p99Duration: null,
          minDuration: null,
          maxDuration: null,
          stdDevDuration: null,
        },
        apdex: null,
        errors: { total: 0, errorRate: null, topErrors: [] },
        trend: {
          direction: 'insufficient_data',
          percentChange: null,
          pValue: null,
          adjustedPValue: null,
          previousAvgDuration: 200,
          previousOperations: 3,
        },
        issues: ['No operations in this period (silent)'],
        timeline: timeline({}),
        byOperation: [],
      },
    ]);
    // orders.sync 1100..2000: avg 1550, p95 = 1900 + 0.55 * 100; orders.list 100..1000: avg 550, p95 955.
    expect(report.slowestOperations).toEqual([
      { service: 'api', operation: 'orders.sync', avgDuration: 1550, p95Duration: 1955, count: 10 },
      { service: 'api', operation: 'orders.list', avgDuration: 550, p95Duration: 955, count: 10 },
      { service: 'batch', operation: 'nightly', avgDuration: 500, p95Duration: 500, count: 1 },
    ]);
    // Both failures (k = 19, 20) are orders.sync's; a message without variable parts is its own group.
    expect(report.mostFrequentErrors).toEqual([
      { service: 'api', message: 'Timeout', count: 2, example: 'Timeout', operations: ['orders.sync'] },
    ]);
    // E = 5 + 1.5 * (9.0909 - 5) = 11.136; P = 30 * 23.81 / 1000 = 0.714; S = 2 services x 10.
    // 100 - 11.136 - 0.714 - 20 = 68.15 -> 68.
    expect(report.healthScore).toBe(68);
    expect(report.healthStatus).toBe('needs_attention');
    expect(report.healthBreakdown).toEqual({ errorDeduction: 11.14, performanceDeduction: 0.71, serviceIssueDeduction: 20 });
    expect(report.issues).toEqual([
      'High overall error rate (9.09%)',
      'Overall average duration above threshold (1,024ms > 1,000ms)',
      'Health score below 70 (68/100)',
      'api: High error rate (10%)',
      'api: Average duration above threshold (1,050ms > 1,000ms)',
      'legacy: No operations in this period (silent)',
    ]);
    // The same issues for programs: kind, service, the figure as rounded in the JSON, its limit.
    // since: the latest run of buckets over the limit. Overall and api: 10:00 (0%, 100 ms) is
    // within, 12:00 (10.53%, 1,100 ms) over, 02:00 (0%, 500 ms) within -> the run 12:00..12:30.
    // Health and silence have no bucket figure: null.
    const NOON = '2025-11-19T12:00:00.000Z';
    expect(report.findings).toEqual([
      {
        kind: 'system_error_rate',
        service: null,
        value: 9.09,
        limit: 5,
        since: NOON,
        sinceWindowStart: false,
        text: 'High overall error rate (9.09%)',
      },
      {
        kind: 'system_slow_average',
        service: null,
        value: 1023.8,
        limit: 1000,
        since: NOON,
        sinceWindowStart: false,
        text: 'Overall average duration above threshold (1,024ms > 1,000ms)',
      },
      {
        kind: 'health_low',
        service: null,
        value: 68,
        limit: 70,
        since: null,
        sinceWindowStart: false,
        text: 'Health score below 70 (68/100)',
      },
      { kind: 'high_error_rate', service: 'api', value: 10, limit: 5, since: NOON, sinceWindowStart: false, text: 'High error rate (10%)' },
      {
        kind: 'slow_average',
        service: 'api',
        value: 1050,
        limit: 1000,
        since: NOON,
        sinceWindowStart: false,
        text: 'Average duration above threshold (1,050ms > 1,000ms)',
      },
      {
        kind: 'silent',
        service: 'legacy',
        value: null,
        limit: null,
        since: null,
        sinceWindowStart: false,
        text: 'No operations in this period (silent)',
      },
    ]);
    expect(report.recommendations).toHaveLength(6);
    // statuses: api's 19 success (k=19 failed by level) and 1 error (k=20); batch's 2 success.
    expect(report.dataQuality).toEqual({
      invalidDurations: 1,
      skippedRows: 0,
      statuses: [
        { status: 'success', count: 21, failures: 1 },
        { status: 'error', count: 1, failures: 1 },
      ],
    });
    expect(report.alerts).toBeNull();
    expect(report.gates).toBeNull();
    expect(report.schemaVersion).toBe(1);
  });

  it('is the same from NDJSON, a JSON array, CSV and Parquet', async () => {
    const files = [writeJsonArray(dir), writeCsv(dir), await writeParquet(dir)];
    const reference = comparable((await runCli(['--input', ndjson, ...ARGS])).stdout);
    for (const file of files) {
      const { code, stdout, stderr } = await runCli(['--input', file, ...ARGS]);
      expect({ file, code, stderr }).toEqual({ file, code: 0, stderr: '' });
      expect(comparable(stdout)).toEqual(reference);
    }
  });

  it('prints the text report in the seed layout', async () => {
    const { code, stdout } = await runCli(['--input', ndjson, '--until', UNTIL, '--threshold', THRESHOLD]);
    expect(code).toBe(0);
    expect(stdout.startsWith(`${'='.repeat(80)}\nPERFORMANCE MONITORING REPORT\n${'='.repeat(80)}\n`)).toBe(true);
    expect(stdout.endsWith(`${'='.repeat(80)}\n`)).toBe(true);
    expect(stdout).toContain('Period: 2025-11-19T10:00:00.000Z - 2025-11-20T10:00:00.000Z (24h)');
    expect(stdout).toContain('Health Score: 68/100 🔴');
    expect(stdout).toContain('Total Operations: 22');
    expect(stdout).toContain('Error Rate: 9.09%');
    expect(stdout).toContain('⚠️ api ➡️\n   Operations: 20 (90.0% success)\n   Avg Duration: 1,050ms\n   P95 Duration: 1,905ms');
    expect(stdout).toContain('❌ legacy');
    expect(stdout).toContain('1. api:orders.sync\n   Avg: 1,550ms  P95: 1,955ms (10 calls)');
    expect(stdout).toContain('1. [api] Timeout (2 times)');
    expect(stdout).not.toContain('\u001b[');
  });

  it('--service reports that service alone and scores it on its own', async () => {
    const { code, stdout } = await runCli(['--input', ndjson, ...ARGS, '--service', 'batch']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.service).toBe('batch');
    expect(report.services.map((s: { service: string }) => s.service)).toEqual(['batch']);
    expect(report.overall.totalOperations).toBe(2);
    expect(report.healthScore).toBe(100);
    expect(report.mostFrequentErrors).toEqual([]);
  });

  it('--fail-under exits 3 below the score and 0 at or above it, printing the report either way', async () => {
    const below = await runCli(['--input', ndjson, ...ARGS, '--fail-under', '69']);
    expect(below.code).toBe(3);
    expect(JSON.parse(below.stdout).healthScore).toBe(68);
    const at = await runCli(['--input', ndjson, ...ARGS, '--fail-under', '68']);
    expect(at.code).toBe(0);
  });

  it('--fail-under treats a report without data as failing', async () => {
    const { code, stdout } = await runCli(['--input', ndjson, '--until', '2030-01-01T00:00:00Z', '--format', 'json', '--fail-under', '1']);
    expect(code).toBe(3);
    expect(JSON.parse(stdout)).toMatchObject({ healthScore: null, healthStatus: 'no_data' });
  });
});

describe('hand-computed error groups (docs/error-groups.md)', () => {
  // Six failures of one service in three operations, two causes; one success, so 6 / 7 failed.
  const at = (minute: number) => new Date(Date.parse('2025-11-19T12:00:00Z') + minute * 60_000).toISOString();
  const failure = (id: number, operation: string, message: string, minute: number) => ({
    id,
    source: 'jobs',
    operation,
    level: 'error',
    status: 'error',
    message,
    duration_ms: 100,
    created_at: at(minute),
  });
  const ROWS = [
    failure(1, 'sync', 'Timeout after 30012ms for job 8f3a9c21', 0),
    failure(2, 'sync', 'Timeout after 29877ms for job 11c0ffee', 5),
    failure(3, 'import', 'Timeout after 31000ms for job 7d2e4b10', 50), // the most recent timeout
    failure(4, 'export', 'Timeout after 30500ms for job 0a1b2c3d', 20),
    failure(5, 'import', 'Timeout after 30100ms for job 99aa88bb', 10),
    failure(6, 'sync', 'Rate limit exceeded', 30),
    { id: 7, source: 'jobs', operation: 'sync', level: 'info', status: 'success', message: null, duration_ms: 100, created_at: at(1) },
  ];

  it('groups by fingerprint, with the most recent message and the operations by failures', async () => {
    const input = writeNdjson(emptyDir('perfmon-groups-'), ROWS);
    const { code, stdout, stderr } = await runCli(['--input', input, ...ARGS]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(stdout);
    // Timeouts: 5 (sync 2, import 2, export 1: the tie sync/import by name), newest at minute 50.
    const timeout = 'Timeout after <n>ms for job <hex>';
    expect(report.mostFrequentErrors).toEqual([
      {
        service: 'jobs',
        message: timeout,
        count: 5,
        example: 'Timeout after 31000ms for job 7d2e4b10',
        operations: ['import', 'sync', 'export'],
      },
      { service: 'jobs', message: 'Rate limit exceeded', count: 1, example: 'Rate limit exceeded', operations: ['sync'] },
    ]);
    expect(report.services[0].errors.topErrors).toEqual([
      { message: timeout, count: 5, example: 'Timeout after 31000ms for job 7d2e4b10' },
      { message: 'Rate limit exceeded', count: 1, example: 'Rate limit exceeded' },
    ]);
    // byOperation: sync 4 calls (3 failed), import 2 (2), export 1 (1); all 100 ms, failed -> frustrated.
    expect(
      report.services[0].byOperation.map((o: { operation: string; calls: number; failures: number; errorRate: number; apdex: number }) => [
        o.operation,
        o.calls,
        o.failures,
        o.errorRate,
        o.apdex,
      ]),
    ).toEqual([
      ['sync', 4, 3, 75, 0.25],
      ['import', 2, 2, 100, 0],
      ['export', 1, 1, 100, 0],
    ]);
    // 12:00 (index 4 of 48): ids 1, 2, 4, 5 and the success; 12:30 (index 5): ids 3 and 6. Both
    // over 5%, the empty buckets before them neither break nor start the run: since 12:00.
    expect(report.overall.timeline.slice(3, 7)).toEqual([
      { operations: 0, failures: 0, errorRate: null, avgDuration: null, p95Duration: null },
      { operations: 5, failures: 4, errorRate: 80, avgDuration: 100, p95Duration: 100 },
      { operations: 2, failures: 2, errorRate: 100, avgDuration: 100, p95Duration: 100 },
      { operations: 0, failures: 0, errorRate: null, avgDuration: null, p95Duration: null },
    ]);
    expect(report.findings.find((f: { kind: string }) => f.kind === 'high_error_rate').since).toBe('2025-11-19T12:00:00.000Z');
  });
});
