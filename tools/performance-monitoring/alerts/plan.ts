// The no-storm and no-flapping rules (docs/alerting.md), pure so they can be tested without clocks or files.
// Per channel, each condition key moves through
//   (none) → pending → firing ⇄ resolving → (none)
// - a holding condition is pending until it has held for `forMs`, then it is sent (0: at once);
// - a firing one is re-sent once `repeatMs` has passed since it was last delivered;
// - a firing one that stops holding is resolving; it gets one resolved notice once it has not
//   held for `keepFiringMs`; if it holds again before that, it is the same alert (no message);
// - a pending one that stops holding is forgotten (it was never sent);
// - a muted (silenced) key is neither sent nor resolved; only the time it last held is kept.
// A failed delivery never counts as sent: the same plan comes back on the next run.
// Entries a delivery changes are marked `sending` (with their sender) before it starts and
// settled after it (recordDelivery), so a concurrent run sees them as sent, not as owed.
import type { AlertCondition, Severity } from '../report/types.js';

export type EntryStatus = 'pending' | 'firing' | 'resolving' | 'resolved';

export interface StateEntry {
  /** `resolved` only while its resolved notice is being sent (see `sending`). */
  status: EntryStatus;
  severity: Severity;
  message: string;
  /** When the condition began to hold (the start of `pending`). */
  since: string;
  /** The last run at which it held. */
  lastHeldAt: string;
  firstSentAt: string | null;
  lastSentAt: string | null;
  /**
   * Set, before a delivery starts, on the entries the delivery changes (the state written then
   * is the one after success). Still set on the next run = the run died mid-send.
   */
  sending: string | null;
  /** Who set `sending`: a live sender is still delivering; absent in files of earlier versions. */
  sender?: Sender;
}

/** The run delivering a `sending` entry, so other runs can tell "in flight" from "interrupted". */
export interface Sender {
  /** Unique per run: the mark a run looks for when it records its outcome. */
  run: string;
  pid: number;
  host: string;
  /** Wall-clock time by which the run will have recorded its outcome, or died trying. */
  until: string;
}

/** One channel's memory for one scope, by condition key. */
export type ChannelState = Record<string, StateEntry>;

export interface Timing {
  repeatMs: number;
  forMs: number;
  keepFiringMs: number;
}

export interface ChannelPlan {
  firing: { condition: AlertCondition; repeat: boolean }[];
  /** Holding but not sent now: pending until `for` has passed, or repeated later. */
  suppressed: { key: string; nextSendAt: string }[];
  resolved: { key: string; severity: Severity; message: string }[];
  /** The channel's state when nothing is delivered (pending kept, last-held times moved on). */
  base: ChannelState;
}

const iso = (ms: number) => new Date(ms).toISOString();

function planHolding(plan: ChannelPlan, condition: AlertCondition, entry: StateEntry | undefined, nowMs: number, timing: Timing): void {
  const now = iso(nowMs);
  if (!entry || entry.status === 'resolved' || entry.status === 'pending') {
    const since = entry?.status === 'pending' ? entry.since : now;
    plan.base[condition.key] = {
      status: 'pending',
      severity: condition.severity,
      message: condition.message,
      since,
      lastHeldAt: now,
      firstSentAt: null,
      lastSentAt: null,
      sending: null,
    };
    const dueMs = Date.parse(since) + timing.forMs;
    if (nowMs >= dueMs) plan.firing.push({ condition, repeat: false });
    else plan.suppressed.push({ key: condition.key, nextSendAt: iso(dueMs) });
    return;
  }
  // firing, or resolving and back within keep-firing: the same alert.
  plan.base[condition.key] = { ...entry, status: 'firing', lastHeldAt: now };
  const lastSent = Date.parse(entry.lastSentAt ?? entry.since);
  if (nowMs - lastSent >= timing.repeatMs) plan.firing.push({ condition, repeat: true });
  else plan.suppressed.push({ key: condition.key, nextSendAt: iso(lastSent + timing.repeatMs) });
}

function planGone(plan: ChannelPlan, key: string, entry: StateEntry, nowMs: number, timing: Timing): void {
  if (entry.status === 'pending' || entry.status === 'resolved') {
    delete plan.base[key]; // never sent, or its resolved notice already went out
    return;
  }
  if (nowMs - Date.parse(entry.lastHeldAt) >= timing.keepFiringMs) {
    plan.resolved.push({ key, severity: entry.severity, message: entry.message });
  }
  plan.base[key] = { ...entry, status: 'resolving' };
}

export function planChannel(
  state: ChannelState,
  conditions: AlertCondition[],
  nowMs: number,
  timing: Timing,
  muted: (key: string) => boolean = () => false,
): ChannelPlan {
  const plan: ChannelPlan = { firing: [], suppressed: [], resolved: [], base: { ...state } };
  const holding = new Set(conditions.map((condition) => condition.key));
  for (const condition of conditions) {
    const entry = state[condition.key];
    if (muted(condition.key)) {
      if (entry) plan.base[condition.key] = { ...entry, lastHeldAt: iso(nowMs) };
      continue;
    }
    planHolding(plan, condition, entry, nowMs, timing);
  }
  for (const [key, entry] of Object.entries(state)) {
    if (!holding.has(key) && !muted(key)) planGone(plan, key, entry, nowMs, timing);
  }
  return plan;
}

export function hasMessage(plan: ChannelPlan): boolean {
  return plan.firing.length > 0 || plan.resolved.length > 0;
}

/** The entry with no `sending` mark nor sender. */
function unmarked(entry: StateEntry): StateEntry {
  const { sender: _sender, ...rest } = entry;
  return { ...rest, sending: null };
}

/**
 * The channel's state after the plan's message was (or was not) delivered at `nowIso`.
 * `sending: true` gives the state to write before the delivery starts: the same as after
 * success, with the changed entries marked (resolved ones kept as `resolved` markers), and
 * `sender` on each mark.
 */
export function applyDelivery(plan: ChannelPlan, nowIso: string, delivered: boolean, sending = false, sender?: Sender): ChannelState {
  const next: ChannelState = { ...plan.base };
  if (!delivered) return next;
  const mark = (entry: StateEntry): StateEntry =>
    sending ? { ...entry, sending: nowIso, ...(sender ? { sender } : {}) } : unmarked(entry);
  for (const { condition } of plan.firing) {
    const entry = next[condition.key];
    if (!entry) continue;
    next[condition.key] = mark({ ...entry, status: 'firing', firstSentAt: entry.firstSentAt ?? nowIso, lastSentAt: nowIso });
  }
  for (const { key } of plan.resolved) {
    const entry = next[key];
    if (sending && entry) next[key] = mark({ ...entry, status: 'resolved' });
    else delete next[key];
  }
  return next;
}

/** The keys a plan's message changes: what a delivery marks, and later records. */
const changedKeys = (plan: ChannelPlan) => [...plan.firing.map(({ condition }) => condition.key), ...plan.resolved.map(({ key }) => key)];

/**
 * Records the outcome of a delivery marked by run `run` in the channel's state as it is now, re-read
 * under the lock: other runs may have written since the mark. An entry still carrying the mark is
 * settled (delivered: sent, or gone for a resolved notice; not delivered: back to the plan's base,
 * so the next run sends it). An entry another run has marked or settled since is theirs: left alone,
 * except that an undelivered one that was removed is put back (its notice is still owed).
 */
export function recordDelivery(current: ChannelState, plan: ChannelPlan, run: string, delivered: boolean): ChannelState {
  const next: ChannelState = { ...current };
  for (const key of changedKeys(plan)) {
    const entry = next[key];
    const ours = entry?.sender?.run === run;
    if (delivered) {
      if (!entry || !ours) continue;
      if (entry.status === 'resolved') delete next[key];
      else next[key] = unmarked(entry);
      continue;
    }
    if (entry && !ours) continue;
    const before = plan.base[key];
    if (before) next[key] = unmarked(before);
    else delete next[key];
  }
  return next;
}

/**
 * Entries still marked `sending` whose sender is no longer delivering (`inFlight` false) were
 * being delivered when a run died. They are taken as delivered (the message most likely went
 * out: a repeat is what users complained about), and returned so the caller can say that the
 * delivery may not have completed. Entries in flight are kept as they are: a firing one already
 * reads as sent, so the planner holds it back, and its sender records the outcome.
 */
export function settleInterrupted(
  state: ChannelState,
  inFlight: (entry: StateEntry) => boolean = () => false,
): { state: ChannelState; interrupted: { key: string; at: string }[] } {
  const next: ChannelState = {};
  const interrupted: { key: string; at: string }[] = [];
  for (const [key, entry] of Object.entries(state)) {
    if (entry.sending !== null && inFlight(entry)) {
      next[key] = entry;
      continue;
    }
    if (entry.sending !== null) interrupted.push({ key, at: entry.sending });
    if (entry.status === 'resolved') continue;
    next[key] = entry.sending === null ? entry : unmarked(entry);
  }
  return { state: next, interrupted };
}
