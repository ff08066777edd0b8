import { describe, expect, it } from 'vitest';
import { buildNoDataReport, buildReport, sampleAlerts, sampleServices, silentService } from '../harness/report-fixture.js';
import { statusOf } from '../metrics/health.js';
import { renderText } from '../render/text.js';
import { formatChange, formatCount, formatFixed, formatMs, formatPercent } from '../text/format.js';
// The renderer rounds with the report's own rounding.
import { roundTo as roundHalfUp } from '../text/round.js';
import { forTerminalLine } from '../text/safe-text.js';

const ESC = '\u001b';
const plain = { color: false };

// Written by hand from the seed's Sample Output, not pasted from the renderer: it pins the layout.
const EXPECTED_SAMPLE = `================================================================================
PERFORMANCE MONITORING REPORT
================================================================================

Period: 2025-11-19T10:00:00.000Z - 2025-11-20T10:00:00.000Z (24h)
Source: demo (server aggregation)
Health Score: 87/100 🟡

--------------------------------------------------------------------------------
OVERALL METRICS
--------------------------------------------------------------------------------
Total Operations: 1,247
Successful / Failed: 1,208 / 39
Average Duration: 714ms
P50 / P95 / P99: 480ms / 2,450ms / 4,300ms
Min / Max: 45ms / 9,800ms
Error Rate: 3.13%
Apdex (T=2,000ms): 0.91
Trend: stable (+2.5%)

--------------------------------------------------------------------------------
ISSUES
--------------------------------------------------------------------------------
❌ n8n: High error rate (5.8%)
❌ n8n: Performance degrading (+15.3%)

--------------------------------------------------------------------------------
RECOMMENDATIONS
--------------------------------------------------------------------------------
💡 Investigate n8n failures: start with its most frequent errors
💡 Compare recent n8n changes with the previous period to find the regression

--------------------------------------------------------------------------------
SERVICE PERFORMANCE
--------------------------------------------------------------------------------
✅ hubspot 📈
   Operations: 523 (97.5% success)
   Avg Duration: 450ms
   P95 Duration: 1,850ms
   P99 Duration: 2,901ms
   Apdex: 0.94
   Error Rate: 2.5%
   Trend: improving (-12.4%)

✅ unleashed ➡️
   Operations: 412 (98.1% success)
   Avg Duration: 680ms
   P95 Duration: 1,200ms
   P99 Duration: 1,750ms
   Apdex: 0.97
   Error Rate: 1.9%
   Trend: stable (+2.1%)

⚠️ n8n 📉
   Operations: 312 (94.2% success)
   Avg Duration: 1,200ms
   P95 Duration: 3,400ms
   P99 Duration: 5,100ms
   Apdex: 0.80
   Error Rate: 5.8%
   Trend: degrading (+15.3%)
   Issues: High error rate (5.8%), Performance degrading (+15.3%)

--------------------------------------------------------------------------------
SLOWEST OPERATIONS
--------------------------------------------------------------------------------
1. hubspot:contacts.batch
   Avg: 2,340ms  P95: 4,100ms (45 calls)

2. unleashed:salesOrders.create
   Avg: 1,890ms  P95: 3,050ms (38 calls)

3. n8n:workflows.execute
   Avg: 1,650ms  P95: 3,900ms (52 calls)

--------------------------------------------------------------------------------
MOST FREQUENT ERRORS
--------------------------------------------------------------------------------
1. [hubspot] Rate limit exceeded (12 times)
2. [n8n] Workflow execution timeout (8 times)
3. [unleashed] Connection timeout (6 times)

================================================================================
`;

function linesOf(text: string): string[] {
  return text.split('\n');
}

describe('format helpers', () => {
  it('groups thousands in en-US whatever the machine locale', () => {
    expect(formatCount(1247)).toBe('1,247');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(0)).toBe('0');
  });

  it('rounds durations half up to whole milliseconds', () => {
    expect(formatMs(1849.5)).toBe('1,850ms');
    expect(formatMs(1849.4)).toBe('1,849ms');
    expect(formatMs(0)).toBe('0ms');
    expect(formatMs(null)).toBe('n/a');
  });

  it('rounds on the printed decimals, not the binary value', () => {
    expect(roundHalfUp(1.005, 2)).toBe(1.01);
    expect(roundHalfUp(2.35, 1)).toBe(2.4);
    expect(roundHalfUp(-8.25, 1)).toBe(-8.3);
    expect(roundHalfUp(1e-7, 2)).toBe(0);
    expect(Object.is(roundHalfUp(-0.01, 1), 0)).toBe(true);
  });

  it('formats percentages with a fixed number of decimals', () => {
    expect(formatPercent(97.5, 1)).toBe('97.5%');
    expect(formatPercent(2.31, 2)).toBe('2.31%');
    expect(formatPercent(3, 2)).toBe('3.00%');
    expect(formatPercent(null, 1)).toBe('n/a');
    expect(formatFixed(0.945, 2)).toBe('0.95');
  });

  it('signs percent changes, and never prints -0', () => {
    expect(formatChange(15.3)).toBe('+15.3%');
    expect(formatChange(-8.2)).toBe('-8.2%');
    expect(formatChange(-0.04)).toBe('+0.0%');
    expect(formatChange(1234.5)).toBe('+1,234.5%');
    expect(formatChange(null)).toBe('n/a');
  });

  it('strips control characters and turns line breaks into spaces', () => {
    expect(forTerminalLine('a\u001b[31mb\u0007c\u009bd\u007fe')).toBe('a[31mbcde');
    expect(forTerminalLine('line one\r\nline two\tend')).toBe('line one line two end');
    expect(forTerminalLine('abc\u202eevil')).toBe('abcevil');
    expect(forTerminalLine('Rate limit — 429 ✓')).toBe('Rate limit — 429 ✓');
  });
});

describe('renderText', () => {
  it('prints the seed layout for the sample report', () => {
    expect(renderText(buildReport(), plain)).toBe(EXPECTED_SAMPLE);
  });

  it('has no escape codes without colour, and some with it', () => {
    const report = buildReport({ services: [...sampleServices(), silentService()], alerts: sampleAlerts() });
    expect(renderText(report, plain)).not.toContain(ESC);
    const coloured = renderText(report, { color: true });
    expect(coloured).toContain(`${ESC}[33mHealth Score: 87/100 🟡${ESC}[39m`);
    expect(coloured).toContain(`${ESC}[1mOVERALL METRICS${ESC}[22m`);
    expect(coloured).toContain(`${ESC}[32m✅ hubspot 📈${ESC}[39m`);
    expect(coloured).toContain(`${ESC}[33m⚠️ n8n 📉${ESC}[39m`);
    expect(coloured).toContain(`${ESC}[31m❌ legacy-sync${ESC}[39m`);
    // Same text once the codes are gone: colour never changes the content.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the SGR escape codes the colour mode writes.
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(renderText(report, plain));
  });

  it('tints the health score by band', () => {
    const line = (score: number) =>
      linesOf(renderText(buildReport({ healthScore: score, healthStatus: statusOf(score) }), { color: true }))[6];
    expect(line(90)).toBe(`${ESC}[32mHealth Score: 90/100 🟢${ESC}[39m`);
    expect(line(70)).toBe(`${ESC}[33mHealth Score: 70/100 🟡${ESC}[39m`);
    expect(line(69)).toBe(`${ESC}[31mHealth Score: 69/100 🔴${ESC}[39m`);
  });

  it('names the service in the header with --service', () => {
    const text = renderText(buildReport({ service: 'hubspot' }), plain);
    expect(linesOf(text)[1]).toBe('PERFORMANCE MONITORING REPORT — service: hubspot');
  });

  it('prints decimal hours and the client aggregation', () => {
    const report = buildReport({
      period: { start: '2025-11-20T09:30:00.000Z', end: '2025-11-20T10:00:00.000Z', hours: 0.5 },
      source: { kind: 'supabase', aggregation: 'client', percentiles: 'exact' },
    });
    const text = renderText(report, plain);
    expect(text).toContain('Period: 2025-11-20T09:30:00.000Z - 2025-11-20T10:00:00.000Z (0.5h)\n');
    expect(text).toContain('Source: supabase (client aggregation)\n');
  });

  it('prints a short block for a silent service', () => {
    const text = renderText(buildReport({ services: [...sampleServices(), silentService()] }), plain);
    expect(text).toContain(
      '   Issues: High error rate (5.8%), Performance degrading (+15.3%)\n\n' +
        '❌ legacy-sync\n' +
        '   No operations this period (previous period: 57)\n\n' +
        '-'.repeat(80),
    );
  });

  it('shows n/a for missing figures and no trend icon without enough data', () => {
    const [first] = sampleServices();
    const sparse = {
      ...first!,
      performance: { ...first!.performance, p95Duration: null, p99Duration: null },
      apdex: null,
      trend: {
        direction: 'insufficient_data' as const,
        percentChange: null,
        pValue: null,
        adjustedPValue: null,
        previousAvgDuration: null,
        previousOperations: 3,
      },
    };
    const text = renderText(buildReport({ services: [sparse] }), plain);
    expect(text).toContain(
      '✅ hubspot\n' +
        '   Operations: 523 (97.5% success)\n' +
        '   Avg Duration: 450ms\n' +
        '   P95 Duration: n/a\n' +
        '   P99 Duration: n/a\n' +
        '   Apdex: n/a\n' +
        '   Error Rate: 2.5%\n' +
        '   Trend: insufficient data\n',
    );
  });

  it('renders a report with no data', () => {
    const text = renderText(buildNoDataReport(), plain);
    expect(text).toContain('Health Score: n/a (no data)\n');
    expect(text).toContain(
      'Total Operations: 0\n' +
        'Successful / Failed: 0 / 0\n' +
        'Average Duration: n/a\n' +
        'P50 / P95 / P99: n/a / n/a / n/a\n' +
        'Min / Max: n/a / n/a\n' +
        'Error Rate: n/a\n' +
        'Apdex (T=2,000ms): n/a\n' +
        'Trend: insufficient data\n',
    );
    expect(text).toContain('❌ No operations in the current period\n');
    expect(text).toContain(`SERVICE PERFORMANCE\n${'-'.repeat(80)}\nNo operations in this period\n`);
    expect(text).toContain(`SLOWEST OPERATIONS\n${'-'.repeat(80)}\nNo operations with durations\n`);
    expect(text).toContain(`MOST FREQUENT ERRORS\n${'-'.repeat(80)}\nNo errors in this period\n`);
  });

  it('says so when there are no issues or recommendations', () => {
    const text = renderText(buildReport({ issues: [], recommendations: [] }), plain);
    expect(text).toContain(`ISSUES\n${'-'.repeat(80)}\n✅ No issues found\n`);
    expect(text).toContain(`RECOMMENDATIONS\n${'-'.repeat(80)}\nNo recommendations\n`);
  });

  it('uses the singular for one call and one time', () => {
    const report = buildReport({
      slowestOperations: [{ service: 'n8n', operation: '(none)', avgDuration: 12.5, p95Duration: 12.5, count: 1 }],
      mostFrequentErrors: [{ service: 'n8n', message: 'Boom', count: 1, example: 'Boom', operations: [] }],
    });
    const text = renderText(report, plain);
    expect(text).toContain('1. n8n:(none)\n   Avg: 13ms  P95: 13ms (1 call)\n');
    expect(text).toContain('1. [n8n] Boom (1 time)\n');
  });

  it('adds a data quality line only when something was ignored', () => {
    expect(renderText(buildReport(), plain)).not.toContain('Data quality');
    const text = renderText(buildReport({ dataQuality: { invalidDurations: 3, skippedRows: 1, statuses: null } }), plain);
    expect(text).toContain(
      'Trend: stable (+2.5%)\nData quality: 3 invalid durations ignored (negative or over 2,147,483,647 ms), 1 unreadable row skipped\n',
    );
    const onlySkipped = renderText(buildReport({ dataQuality: { invalidDurations: 0, skippedRows: 1200, statuses: null } }), plain);
    expect(onlySkipped).toContain('Data quality: 1,200 unreadable rows skipped\n');
  });

  it('lists alert outcomes per channel, before the final rule', () => {
    const text = renderText(buildReport({ alerts: sampleAlerts() }), plain);
    expect(text).toContain(
      'ALERTS\n' +
        '-'.repeat(80) +
        '\n' +
        'Conditions:\n' +
        '   [critical] Health score 62/100 is below 70\n' +
        '   [warning] legacy-sync: no operations in this period (57 before)\n' +
        'Slack:\n' +
        '   Sent: health_low\n' +
        '   Suppressed: service_silent:legacy-sync (next send 2025-11-20T13:12:00.000Z)\n' +
        '   Resolved: error_rate_high\n' +
        'E-mail:\n' +
        '   Failed: health_low, error_rate_high — SMTP connection timed out after 30000ms\n' +
        '\n' +
        '='.repeat(80) +
        '\n',
    );
    expect(text.indexOf('MOST FREQUENT ERRORS')).toBeLessThan(text.indexOf('ALERTS'));
  });

  it('says when nothing fired and a channel had nothing to do', () => {
    const alerts = {
      conditions: [],
      silenced: [],
      channels: [{ channel: 'slack' as const, sent: [], suppressed: [], resolved: [], failed: null }],
    };
    const text = renderText(buildReport({ alerts }), plain);
    expect(text).toContain('Conditions: none\nSlack:\n   Nothing to send\n');
  });

  it('strips control characters from text that comes from logs', () => {
    const evil = '\u001b]0;pwned\u0007\u001b[2J';
    const [first] = sampleServices();
    const report = buildReport({
      service: `hub${evil}spot`,
      services: [{ ...first!, service: `hub${evil}spot`, issues: [`slow${evil}`] }],
      slowestOperations: [{ service: 'hubspot', operation: `op${evil}`, avgDuration: 1, p95Duration: 1, count: 1 }],
      mostFrequentErrors: [
        { service: 'hubspot', message: `Rate limit\u009b31m\r\nexceeded${evil}`, count: 2, example: 'x', operations: [`op${evil}`] },
      ],
      issues: [`hubspot: bad${evil}`],
      recommendations: [`fix${evil}`],
      alerts: sampleAlerts(),
    });
    for (const color of [false, true]) {
      const text = renderText(report, { color });
      expect(text).not.toContain('\u0007');
      expect(text).not.toContain('\u009b');
      expect(text).not.toContain('\r');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips our own SGR escape codes, so any other ESC shows.
      expect(text.replace(/\u001b\[\d+m/g, '')).not.toContain(ESC); // only our own SGR codes remain
    }
    const text = renderText(report, plain);
    // With --service, each error group names its operations (cleaned as well).
    expect(text).toContain('1. [hubspot op]0;pwned[2J] Rate limit31m exceeded]0;pwned[2J (2 times)\n');
    expect(text).toContain('✅ hub]0;pwned[2Jspot 📈\n');
  });
});

describe('since when (docs/timeline.md)', () => {
  const withSince = (since: string, sinceWindowStart = false) =>
    buildReport({
      period: { start: '2025-11-19T10:00:00.000Z', end: '2025-11-20T10:00:00.000Z', hours: 24 },
      findings: [
        { kind: 'high_error_rate', service: 'n8n', value: 5.77, limit: 5, since, sinceWindowStart, text: 'High error rate (5.8%)' },
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
    });

  it('appends the time of day to an issue on the day the window ends, nothing without a since', () => {
    const text = renderText(withSince('2025-11-20T08:00:00.000Z'), plain);
    expect(text).toContain('❌ n8n: High error rate (5.8%) since 08:00 UTC\n❌ n8n: Performance degrading (+15.3%)\n');
  });

  it('adds the date when the since is on another day than the window end (a time alone would read as today)', () => {
    expect(renderText(withSince('2025-11-19T14:00:00.000Z'), plain)).toContain('❌ n8n: High error rate (5.8%) since Nov 19 14:00 UTC\n');
  });

  it('says throughout the window when the run reaches its start', () => {
    expect(renderText(withSince('2025-11-19T10:00:00.000Z', true), plain)).toContain(
      '❌ n8n: High error rate (5.8%) throughout the window\n',
    );
  });
});

describe('timeline in the text report (docs/timeline.md)', () => {
  const STARTS = ['2025-11-19T10:00:00.000Z', '2025-11-19T10:30:00.000Z', '2025-11-19T11:00:00.000Z', '2025-11-19T11:30:00.000Z'];
  const bucket = (operations: number, failures: number, p95: number | null) => ({
    operations,
    failures,
    errorRate: operations === 0 ? null : (failures * 100) / operations,
    avgDuration: p95 === null ? null : p95 / 2,
    p95Duration: p95,
  });
  // Levels v / max * 7, rounded: ops 0, 4, 8, 2 -> 0, 4, 7, 2; errors (null), 25%, 50%, 0% ->
  // gap, 4, 7, 0; p95 (null), 100, 700, 350 -> gap, 1, 7, 4.
  const TIMELINE = [bucket(0, 0, null), bucket(4, 1, 100), bucket(8, 4, 700), bucket(2, 0, 350)];
  const withTimeline = (service: string | null) => {
    const [first] = sampleServices();
    const hubspot = {
      ...first!,
      timeline: TIMELINE,
      byOperation: [
        {
          operation: 'contacts.batch',
          calls: 10,
          failures: 1,
          errorRate: 10,
          avgDuration: 2340,
          p50Duration: 2000,
          p95Duration: 4100,
          p99Duration: 4900,
          apdex: 0.55,
          trend: { direction: 'degrading' as const, percentChange: 15.25, pValue: 0.001 },
        },
        {
          operation: 'owners.get',
          calls: 4,
          failures: 0,
          errorRate: 0,
          avgDuration: 80,
          p50Duration: 75,
          p95Duration: 120,
          p99Duration: 130,
          apdex: 1,
          trend: { direction: 'insufficient_data' as const, percentChange: null, pValue: null },
        },
      ],
    };
    return buildReport({
      service,
      timeline: { bucketSeconds: 1800, starts: STARTS },
      services: [hubspot],
      mostFrequentErrors: [
        {
          service: 'hubspot',
          message: 'Timeout after <n>ms',
          count: 3,
          example: 'Timeout after 31ms',
          operations: ['contacts.batch', 'owners.get'],
        },
      ],
    });
  };

  it('draws a sparkline row per figure under the service block, scaled per row', () => {
    const text = renderText(withTimeline(null), { color: false, unicode: true });
    expect(text).toContain('   Trend: improving (-12.4%)\n   Ops     ▁▅█▃\n   Errors   ▅█▁\n   P95      ▂█▅\n');
  });

  it('falls back to ASCII levels, and keeps the most recent buckets that fit the width', () => {
    const text = renderText(withTimeline(null), { color: false, unicode: false, width: 3 + 8 + 2 });
    expect(text).toContain('   Ops     #-\n   Errors  #_\n   P95     #=\n');
  });

  it('adds OPERATIONS and TIMELINE tables with --service, and the operations of each error group', () => {
    const text = renderText(withTimeline('hubspot'), { color: false });
    expect(text).toContain(
      [
        'OPERATIONS',
        '-'.repeat(80),
        'Operation       Calls  Failed  Errors      Avg      P95      P99  Apdex       Trend (avg)',
        'contacts.batch     10       1   10.0%  2,340ms  4,100ms  4,900ms   0.55  degrading +15.3%',
        'owners.get          4       0    0.0%     80ms    120ms    130ms   1.00               n/a',
        '',
      ].join('\n'),
    );
    expect(text).toContain(
      [
        'TIMELINE',
        '-'.repeat(80),
        'Buckets of 30m, UTC',
        'Start  Operations  Errors    Avg    P95',
        '10:00           0     n/a    n/a    n/a',
        '10:30           4   25.0%   50ms  100ms',
        '11:00           8   50.0%  350ms  700ms',
        '11:30           2    0.0%  175ms  350ms',
        '',
      ].join('\n'),
    );
    expect(text).toContain('1. [hubspot contacts.batch, owners.get] Timeout after <n>ms (3 times)\n');
    expect(renderText(withTimeline(null), { color: false })).toContain('1. [hubspot] Timeout after <n>ms (3 times)\n');
  });
});
