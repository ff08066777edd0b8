// The no-storm rules (SPEC §9), pure so they can be tested without clocks or files:
// - a newly firing condition is sent;
// - a still-firing one is re-sent once `repeatMs` has passed since it was last delivered,
//   otherwise it is suppressed until `nextSendAt`;
// - a remembered condition that no longer holds gets one `resolved` notice, then is forgotten.
// State is kept per channel: a Slack outage makes Slack retry on the next run without e-mailing
// people again, and a failed delivery never counts as sent (so it is retried next run).
import type { AlertCondition, Severity } from '../metrics/report-types.js';

export interface StateEntry {
  severity: Severity;
  message: string;
  /** False once the condition stopped holding but its resolved notice is not delivered yet. */
  firing: boolean;
  firstSentAt: string;
  lastSentAt: string;
}

/** One channel's memory for one scope, by condition key. */
export type ChannelState = Record<string, StateEntry>;

export interface ChannelPlan {
  firing: { condition: AlertCondition; repeat: boolean }[];
  suppressed: { key: string; nextSendAt: string }[];
  resolved: { key: string; severity: Severity; message: string }[];
}

export function planChannel(state: ChannelState, conditions: AlertCondition[], nowMs: number, repeatMs: number): ChannelPlan {
  const plan: ChannelPlan = { firing: [], suppressed: [], resolved: [] };
  const holding = new Set(conditions.map((condition) => condition.key));
  for (const condition of conditions) {
    const entry = state[condition.key];
    const lastSent = entry ? Date.parse(entry.lastSentAt) : Number.NaN;
    if (!entry || Number.isNaN(lastSent)) plan.firing.push({ condition, repeat: false });
    else if (nowMs - lastSent >= repeatMs) plan.firing.push({ condition, repeat: true });
    else plan.suppressed.push({ key: condition.key, nextSendAt: new Date(lastSent + repeatMs).toISOString() });
  }
  for (const [key, entry] of Object.entries(state)) {
    if (!holding.has(key)) plan.resolved.push({ key, severity: entry.severity, message: entry.message });
  }
  return plan;
}

export function hasMessage(plan: ChannelPlan): boolean {
  return plan.firing.length > 0 || plan.resolved.length > 0;
}

/** The channel's state after the plan's message was (or was not) delivered at `nowIso`. */
export function applyDelivery(state: ChannelState, plan: ChannelPlan, nowIso: string, delivered: boolean): ChannelState {
  const next: ChannelState = { ...state };
  if (delivered) {
    for (const { condition } of plan.firing) {
      const firstSentAt = next[condition.key]?.firstSentAt ?? nowIso;
      next[condition.key] = { severity: condition.severity, message: condition.message, firing: true, firstSentAt, lastSentAt: nowIso };
    }
    for (const { key } of plan.resolved) delete next[key];
  } else {
    // Nothing counts as sent; remember that the resolved ones still owe a notice.
    for (const { key } of plan.resolved) {
      const entry = next[key];
      if (entry) next[key] = { ...entry, firing: false };
    }
  }
  // A suppressed condition still holds (it may have fired again after a failed resolved notice).
  for (const { key } of plan.suppressed) {
    const entry = next[key];
    if (entry) next[key] = { ...entry, firing: true };
  }
  return next;
}
