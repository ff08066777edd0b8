// Service level objectives as declared (docs/slos.md): `--slo` and PERFMON_SLOS specs parsed into
// SloSpec, or Invalid naming what is allowed; --slo-period's bounds.
import { Invalid } from '../base/errors.js';

export { BURN_WINDOWS, type BurnWindow, SLO_WINDOWS, type SloWindow } from '../sources/slo-windows.js';

export type SloIndicator = 'availability' | 'latency';

export interface SloSpec {
  /** `<service or all>-availability`, `<service or all>-latency-<ms>`: unique in a run. */
  name: string;
  /** null: every service. */
  service: string | null;
  sli: SloIndicator;
  /** Latency: an event is bad above this, ms; null for availability. */
  thresholdMs: number | null;
  /** Percent, strictly between 0 and 100. */
  objective: number;
}

/** --slo-period bounds (docs/cli.md). */
export const MIN_SLO_PERIOD_MS = 86_400_000;
export const MAX_SLO_PERIOD_MS = 90 * 86_400_000;

const MAX_THRESHOLD = 3_600_000;
const GRAMMAR = 'use [service.]availability>=<percent> or [service.]latency(<ms>)>=<percent>, e.g. hubspot.availability>=99.5';
/** The indicator and objective at the end; everything before the last `.` ahead of them is the service. */
const SLO_GRAMMAR = /^(?:(.*)\.)?(availability|latency\(([^)]*)\))\s*>=\s*(\S*)$/;
const DECIMAL = /^\d+(\.\d+)?$/;
const INTEGER = /^\d+$/;

export function parseSloSpec(raw: string): SloSpec {
  const text = raw.trim();
  const match = SLO_GRAMMAR.exec(text);
  if (!match) throw new Invalid(GRAMMAR);
  const [, service = null, indicator = '', threshold, objectiveText = ''] = match;
  if (service !== null && service.trim() === '')
    throw new Invalid(`name a service before the dot, or drop it for all services: ${GRAMMAR}`);
  const objective = Number(objectiveText);
  if (!DECIMAL.test(objectiveText) || !(objective > 0 && objective < 100)) {
    throw new Invalid('the objective is a percentage strictly between 0 and 100, such as 99.9');
  }
  const sli: SloIndicator = indicator === 'availability' ? 'availability' : 'latency';
  let thresholdMs: number | null = null;
  if (sli === 'latency') {
    const ms = Number(threshold);
    if (threshold === undefined || !INTEGER.test(threshold) || ms < 1 || ms > MAX_THRESHOLD) {
      throw new Invalid(`the latency threshold is a whole number of milliseconds from 1 to 3,600,000, such as latency(1500)`);
    }
    thresholdMs = ms;
  }
  const scope = service ?? 'all';
  const name = sli === 'availability' ? `${scope}-availability` : `${scope}-latency-${thresholdMs}`;
  return { name, service, sli, thresholdMs, objective };
}

/** Several specs (the option's values, or PERFMON_SLOS split at commas): a name given twice is
 *  refused, since alerts, gates and series are keyed by it. Returns the name given twice, or null. */
export function duplicateName(specs: readonly SloSpec[]): string | null {
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) return spec.name;
    seen.add(spec.name);
  }
  return null;
}
