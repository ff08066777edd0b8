// Hand-built Reports for renderer, schema and alert tests. The figures are consistent with
// each other (counts add up, overall is the weighted mix, health score follows docs/metrics.md), so a
// test that recomputes something from them gets the same answer the metrics module would.
import type { AlertsReport, Report, ServiceReport } from '../report/types.js';

/** Three services as in the seed's sample: hubspot improving, unleashed stable, n8n with issues. */
export function sampleServices(): ServiceReport[] {
  return [
    {
      service: 'hubspot',
      status: 'healthy',
      operations: { total: 523, successful: 510, failed: 13, successRate: 97.51 },
      performance: {
        samples: 523,
        avgDuration: 450,
        p50Duration: 310,
        p95Duration: 1850,
        p99Duration: 2900.5,
        minDuration: 45,
        maxDuration: 5200,
        stdDevDuration: 400,
      },
      apdex: 0.942,
      errors: {
        total: 13,
        errorRate: 2.49,
        topErrors: [
          { message: 'Rate limit exceeded', count: 12, example: 'Rate limit exceeded' },
          { message: 'Invalid property value', count: 1, example: 'Invalid property value' },
        ],
      },
      trend: {
        direction: 'improving',
        percentChange: -12.4,
        pValue: 0.0001,
        adjustedPValue: 0.0003,
        previousAvgDuration: 513.7,
        previousOperations: 498,
      },
      issues: [],
      timeline: [],
      byOperation: [],
    },
    {
      service: 'unleashed',
      status: 'healthy',
      operations: { total: 412, successful: 404, failed: 8, successRate: 98.06 },
      performance: {
        samples: 412,
        avgDuration: 680,
        p50Duration: 540,
        p95Duration: 1200,
        p99Duration: 1750,
        minDuration: 80,
        maxDuration: 2600,
        stdDevDuration: 400,
      },
      apdex: 0.968,
      errors: {
        total: 8,
        errorRate: 1.94,
        topErrors: [
          { message: 'Connection timeout', count: 6, example: 'Connection timeout' },
          { message: 'Unauthorized', count: 2, example: 'Unauthorized' },
        ],
      },
      trend: {
        direction: 'stable',
        percentChange: 2.1,
        pValue: 0.42,
        adjustedPValue: 0.42,
        previousAvgDuration: 666,
        previousOperations: 405,
      },
      issues: [],
      timeline: [],
      byOperation: [],
    },
    {
      service: 'n8n',
      status: 'issues',
      operations: { total: 312, successful: 294, failed: 18, successRate: 94.23 },
      performance: {
        samples: 312,
        avgDuration: 1200,
        p50Duration: 900,
        p95Duration: 3400,
        p99Duration: 5100,
        minDuration: 120,
        maxDuration: 9800,
        stdDevDuration: 400,
      },
      apdex: 0.801,
      errors: {
        total: 18,
        errorRate: 5.77,
        topErrors: [
          { message: 'Workflow execution timeout', count: 8, example: 'Workflow execution timeout' },
          { message: 'Node "HTTP Request" failed', count: 7, example: 'Node "HTTP Request" failed' },
          { message: 'Credentials expired', count: 3, example: 'Credentials expired' },
        ],
      },
      trend: {
        direction: 'degrading',
        percentChange: 15.3,
        pValue: 0.0001,
        adjustedPValue: 0.0003,
        previousAvgDuration: 1040.8,
        previousOperations: 300,
      },
      issues: ['High error rate (5.8%)', 'Performance degrading (+15.3%)'],
      timeline: [],
      byOperation: [],
    },
  ];
}

/** A service that ran in the previous window and not in this one. */
export function silentService(name = 'legacy-sync'): ServiceReport {
  return {
    service: name,
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
      previousAvgDuration: 820.5,
      previousOperations: 57,
    },
    issues: ['No operations in this period (silent)'],
    timeline: [],
    byOperation: [],
  };
}

/** A complete, realistic report (24h ending 2025-11-20T10:00Z, health 87); `overrides` replace top-level fields. */
export function buildReport(overrides: Partial<Report> = {}): Report {
  return {
    schemaVersion: 1,
    generatedAt: '2025-11-20T10:00:01.234Z',
    period: { start: '2025-11-19T10:00:00.000Z', end: '2025-11-20T10:00:00.000Z', hours: 24 },
    previousPeriod: { start: '2025-11-18T10:00:00.000Z', end: '2025-11-19T10:00:00.000Z' },
    threshold: 2000,
    service: null,
    source: { kind: 'demo', aggregation: 'server', percentiles: 'exact' },
    healthScore: 87,
    healthStatus: 'good',
    healthBreakdown: { errorDeduction: 3.13, performanceDeduction: 0, serviceIssueDeduction: 10 },
    // No buckets: renderers must cope with an empty timeline (tests that need one add it).
    timeline: { bucketSeconds: 1800, starts: [] },
    overall: {
      totalOperations: 1247,
      successfulOperations: 1208,
      failedOperations: 39,
      samples: 1247,
      successRate: 96.87,
      errorRate: 3.13,
      avgDuration: 713.6,
      p50Duration: 480,
      p95Duration: 2450,
      p99Duration: 4300,
      minDuration: 45,
      maxDuration: 9800,
      stdDevDuration: 400,
      apdex: 0.912,
      trend: {
        direction: 'stable',
        percentChange: 2.47,
        pValue: 0.42,
        adjustedPValue: 0.42,
        previousAvgDuration: 696.4,
        previousOperations: 1203,
      },
      timeline: [],
    },
    services: sampleServices(),
    slowestOperations: [
      { service: 'hubspot', operation: 'contacts.batch', avgDuration: 2340, p95Duration: 4100, count: 45 },
      { service: 'unleashed', operation: 'salesOrders.create', avgDuration: 1890, p95Duration: 3050.4, count: 38 },
      { service: 'n8n', operation: 'workflows.execute', avgDuration: 1650, p95Duration: 3900, count: 52 },
    ],
    mostFrequentErrors: [
      { service: 'hubspot', message: 'Rate limit exceeded', count: 12, example: 'Rate limit exceeded', operations: [] },
      { service: 'n8n', message: 'Workflow execution timeout', count: 8, example: 'Workflow execution timeout', operations: [] },
      { service: 'unleashed', message: 'Connection timeout', count: 6, example: 'Connection timeout', operations: [] },
    ],
    issues: ['n8n: High error rate (5.8%)', 'n8n: Performance degrading (+15.3%)'],
    findings: [
      {
        kind: 'high_error_rate',
        service: 'n8n',
        value: 5.77,
        limit: 5,
        since: null,
        sinceWindowStart: false,
        text: 'High error rate (5.8%)',
      },
      {
        kind: 'degrading',
        service: 'n8n',
        value: 15.3,
        limit: 10,
        since: null,
        sinceWindowStart: false,
        text: 'Performance degrading (+15.3%)',
      },
    ],
    recommendations: [
      'Investigate n8n failures: start with its most frequent errors',
      'Compare recent n8n changes with the previous period to find the regression',
    ],
    dataQuality: { invalidDurations: 0, skippedRows: 0, statuses: [{ status: 'success', count: 10, failures: 0 }] },
    alerts: null,
    gates: null,
    slos: [],
    ...overrides,
  };
}

/** No operations in the current window and none in the previous one. */
export function buildNoDataReport(overrides: Partial<Report> = {}): Report {
  const none = {
    samples: 0,
    avgDuration: null,
    p50Duration: null,
    p95Duration: null,
    p99Duration: null,
    minDuration: null,
    maxDuration: null,
    stdDevDuration: null,
  };
  return buildReport({
    healthScore: null,
    healthStatus: 'no_data',
    healthBreakdown: { errorDeduction: 0, performanceDeduction: 0, serviceIssueDeduction: 0 },
    overall: {
      totalOperations: 0,
      successfulOperations: 0,
      failedOperations: 0,
      successRate: null,
      errorRate: null,
      ...none,
      apdex: null,
      trend: {
        direction: 'insufficient_data',
        percentChange: null,
        pValue: null,
        adjustedPValue: null,
        previousAvgDuration: null,
        previousOperations: 0,
      },
      timeline: [],
    },
    services: [],
    slowestOperations: [],
    mostFrequentErrors: [],
    issues: ['No operations in the current period'],
    findings: [
      {
        kind: 'no_operations',
        service: null,
        value: null,
        limit: null,
        since: null,
        sinceWindowStart: false,
        text: 'No operations in the current period',
      },
    ],
    recommendations: ['Check that the services are running and logging to integration_logs'],
    ...overrides,
  });
}

/** --alert outcome: Slack sent one and suppressed one, e-mail failed. */
export function sampleAlerts(): AlertsReport {
  return {
    conditions: [
      { key: 'health_low', severity: 'critical', message: 'Health score 62/100 is below 70' },
      { key: 'service_silent:legacy-sync', severity: 'warning', message: 'legacy-sync: no operations in this period (57 before)' },
    ],
    silenced: [],
    channels: [
      {
        channel: 'slack',
        sent: ['health_low'],
        suppressed: [{ key: 'service_silent:legacy-sync', nextSendAt: '2025-11-20T13:12:00.000Z' }],
        resolved: ['error_rate_high'],
        failed: null,
      },
      {
        channel: 'email',
        sent: [],
        suppressed: [],
        resolved: [],
        failed: { keys: ['health_low', 'error_rate_high'], reason: 'SMTP connection timed out after 30000ms' },
      },
    ],
  };
}
