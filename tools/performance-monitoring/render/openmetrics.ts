// `--format openmetrics`: the report as OpenMetrics 1.0 text (ending `# EOF`), which promtool,
// OpenMetrics parsers and node_exporter's textfile collector read, so a cron job's figures reach
// Prometheus and Grafana (docs/formats.md). Per-service figures and overall figures live in
// families of their own (`perfmon_*{service}` and `perfmon_overall_*`), so a sum over a family
// never counts a run twice. Every series carries `scope` (`all`, or the --service name), the SLO
// series too: files of runs with different --service never hold the same series, even when they
// declare the same SLOs (docs/slos.md). Durations in seconds, rates as ratios.
import { significant4 } from '../metrics/slo.js';
import { type Report, type SloReport, serviceSetOf } from '../report/types.js';
import { BURN_WINDOWS } from '../sources/slo-windows.js';
import { roundTo } from '../text/round.js';

/** Every metric name the tool emits: the Grafana dashboard test checks its queries against it. */
export const METRIC = {
  sloObjective: 'perfmon_slo_objective_ratio',
  sloErrorRatio: 'perfmon_slo_error_ratio',
  sloBurnRate: 'perfmon_slo_burn_rate',
  sloBudgetRemaining: 'perfmon_slo_error_budget_remaining_ratio',
  operations: 'perfmon_operations',
  failures: 'perfmon_failures',
  errorRatio: 'perfmon_error_ratio',
  duration: 'perfmon_duration_seconds',
  avgDuration: 'perfmon_duration_average_seconds',
  apdex: 'perfmon_apdex',
  trend: 'perfmon_duration_change_ratio',
  overallOperations: 'perfmon_overall_operations',
  overallFailures: 'perfmon_overall_failures',
  overallErrorRatio: 'perfmon_overall_error_ratio',
  overallDuration: 'perfmon_overall_duration_seconds',
  overallAvgDuration: 'perfmon_overall_duration_average_seconds',
  overallApdex: 'perfmon_overall_apdex',
  overallTrend: 'perfmon_overall_duration_change_ratio',
  health: 'perfmon_health_score',
  threshold: 'perfmon_threshold_seconds',
  window: 'perfmon_window_seconds',
  windowEnd: 'perfmon_window_end_timestamp_seconds',
  generated: 'perfmon_generated_timestamp_seconds',
} as const;

type Labels = Record<string, string>;
interface Sample {
  labels: Labels;
  value: number | null;
}
interface Family {
  name: string;
  type: 'gauge' | 'summary';
  help: string;
  samples: Sample[];
}

/** The quantiles docs/formats.md names, as the `quantile` label of one summary family. Only a
 *  summary may carry that label (promtool refuses it on a gauge); its `_count` and `_sum` are
 *  optional in OpenMetrics and left out: they are counters, which a window's figures are not. */
const QUANTILES = [
  ['0.5', 'p50Duration'],
  ['0.95', 'p95Duration'],
  ['0.99', 'p99Duration'],
] as const;

/** Label values escaped as OpenMetrics wants: backslash, double quote, line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash, double quote and line feed (OpenMetrics' escaped-string). */
const escapeHelp = (text: string) => escapeLabelValue(text);

const seconds = (ms: number | null) => (ms === null ? null : roundTo(ms / 1000, 4));
const ratio = (percent: number | null) => (percent === null ? null : roundTo(percent / 100, 4));
const epochSeconds = (iso: string) => roundTo(Date.parse(iso) / 1000, 3);

/** The run's scope label: `all`, the --service name, or a set's names sorted and joined by `,`
 *  (so runs of different sets, or of one service, never write the same series). */
function scopeOf(report: Report): string {
  const services = serviceSetOf(report);
  return services === null ? 'all' : [...services].sort().join(',');
}

/** One scope's figures: the overall ones, or a service's. */
interface Figures {
  operations: number;
  failures: number;
  errorRate: number | null;
  durations: Record<(typeof QUANTILES)[number][1] | 'avgDuration', number | null>;
  apdex: number | null;
  trendPercent: number | null;
}

/** The five figure families (gauges, and the duration summary) of one set of rows. */
function figureFamilies(
  names: Record<'operations' | 'failures' | 'errorRatio' | 'duration' | 'avgDuration' | 'apdex' | 'trend', string>,
  rows: { labels: Labels; figures: Figures }[],
  of: string,
): Family[] {
  const per = (pick: (f: Figures) => number | null) => rows.map((row) => ({ labels: row.labels, value: pick(row.figures) }));
  return [
    { name: names.operations, type: 'gauge', help: `Operations in the report window, ${of}.`, samples: per((f) => f.operations) },
    { name: names.failures, type: 'gauge', help: `Failed operations in the report window, ${of}.`, samples: per((f) => f.failures) },
    {
      name: names.errorRatio,
      type: 'gauge',
      help: `Failed operations / operations in the window (0-1), ${of}.`,
      samples: per((f) => ratio(f.errorRate)),
    },
    {
      name: names.duration,
      type: 'summary',
      help: `Operation duration quantiles in the window, seconds (exact, not estimated), ${of}.`,
      samples: rows.flatMap((row) =>
        QUANTILES.map(([quantile, field]) => ({ labels: { ...row.labels, quantile }, value: seconds(row.figures.durations[field]) })),
      ),
    },
    {
      name: names.avgDuration,
      type: 'gauge',
      help: `Mean operation duration in the window, seconds, ${of}.`,
      samples: per((f) => seconds(f.durations.avgDuration)),
    },
    { name: names.apdex, type: 'gauge', help: `Apdex score in the window (0-1), ${of}.`, samples: per((f) => f.apdex) },
    {
      name: names.trend,
      type: 'gauge',
      help: `Change of the mean duration against the previous window (0.1 = 10% slower), ${of}.`,
      samples: per((f) => ratio(f.trendPercent)),
    },
  ];
}

function families(report: Report): Family[] {
  // Which run wrote the series (docs/formats.md: the one safe layout of a textfile directory).
  const scope: Labels = { scope: scopeOf(report) };
  const { overall } = report;
  const services = report.services.map((s) => ({
    labels: { ...scope, service: s.service },
    figures: {
      operations: s.operations.total,
      failures: s.operations.failed,
      errorRate: s.errors.errorRate,
      durations: s.performance,
      apdex: s.apdex,
      trendPercent: s.trend.percentChange,
    },
  }));
  const all = {
    labels: scope,
    figures: {
      operations: overall.totalOperations,
      failures: overall.failedOperations,
      errorRate: overall.errorRate,
      durations: overall,
      apdex: overall.apdex,
      trendPercent: overall.trend.percentChange,
    },
  };
  const run = (name: string, help: string, value: number | null): Family => ({
    name,
    type: 'gauge',
    help,
    samples: [{ labels: scope, value }],
  });
  return [
    ...figureFamilies(METRIC, services, 'per service'),
    ...figureFamilies(
      {
        operations: METRIC.overallOperations,
        failures: METRIC.overallFailures,
        errorRatio: METRIC.overallErrorRatio,
        duration: METRIC.overallDuration,
        avgDuration: METRIC.overallAvgDuration,
        apdex: METRIC.overallApdex,
        trend: METRIC.overallTrend,
      },
      [all],
      'over all the services of the report',
    ),
    run(METRIC.health, 'Health score (0-100) of the report.', report.healthScore),
    run(METRIC.threshold, 'Response-time threshold of the report, seconds.', seconds(report.threshold)),
    run(METRIC.window, 'Length of the report window, seconds.', roundTo(report.period.hours * 3600, 3)),
    run(METRIC.windowEnd, 'End of the report window, Unix time in seconds.', epochSeconds(report.period.end)),
    run(METRIC.generated, 'When the report was made, Unix time in seconds.', epochSeconds(report.generatedAt)),
  ];
}

function sampleLine(name: string, { labels, value }: Sample): string | null {
  // A figure without data (no samples, no operations) is left out: absent, not 0 or NaN.
  if (value === null || !Number.isFinite(value)) return null;
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${value}`;
}

/** The exposition text: the families, `# EOF`, a newline. */
/** docs/slos.md: each SLO's figures, labelled `service` (`all` for every service) and `slo` (its
 *  name); per window, `window` (5m .. 3d, and `period`). No colons: those are for the recording
 *  rules that give them Sloth's names (prometheus/slo-rules.yml). */
function sloFamilies(report: Report): Family[] {
  const slos = report.slos ?? [];
  // Without --slo, no SLO family at all (not four empty ones).
  if (slos.length === 0) return [];
  // An SLO's figures do not depend on --service, but the run's scope labels them all the same: one
  // cron textfile per service may declare the same SLOs (one PERFMON_SLOS for every job) without two
  // files holding the same series; the shipped rules keep one per SLO (prometheus/slo-rules.yml).
  const scope = scopeOf(report);
  const labels = (slo: SloReport): Labels => ({ scope, service: slo.service ?? 'all', slo: slo.name });
  const share = (slo: SloReport) => 1 - slo.objective / 100;
  // The error ratio of a window is its burn rate times the budget share, as the burn was defined;
  // the period's is the budget consumed times that share (bad / total).
  const errorRatio = (slo: SloReport, burn: number | null) => (burn === null ? null : significant4(burn * share(slo)));
  return [
    {
      name: METRIC.sloObjective,
      type: 'gauge',
      help: 'The SLO objective (0-1), e.g. 0.999.',
      samples: slos.map((slo) => ({ labels: labels(slo), value: roundTo(slo.objective / 100, 6) })),
    },
    {
      name: METRIC.sloErrorRatio,
      type: 'gauge',
      help: 'Bad events / events of the SLO over the window ending at the report end (window period: the whole SLO period).',
      samples: slos.flatMap((slo) => [
        ...BURN_WINDOWS.map(({ name }) => ({ labels: { ...labels(slo), window: name }, value: errorRatio(slo, slo.burnRates[name]) })),
        { labels: { ...labels(slo), window: 'period' }, value: errorRatio(slo, slo.errorBudget.consumed) },
      ]),
    },
    {
      name: METRIC.sloBurnRate,
      type: 'gauge',
      help: 'Error-budget burn rate of the SLO over the window: error ratio / (1 - objective); absent under 20 events.',
      samples: slos.flatMap((slo) =>
        BURN_WINDOWS.map(({ name }) => ({ labels: { ...labels(slo), window: name }, value: slo.burnRates[name] })),
      ),
    },
    {
      name: METRIC.sloBudgetRemaining,
      type: 'gauge',
      help: 'Error budget left over the SLO period, a fraction of it (below 0 once spent).',
      samples: slos.map((slo) => ({ labels: labels(slo), value: slo.errorBudget.remaining })),
    },
  ];
}

/** The report's families without the closing `# EOF`: --serve's /metrics adds its own families
 *  after them, then closes the exposition once (live/metrics.ts). */
export function openMetricsFamilies(report: Report): string {
  const lines = [...families(report), ...sloFamilies(report)].flatMap((family) => [
    `# HELP ${family.name} ${escapeHelp(family.help)}`,
    `# TYPE ${family.name} ${family.type}`,
    ...family.samples.flatMap((sample) => sampleLine(family.name, sample) ?? []),
  ]);
  return `${lines.join('\n')}\n`;
}

export function renderOpenMetrics(report: Report): string {
  return `${openMetricsFamilies(report)}# EOF\n`;
}
