// `--alert`: evaluate the report's conditions, decide per channel what is pending, new, due again,
// held over or resolved, deliver, and remember it. Delivery failures are recorded, never thrown:
// the report is still printed and the caller exits 4 when any channel has `failed` (docs/alerting.md, docs/cli.md).
// The state lock is held for file work only (issue 27 item 2): under it a run plans and marks what
// it will send, it delivers without it, then takes it again to record the outcome; a concurrent
// run sees the marks and holds those alerts back, however long a peer hangs. State trouble never
// stops delivery: alerts go out without dedupe, one stderr line says so. A lock still busy after
// the wait is no trouble with the state but another run at work: this run sends nothing rather
// than what that run may be sending.

import type { AlertCondition, AlertsReport, ChannelOutcome, Report } from '../report/types.js';
import { forMessage } from '../text/safe-text.js';
import { evaluateConditions, silentServices } from './conditions.js';
import type { AlertConfig } from './config.js';
import { sendEmail } from './email.js';
import { buildMessage } from './message.js';
import {
  applyDelivery,
  type ChannelPlan,
  hasMessage,
  planChannel,
  recordDelivery,
  type Sender,
  settleInterrupted,
  type Timing,
} from './plan.js';
import { redactedReason } from './redact.js';
import { isInFlight, newSender } from './sender.js';
import { activeSilences, mutedBy, type Silence } from './silence.js';
import { type Delivery, sendSlack, slackPayload } from './slack.js';
import {
  type Channel,
  type DroppedScope,
  pruneScopes,
  readState,
  type ScopeState,
  STALE_LOCK_MS,
  StateBusyError,
  StateUnusableError,
  scopeIn,
  withStateLock,
  writeState,
} from './state.js';

export { evaluateConditions } from './conditions.js';
export { type AlertConfig, alertConfigFromEnv } from './config.js';

export interface SendAlertsOptions {
  /** Where one-line notices go, without the `perf-monitor: ` prefix (the sink adds it); default stderr. */
  warn?: (line: string) => void;
  /** How long to wait for the state lock (tests of a busy lock); default LOCK_WAIT_MS. */
  lockWaitMs?: number;
}

/**
 * The lock is held for a read and a write, milliseconds; a wait this long means a holder that
 * died on another host (taken over once stale) or a wedged one: long enough for the first.
 */
export const LOCK_WAIT_MS = STALE_LOCK_MS + 5_000;

const stderrLine = (line: string) => void process.stderr.write(`perf-monitor: ${line}\n`);
const CHANNEL_NAME: Record<Channel, string> = { slack: 'Slack', email: 'e-mail' };

function deliver(channel: Channel, report: Report, plan: ChannelPlan, config: AlertConfig): Promise<Delivery> {
  if (!hasMessage(plan)) return Promise.resolve({ ok: true });
  const message = buildMessage(report, plan);
  if (channel === 'slack' && config.slack)
    return sendSlack(config.slack.webhookUrl, slackPayload(message), config.timeoutMs, config.secrets);
  if (channel === 'email' && config.email) return sendEmail(config.email, message, config.timeoutMs, config.secrets);
  return Promise.resolve({ ok: false, reason: `${channel} is not configured` });
}

function outcome(channel: Channel, plan: ChannelPlan, delivery: Delivery): ChannelOutcome {
  const firing = plan.firing.map(({ condition }) => condition.key);
  const resolved = plan.resolved.map(({ key }) => key);
  if (!delivery.ok) {
    return {
      channel,
      sent: [],
      suppressed: plan.suppressed,
      resolved: [],
      failed: { keys: [...firing, ...resolved], reason: delivery.reason },
    };
  }
  // Counted as sent, yet not known to be: a failure with no keys, as state trouble is (exit 4).
  const doubt = delivery.doubt === undefined ? null : { keys: [], reason: delivery.doubt };
  return { channel, sent: firing, suppressed: plan.suppressed, resolved, failed: doubt };
}

/** The one stderr line of a state that cannot be used or saved (docs/alerting.md). */
const stateTrouble = (dir: string, cause: string) =>
  `alert state in ${dir} not usable (${cause}); dedupe is off: alerts are sent, and later runs may repeat them`;

/** The one stderr line of a lock another run kept for the whole wait. */
const stateBusy = (dir: string, cause: string) =>
  `alert state in ${dir} busy (${cause}); this run sends no alert, so as not to repeat what that run sends; ` +
  'the next run sends what is still owed';

/** The one stderr line of an outcome that could not be written after the delivery. */
const notRecorded = (dir: string, cause: string) =>
  `alert state in ${dir}: this run's delivery could not be recorded (${cause}); later runs take it as sent and say so`;

interface RunContext {
  report: Report;
  config: AlertConfig;
  channels: Channel[];
  nowMs: number;
  warn: (line: string) => void;
  lockWaitMs: number;
}

/** What a run decided under the lock. */
interface Planned {
  conditions: AlertCondition[];
  silenced: AlertsReport['silenced'];
  plans: Map<Channel, ChannelPlan>;
  /** Marks were written: the outcome is to be recorded under the lock again. */
  marked: boolean;
  /** This run, as its marks name it. */
  sender: Sender;
  trouble: string | null;
}

/** Delivers every channel's plan at once, without the lock; one stderr line per channel in trouble. */
async function deliverAll(run: RunContext, plans: Map<Channel, ChannelPlan>): Promise<Map<Channel, Delivery>> {
  const deliveries = new Map<Channel, Delivery>();
  await Promise.all(
    [...plans].map(async ([channel, plan]) => {
      deliveries.set(channel, await deliver(channel, run.report, plan, run.config));
    }),
  );
  for (const [channel, delivery] of deliveries) {
    if (!delivery.ok) run.warn(`${CHANNEL_NAME[channel]} alert not delivered: ${delivery.reason}`);
    else if (delivery.doubt !== undefined) run.warn(`${CHANNEL_NAME[channel]} alert may not have been delivered: ${delivery.doubt}`);
  }
  return deliveries;
}

function outcomes(
  run: RunContext,
  plans: Map<Channel, ChannelPlan>,
  deliveries: Map<Channel, Delivery>,
  trouble: string | null,
): ChannelOutcome[] {
  return run.channels.map((channel) => {
    const plan = plans.get(channel);
    const result = plan ? outcome(channel, plan, deliveries.get(channel) ?? { ok: true }) : outcome(channel, emptyPlan(), { ok: true });
    if (trouble !== null) result.failed ??= { keys: [], reason: trouble };
    return result;
  });
}

const emptyPlan = (): ChannelPlan => ({ firing: [], suppressed: [], resolved: [], base: {} });

function silencedReport(silences: Silence[], conditions: AlertCondition[]): AlertsReport['silenced'] {
  return silences.map(({ key, until }) => ({
    key,
    until,
    conditions: conditions.filter((c) => mutedBy([{ key, until }], c.key)).map((c) => c.key),
  }));
}

/**
 * Entries a killed run left marked `sending`: taken as delivered, said once per channel. Entries
 * another run is delivering right now are left marked: they read as sent, so they are held back.
 */
function settle(scoped: ScopeState, warn: (line: string) => void): void {
  for (const channel of Object.keys(scoped.channels) as Channel[]) {
    const { state, interrupted } = settleInterrupted(scoped.channels[channel] ?? {}, (entry) => isInFlight(entry));
    scoped.channels[channel] = state;
    if (interrupted.length === 0) continue;
    const keys = interrupted.map((item) => item.key).join(', ');
    warn(
      `the ${CHANNEL_NAME[channel]} alert of ${interrupted[0]?.at} (${keys}) may not have been delivered: ` +
        'the run sending it was stopped before it finished; counted as sent, not repeated',
    );
  }
}

/** One line per scope dropped from the state (docs/alerting.md). */
function droppedLine({ scope, evaluatedAt, firing }: DroppedScope): string {
  const alerts = firing.length === 0 ? 'no firing alert' : `its firing alerts (${firing.join(', ')}) dropped unresolved`;
  return `alert scope ${forMessage(scope)} not evaluated since ${evaluatedAt} (over 7 days): removed from the state, ${alerts}`;
}

/**
 * Under the lock: read, settle what killed runs left, plan, and write the plans' marks (the state
 * after success, marked `sending` by this run), or the state of a run with nothing to send.
 */
async function planUnderLock(run: RunContext, scope: string, file: string): Promise<Planned> {
  const { config, warn } = run;
  // Its deadline counts from now, once the lock is ours: the wait for it is over.
  const sender = newSender(config.timeoutMs, run.lockWaitMs);
  const state = await readState(config.stateDir, file, warn);
  const scoped = scopeIn(state, scope);
  for (const gone of pruneScopes(state, scope, run.nowMs)) warn(droppedLine(gone));
  settle(scoped, warn);
  const silences = activeSilences(scoped.silences, config.silences, run.nowMs);
  scoped.silences = Object.fromEntries(silences.map(({ key, until }) => [key, until]));
  const remembered = Object.values(scoped.channels).flatMap((entries) => Object.keys(entries ?? {}));
  const conditions = evaluateConditions(run.report, { silentBefore: silentServices(remembered) });
  const muted = (key: string) => mutedBy(silences, key);
  const plans = new Map(
    run.channels.map((channel) => [channel, planChannel(scoped.channels[channel] ?? {}, conditions, run.nowMs, config, muted)]),
  );
  const nowIso = new Date(run.nowMs).toISOString();
  for (const [channel, plan] of plans) scoped.channels[channel] = applyDelivery(plan, nowIso, hasMessage(plan), true, sender);
  let trouble: string | null = null;
  try {
    await writeState(file, state);
  } catch (error) {
    trouble = stateTrouble(config.stateDir, redactedReason(error, config.secrets));
    warn(trouble);
  }
  const marked = trouble === null && [...plans.values()].some(hasMessage);
  return { conditions, silenced: silencedReport(silences, conditions), plans, marked, sender, trouble };
}

/** Under the lock again, on the state as it is now: each channel's outcome replaces its marks. */
async function record(run: RunContext, scope: string, planned: Planned, deliveries: Map<Channel, Delivery>): Promise<string | null> {
  const { config } = run;
  try {
    await withStateLock(config.stateDir, run.lockWaitMs, async (file) => {
      const state = await readState(config.stateDir, file, run.warn);
      const scoped = scopeIn(state, scope);
      for (const [channel, plan] of planned.plans) {
        if (!hasMessage(plan)) continue;
        const delivered = deliveries.get(channel)?.ok ?? false;
        scoped.channels[channel] = recordDelivery(scoped.channels[channel] ?? {}, plan, planned.sender.run, delivered);
      }
      await writeState(file, state);
    });
    return null;
  } catch (error) {
    const cause = error instanceof StateBusyError || error instanceof StateUnusableError ? error.reason : error;
    const line = notRecorded(config.stateDir, redactedReason(cause, config.secrets));
    run.warn(line);
    return line;
  }
}

async function withState(run: RunContext, scope: string): Promise<AlertsReport> {
  const planned = await withStateLock(run.config.stateDir, run.lockWaitMs, (file) => planUnderLock(run, scope, file));
  const deliveries = await deliverAll(run, planned.plans);
  const trouble = planned.marked ? await record(run, scope, planned, deliveries) : planned.trouble;
  return { conditions: planned.conditions, silenced: planned.silenced, channels: outcomes(run, planned.plans, deliveries, trouble) };
}

/**
 * No usable state: every condition that holds is sent as new, at once (`--alert-for` needs the
 * memory of earlier runs), and only this run's silences apply.
 */
async function withoutState(run: RunContext, trouble: string): Promise<AlertsReport> {
  run.warn(trouble);
  const silences = activeSilences({}, run.config.silences, run.nowMs);
  const conditions = evaluateConditions(run.report);
  const timing: Timing = { ...run.config, forMs: 0 };
  const muted = (key: string) => mutedBy(silences, key);
  const plans = new Map(run.channels.map((channel) => [channel, planChannel({}, conditions, run.nowMs, timing, muted)]));
  const deliveries = await deliverAll(run, plans);
  return { conditions, silenced: silencedReport(silences, conditions), channels: outcomes(run, plans, deliveries, trouble) };
}

/** Another run kept the lock for the whole wait: nothing is sent, one stderr line, exit 4. */
function whileBusy(run: RunContext, line: string): AlertsReport {
  run.warn(line);
  const conditions = evaluateConditions(run.report);
  const silences = activeSilences({}, run.config.silences, run.nowMs);
  const failed = { keys: [], reason: line };
  return {
    conditions,
    silenced: silencedReport(silences, conditions),
    channels: run.channels.map((channel) => ({ channel, sent: [], suppressed: [], resolved: [], failed })),
  };
}

export async function sendAlerts(
  report: Report,
  config: AlertConfig,
  scope: string,
  options: SendAlertsOptions = {},
): Promise<AlertsReport> {
  const run: RunContext = {
    report,
    config,
    channels: [...(config.slack ? ['slack' as const] : []), ...(config.email ? ['email' as const] : [])],
    nowMs: Date.parse(report.period.end),
    warn: options.warn ?? stderrLine,
    lockWaitMs: options.lockWaitMs ?? LOCK_WAIT_MS,
  };
  try {
    return await withState(run, scope);
  } catch (error) {
    if (error instanceof StateBusyError) return whileBusy(run, stateBusy(error.dir, redactedReason(error.reason, config.secrets)));
    if (!(error instanceof StateUnusableError)) throw error;
    return withoutState(run, stateTrouble(error.dir, redactedReason(error.reason, config.secrets)));
  }
}
