// `--alert`: evaluate the report's conditions, decide per channel what is pending, new, due again,
// held over or resolved, deliver, and remember it. Delivery failures are recorded, never thrown:
// the report is still printed and the caller exits 4 when any channel has `failed` (SPEC §9-10).
// State trouble never stops delivery: alerts go out without dedupe, one stderr line says so.
import type { AlertCondition, AlertsReport, ChannelOutcome, Report } from '../report/types.js';
import { DEFAULT_ATTEMPTS } from '../net/retry.js';
import type { AlertConfig } from './config.js';
import { evaluateConditions, silentServices } from './conditions.js';
import { sendEmail } from './email.js';
import { buildMessage } from './message.js';
import { applyDelivery, hasMessage, planChannel, settleInterrupted, type ChannelPlan, type ChannelState, type Timing } from './plan.js';
import { redactedReason } from './redact.js';
import { activeSilences, mutedBy, type Silence } from './silence.js';
import { sendSlack, slackPayload, type Delivery } from './slack.js';
import { emptyScope, readState, StateUnusableError, withStateLock, writeState, type Channel, type ScopeState } from './state.js';

export { alertConfigFromEnv, type AlertConfig } from './config.js';
export { evaluateConditions } from './conditions.js';

export interface SendAlertsOptions {
  /** Where one-line notices go, without the `perf-monitor: ` prefix (the sink adds it); default stderr. */
  warn?: (line: string) => void;
}

const stderrLine = (line: string) => void process.stderr.write(`perf-monitor: ${line}\n`);
const CHANNEL_NAME: Record<Channel, string> = { slack: 'Slack', email: 'e-mail' };

function deliver(channel: Channel, report: Report, plan: ChannelPlan, config: AlertConfig): Promise<Delivery> {
  if (!hasMessage(plan)) return Promise.resolve({ ok: true });
  const message = buildMessage(report, plan);
  if (channel === 'slack' && config.slack) return sendSlack(config.slack.webhookUrl, slackPayload(message), config.timeoutMs, config.secrets);
  if (channel === 'email' && config.email) return sendEmail(config.email, message, config.timeoutMs, config.secrets);
  return Promise.resolve({ ok: false, reason: `${channel} is not configured` });
}

function outcome(channel: Channel, plan: ChannelPlan, delivery: Delivery): ChannelOutcome {
  const firing = plan.firing.map(({ condition }) => condition.key);
  const resolved = plan.resolved.map(({ key }) => key);
  if (!delivery.ok) {
    return { channel, sent: [], suppressed: plan.suppressed, resolved: [], failed: { keys: [...firing, ...resolved], reason: delivery.reason } };
  }
  return { channel, sent: firing, suppressed: plan.suppressed, resolved, failed: null };
}

/** The one stderr line of a state that cannot be used or saved (SPEC §9). */
const stateTrouble = (dir: string, cause: string) =>
  `alert state in ${dir} not usable (${cause}); dedupe is off: alerts are sent, and later runs may repeat them`;

interface RunContext {
  report: Report;
  config: AlertConfig;
  channels: Channel[];
  nowMs: number;
  warn: (line: string) => void;
}

/** Plans and delivers every channel; `beforeSend` runs once all plans are known (the "sending" write). */
async function deliverAll(
  run: RunContext,
  conditions: AlertCondition[],
  states: Partial<Record<Channel, ChannelState>>,
  timing: Timing,
  muted: (key: string) => boolean,
  beforeSend: (plans: Map<Channel, ChannelPlan>) => Promise<void>,
): Promise<{ plans: Map<Channel, ChannelPlan>; deliveries: Map<Channel, Delivery> }> {
  const plans = new Map(run.channels.map((channel) => [channel, planChannel(states[channel] ?? {}, conditions, run.nowMs, timing, muted)]));
  await beforeSend(plans);
  const deliveries = new Map<Channel, Delivery>();
  await Promise.all(
    run.channels.map(async (channel) => {
      const plan = plans.get(channel);
      if (plan) deliveries.set(channel, await deliver(channel, run.report, plan, run.config));
    }),
  );
  for (const [channel, delivery] of deliveries) {
    if (!delivery.ok) run.warn(`${CHANNEL_NAME[channel]} alert not delivered: ${delivery.reason}`);
  }
  return { plans, deliveries };
}

function outcomes(run: RunContext, plans: Map<Channel, ChannelPlan>, deliveries: Map<Channel, Delivery>, trouble: string | null): ChannelOutcome[] {
  return run.channels.map((channel) => {
    const plan = plans.get(channel);
    const result = plan ? outcome(channel, plan, deliveries.get(channel) ?? { ok: true }) : outcome(channel, emptyPlan(), { ok: true });
    if (trouble !== null) result.failed ??= { keys: [], reason: trouble };
    return result;
  });
}

const emptyPlan = (): ChannelPlan => ({ firing: [], suppressed: [], resolved: [], base: {} });

function silencedReport(silences: Silence[], conditions: AlertCondition[]): AlertsReport['silenced'] {
  return silences.map(({ key, until }) => ({ key, until, conditions: conditions.filter((c) => mutedBy([{ key, until }], c.key)).map((c) => c.key) }));
}

/** Entries a killed run left marked `sending`: taken as delivered, said once per channel. */
function settle(scoped: ScopeState, warn: (line: string) => void): void {
  for (const channel of Object.keys(scoped.channels) as Channel[]) {
    const { state, interrupted } = settleInterrupted(scoped.channels[channel] ?? {});
    scoped.channels[channel] = state;
    if (interrupted.length === 0) continue;
    const keys = interrupted.map((item) => item.key).join(', ');
    warn(
      `the ${CHANNEL_NAME[channel]} alert of ${interrupted[0]?.at} (${keys}) may not have been delivered: ` +
        'the run sending it was stopped before it finished; counted as sent, not repeated',
    );
  }
}

async function withState(run: RunContext, scope: string, file: string): Promise<AlertsReport> {
  const { config, warn } = run;
  const state = await readState(config.stateDir, file, warn);
  const scoped = (state.scopes[scope] ??= emptyScope());
  settle(scoped, warn);
  const silences = activeSilences(scoped.silences, config.silences, run.nowMs);
  scoped.silences = Object.fromEntries(silences.map(({ key, until }) => [key, until]));
  const remembered = Object.values(scoped.channels).flatMap((entries) => Object.keys(entries ?? {}));
  const conditions = evaluateConditions(run.report, { silentBefore: silentServices(remembered) });
  const nowIso = new Date(run.nowMs).toISOString();
  let trouble: string | null = null;
  const save = async () => {
    if (trouble !== null) return;
    try {
      await writeState(file, state);
    } catch (error) {
      trouble = stateTrouble(config.stateDir, redactedReason(error, config.secrets));
      warn(trouble);
    }
  };
  const { plans, deliveries } = await deliverAll(run, conditions, scoped.channels, config, (key) => mutedBy(silences, key), async (planned) => {
    // Written before anything is sent: a run killed mid-send leaves "sending" for the next one.
    if (![...planned.values()].some(hasMessage)) return; // nothing to send: one write, after
    for (const [channel, plan] of planned) scoped.channels[channel] = applyDelivery(plan, nowIso, hasMessage(plan), true);
    await save();
  });
  for (const [channel, plan] of plans) scoped.channels[channel] = applyDelivery(plan, nowIso, deliveries.get(channel)?.ok ?? false);
  await save();
  return { conditions, silenced: silencedReport(silences, conditions), channels: outcomes(run, plans, deliveries, trouble) };
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
  const { plans, deliveries } = await deliverAll(run, conditions, {}, timing, (key) => mutedBy(silences, key), async () => undefined);
  return { conditions, silenced: silencedReport(silences, conditions), channels: outcomes(run, plans, deliveries, trouble) };
}

/**
 * `scope` names what the report is about (source identity and --service): state is kept per
 * scope, so alerts for two databases never suppress each other. "Now" is the report's window
 * end, so `--until` makes runs reproducible.
 */
export async function sendAlerts(report: Report, config: AlertConfig, scope: string, options: SendAlertsOptions = {}): Promise<AlertsReport> {
  const run: RunContext = {
    report,
    config,
    channels: [...(config.slack ? ['slack' as const] : []), ...(config.email ? ['email' as const] : [])],
    nowMs: Date.parse(report.period.end),
    warn: options.warn ?? stderrLine,
  };
  // Wait for a concurrent run through its whole send (bounded by attempts × timeout), then read its state.
  const lockWaitMs = DEFAULT_ATTEMPTS * config.timeoutMs + 15_000;
  try {
    return await withStateLock(config.stateDir, lockWaitMs, (file) => withState(run, scope, file));
  } catch (error) {
    if (!(error instanceof StateUnusableError)) throw error;
    return withoutState(run, stateTrouble(error.dir, redactedReason(error.reason, config.secrets)));
  }
}
