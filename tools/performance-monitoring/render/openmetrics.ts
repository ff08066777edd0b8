// `--format openmetrics`: the report as Prometheus text exposition (format 0.0.4), the format
// node_exporter's textfile collector reads, so a cron job's figures reach Prometheus and Grafana.
// One gauge family per figure; the overall figure is the sample without a `service` label
// (with --service, that service's sample only).
// Durations in seconds and rates as ratios (Prometheus naming); no client timestamps.
import { significant4 } from '../metrics/slo.js';
import type { Report, SloReport } from '../report/types.js';
import { BURN_WINDOWS } from '../sources/slo-windows.js';
import { roundTo } from '../text/round.js';

/** Every metric name the tool emits: the Grafana dashboard test checks its queries against it. */
export const METRIC = {
  operations: 'perfmon_operations',
  failures: 'perfmon_failures',
  errorRatio: 'perfmon_error_ratio',
  p50: 'perfmon_duration_p50_seconds',
  p95: 'perfmon_duration_p95_seconds',
  p99: 'perfmon_duration_p99_seconds',
  avgDuration: 'perfmon_duration_average_seconds',
  apdex: 'perfmon_apdex',
  trend: 'perfmon_duration_change_ratio',
  health: 'perfmon_health_score',
  threshold: 'perfmon_threshold_seconds',
  window: 'perfmon_window_seconds',
  windowEnd: 'perfmon_window_end_timestamp_seconds',
  generated: 'perfmon_generated_timestamp_seconds',
  sloObjective: 'perfmon_slo_objective_ratio',
  sloErrorRatio: 'perfmon_slo_error_ratio',
  sloBurnRate: 'perfmon_slo_burn_rate',
  sloBudgetRemaining: 'perfmon_slo_error_budget_remaining_ratio',
} as const;

type Labels = Record<string, string>;
interface Sample {
  labels: Labels;
  value: number | null;
}
interface Family {
  name: string;
  help: string;
  samples: Sample[];
}

/** The three quantiles docs/formats.md names. One family each: promtool refuses a `quantile` label
 *  on anything but a summary, and a summary's `_count`/`_sum` would claim a cumulative count
 *  that a windowed report does not have. */
const QUANTILES = [
  ['p50', '0.5', 'p50Duration'],
  ['p95', '0.95', 'p95Duration'],
  ['p99', '0.99', 'p99Duration'],
] as const;

/** Label values escaped as the text format wants: backslash, double quote, line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed only. */
const escapeHelp = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

const seconds = (ms: number | null) => (ms === null ? null : roundTo(ms / 1000, 4));
const ratio = (percent: number | null) => (percent === null ? null : roundTo(percent / 100, 4));
const epochSeconds = (iso: string) => roundTo(Date.parse(iso) / 1000, 3);

/** One row of figures: overall (no labels) or a service (`service="..."`). */
interface Row {
  labels: Labels;
  operations: number;
  failures: number;
  errorRate: number | null;
  durations: Record<(typeof QUANTILES)[number][2] | 'avgDuration', number | null>;
  apdex: number | null;
  trendPercent: number | null;
}

function rows(report: Report): Row[] {
  const { overall } = report;
  const all: Row = {
    labels: {},
    operations: overall.totalOperations,
    failures: overall.failedOperations,
    errorRate: overall.errorRate,
    durations: overall,
    apdex: overall.apdex,
    trendPercent: overall.trend.percentChange,
  };
  // With --service the overall figures are that service's (docs/json.md): written once, labelled, so
  // .prom files of runs for different services never hold the same series.
  return [
    ...(report.service === null ? [all] : []),
    ...report.services.map((s) => ({
      labels: { service: s.service },
      operations: s.operations.total,
      failures: s.operations.failed,
      errorRate: s.errors.errorRate,
      durations: s.performance,
      apdex: s.apdex,
      trendPercent: s.trend.percentChange,
    })),
  ];
}

function families(report: Report): Family[] {
  const all = rows(report);
  const per = (pick: (row: Row) => number | null) => all.map((row) => ({ labels: row.labels, value: pick(row) }));
  // A --service run labels its run-wide figures too: one file per service, no shared series.
  const scope: Labels = report.service === null ? {} : { service: report.service };
  return [
    { name: METRIC.operations, help: 'Operations in the report window.', samples: per((r) => r.operations) },
    { name: METRIC.failures, help: 'Failed operations in the report window.', samples: per((r) => r.failures) },
    { name: METRIC.errorRatio, help: 'Failed operations / operations in the window (0-1).', samples: per((r) => ratio(r.errorRate)) },
    ...QUANTILES.map(([key, q, field]) => ({
      name: METRIC[key],
      help: `Operation duration, ${q} quantile in the window, seconds (exact, not estimated).`,
      samples: per((r) => seconds(r.durations[field])),
    })),
    {
      name: METRIC.avgDuration,
      help: 'Mean operation duration in the window, seconds.',
      samples: per((r) => seconds(r.durations.avgDuration)),
    },
    { name: METRIC.apdex, help: 'Apdex score in the window (0-1), satisfied under the threshold.', samples: per((r) => r.apdex) },
    {
      name: METRIC.trend,
      help: 'Change of the mean duration against the previous window (0.1 = 10% slower).',
      samples: per((r) => ratio(r.trendPercent)),
    },
    { name: METRIC.health, help: 'Health score (0-100) of the report.', samples: [{ labels: scope, value: report.healthScore }] },
    {
      name: METRIC.threshold,
      help: 'Response-time threshold of the report, seconds.',
      samples: [{ labels: scope, value: seconds(report.threshold) }],
    },
    {
      name: METRIC.window,
      help: 'Length of the report window, seconds.',
      samples: [{ labels: scope, value: roundTo(report.period.hours * 3600, 3) }],
    },
    {
      name: METRIC.windowEnd,
      help: 'End of the report window, Unix time in seconds.',
      samples: [{ labels: scope, value: epochSeconds(report.period.end) }],
    },
    {
      name: METRIC.generated,
      help: 'When the report was made, Unix time in seconds.',
      samples: [{ labels: scope, value: epochSeconds(report.generatedAt) }],
    },
  ];
}

/** docs/slos.md: each SLO's figures, labelled `service` (`all` for every service) and `slo` (its
 *  name); per window, `window` (5m .. 3d, and `period`). No colons: those are for the recording
 *  rules that give them Sloth's names (prometheus/slo-rules.yml). */
function sloFamilies(slos: SloReport[]): Family[] {
  // Without --slo, no SLO family at all (not four empty ones).
  if (slos.length === 0) return [];
  const labels = (slo: SloReport): Labels => ({ service: slo.service ?? 'all', slo: slo.name });
  const share = (slo: SloReport) => 1 - slo.objective / 100;
  // The error ratio of a window is its burn rate times the budget share, as the burn was defined;
  // the period's is the budget consumed times that share (bad / total).
  const errorRatio = (slo: SloReport, burn: number | null) => (burn === null ? null : significant4(burn * share(slo)));
  return [
    {
      name: METRIC.sloObjective,
      help: 'The SLO objective (0-1), e.g. 0.999.',
      samples: slos.map((slo) => ({ labels: labels(slo), value: roundTo(slo.objective / 100, 6) })),
    },
    {
      name: METRIC.sloErrorRatio,
      help: 'Bad events / events of the SLO over the window ending at the report end (window="period": the SLO period).',
      samples: slos.flatMap((slo) => [
        ...BURN_WINDOWS.map(({ name }) => ({ labels: { ...labels(slo), window: name }, value: errorRatio(slo, slo.burnRates[name]) })),
        { labels: { ...labels(slo), window: 'period' }, value: errorRatio(slo, slo.errorBudget.consumed) },
      ]),
    },
    {
      name: METRIC.sloBurnRate,
      help: 'Error-budget burn rate of the SLO over the window: error ratio / (1 - objective); absent under 20 events.',
      samples: slos.flatMap((slo) =>
        BURN_WINDOWS.map(({ name }) => ({ labels: { ...labels(slo), window: name }, value: slo.burnRates[name] })),
      ),
    },
    {
      name: METRIC.sloBudgetRemaining,
      help: 'Error budget left over the SLO period, a fraction of it (below 0 once spent).',
      samples: slos.map((slo) => ({ labels: labels(slo), value: slo.errorBudget.remaining })),
    },
  ];
}

function sampleLine(name: string, { labels, value }: Sample): string | null {
  // A figure without data (no samples, no operations) is left out: absent, not 0 or NaN.
  if (value === null || !Number.isFinite(value)) return null;
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${value}`;
}

/** The exposition text, ending with a newline. */
export function renderOpenMetrics(report: Report): string {
  const lines = [...families(report), ...sloFamilies(report.slos ?? [])].flatMap((family) => [
    `# HELP ${family.name} ${escapeHelp(family.help)}`,
    `# TYPE ${family.name} gauge`,
    ...family.samples.flatMap((sample) => sampleLine(family.name, sample) ?? []),
  ]);
  return `${lines.join('\n')}\n`;
}
