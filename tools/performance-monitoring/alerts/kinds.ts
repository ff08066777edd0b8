// The alert condition kinds (docs/alerting.md): the one list that conditions are keyed by,
// that --alert-silence accepts and that resolved notices are worded for. A kind added here
// compiles only once conditions.ts says what its resolved notice reads.

export const CONDITION_KINDS = [
  'health_low',
  'error_rate_high',
  'no_operations',
  'avg_above_threshold',
  'overall_degrading',
  'service_degrading',
  'service_silent',
  'service_error_rate',
  // docs/slos.md: the SRE workbook's burn-rate rules of one SLO, keyed by its name.
  'slo_page',
  'slo_ticket',
] as const;

export type ConditionKind = (typeof CONDITION_KINDS)[number];

/** A condition's de-duplication key: `kind`, or `kind:service` for a service's condition
 *  (`kind:name` for an SLO's). */
export type ConditionKey = ConditionKind | `${ConditionKind}:${string}`;

export function isConditionKind(text: string): text is ConditionKind {
  return CONDITION_KINDS.some((kind) => kind === text);
}

export function conditionKey(kind: ConditionKind, service?: string): ConditionKey {
  return service === undefined ? kind : `${kind}:${service}`;
}

/** `kind` or `kind:service` (the service name may itself contain ':'); kind null if unknown. */
export function splitKey(key: string): { kind: ConditionKind | null; service: string } {
  const at = key.indexOf(':');
  const kind = at < 0 ? key : key.slice(0, at);
  return { kind: isConditionKind(kind) ? kind : null, service: at < 0 ? '' : key.slice(at + 1) };
}
