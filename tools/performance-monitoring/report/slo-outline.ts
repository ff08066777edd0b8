// The SLOS section (docs/slos.md) as words and cells, written once for the text, Markdown and HTML
// renderers: each SLO's block of lines (text) and its table row (Markdown, HTML). Plain text:
// callers escape the names for their own markup.
import { formatCount, formatNumber } from '../text/format.js';
import { SLO_STYLE } from './style.js';
import type { SloReport } from './types.js';

export const SLO_HEADERS = ['SLO', 'Status', 'Achieved', 'Objective', 'Budget left', 'Burn 5m', '30m', '1h', '6h', '3d', 'Events (bad)'];

const percent = (value: number | null, decimals = 3) => (value === null ? 'n/a' : `${formatNumber(value, decimals)}%`);
/** A budget fraction as a percentage of the budget: 0.8312 -> `83.12%`. */
const share = (value: number | null) => (value === null ? 'n/a' : `${formatNumber(value * 100, 2)}%`);
const burn = (value: number | null) => (value === null ? 'n/a' : `${formatNumber(value, 2)}x`);

/** `🚨 page`: the status with its icon. */
export const sloStatusText = (slo: SloReport) => `${SLO_STYLE[slo.status].icon} ${slo.status.replace('_', ' ')}`;

/** The bad-event count is approximate: the threshold falls inside a histogram bucket of the rollups. */
export function sloApproximation(slo: SloReport): string | null {
  const a = slo.approximation;
  if (a === null) return null;
  return `approximate: ${formatCount(slo.thresholdMs ?? 0)} ms falls inside the rollups' bucket (${formatCount(a.bucketLowMs)}, ${formatCount(a.bucketHighMs)}] ms; up to ${formatCount(a.uncertainEvents)} of the bad events may have been good (use a bucket boundary, or --exact)`;
}

function periodText(slo: SloReport): string {
  const days = (Date.parse(slo.period.end) - Date.parse(slo.period.start)) / 86_400_000;
  return `${formatNumber(days, 2)}d`;
}

/** The text report's block of one SLO. */
export function sloLines(slo: SloReport): string[] {
  const { events, errorBudget: b, burnRates: r } = slo;
  const approximation = sloApproximation(slo);
  return [
    `${sloStatusText(slo)}  ${slo.name}`,
    `   Achieved ${percent(slo.achieved)} vs objective ${percent(slo.objective)} over ${periodText(slo)} (${formatCount(events.total)} events, ${formatCount(events.bad)} bad)`,
    `   Error budget: ${share(b.remaining)} left (${share(b.consumed)} used of ${b.allowed === null ? 'n/a' : formatNumber(b.allowed, 1)} bad events allowed)${slo.hoursToExhaustion === null ? '' : `, gone in ${formatNumber(slo.hoursToExhaustion, 1)}h at the 1h burn`}`,
    `   Burn rate: 5m ${burn(r['5m'])} · 30m ${burn(r['30m'])} · 1h ${burn(r['1h'])} · 6h ${burn(r['6h'])} · 3d ${burn(r['3d'])}`,
    ...(approximation === null ? [] : [`   ${approximation}`]),
  ];
}

/** One table row per SLO. */
export function sloRows(slos: SloReport[]): string[][] {
  return slos.map((slo) => [
    slo.name,
    sloStatusText(slo),
    percent(slo.achieved),
    percent(slo.objective),
    share(slo.errorBudget.remaining),
    burn(slo.burnRates['5m']),
    burn(slo.burnRates['30m']),
    burn(slo.burnRates['1h']),
    burn(slo.burnRates['6h']),
    burn(slo.burnRates['3d']),
    `${formatCount(slo.events.total)} (${formatCount(slo.events.bad)})`,
  ]);
}

/** Notes under the table: the approximate ones. */
export const sloNotes = (slos: SloReport[]) =>
  slos.flatMap((slo) => {
    const note = sloApproximation(slo);
    return note === null ? [] : [`${slo.name}: ${note}`];
  });
