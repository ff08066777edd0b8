// `--alert`: evaluate the report's conditions, decide per channel what is new, due again or
// resolved, deliver, and remember it. Delivery failures are recorded, never thrown: the report
// is still printed and the caller exits 4 when any channel has `failed` (SPEC §9-10).
import type { AlertCondition, AlertsReport, ChannelOutcome, Report } from '../metrics/report-types.js';
import type { AlertConfig } from './config.js';
import { evaluateConditions } from './conditions.js';
import { sendEmail } from './email.js';
import { buildMessage, type AlertMessage } from './message.js';
import { applyDelivery, hasMessage, planChannel, type ChannelPlan } from './plan.js';
import { redactedReason } from './redact.js';
import { sendSlack, slackPayload, type Delivery } from './slack.js';
import { readState, withStateLock, writeState, type Channel } from './state.js';

export { alertConfigFromEnv, type AlertConfig } from './config.js';
export { evaluateConditions } from './conditions.js';

export interface SendAlertsOptions {
  /** Where one-line notices go (corrupt state file, lost lock); default stderr. */
  warn?: (line: string) => void;
}

const stderrLine = (line: string) => void process.stderr.write(`${line}\n`);

function deliver(channel: Channel, message: AlertMessage, config: AlertConfig): Promise<Delivery> {
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

function allFailed(channels: Channel[], conditions: AlertCondition[], reason: string): ChannelOutcome[] {
  const keys = conditions.map((condition) => condition.key);
  return channels.map((channel) => ({ channel, sent: [], suppressed: [], resolved: [], failed: { keys, reason } }));
}

/**
 * `scope` names what the report is about (source identity and --service): state is kept per
 * scope, so alerts for two databases never suppress each other. "Now" is the report's window
 * end, so `--until` makes runs reproducible.
 */
export async function sendAlerts(report: Report, config: AlertConfig, scope: string, options: SendAlertsOptions = {}): Promise<AlertsReport> {
  const warn = options.warn ?? stderrLine;
  const conditions = evaluateConditions(report);
  const now = new Date(report.period.end);
  const channels: Channel[] = [...(config.slack ? ['slack' as const] : []), ...(config.email ? ['email' as const] : [])];
  // Wait for a concurrent run through its whole send (3 attempts + backoff), then read its state.
  const lockWaitMs = 3 * config.timeoutMs + 15_000;
  try {
    return await withStateLock(config.stateDir, lockWaitMs, warn, async (file) => {
      const state = await readState(file, warn);
      const scoped = (state.scopes[scope] ??= {});
      const outcomes = await Promise.all(
        channels.map(async (channel) => {
          const before = scoped[channel] ?? {};
          const plan = planChannel(before, conditions, now.getTime(), config.repeatMs);
          const delivery: Delivery = hasMessage(plan) ? await deliver(channel, buildMessage(report, plan), config) : { ok: true };
          scoped[channel] = applyDelivery(before, plan, now.toISOString(), delivery.ok);
          return outcome(channel, plan, delivery);
        }),
      );
      try {
        await writeState(file, state);
      } catch (error) {
        // Sent but not remembered: the next run would send again, so say so and exit 4.
        const reason = `alert state not saved in ${config.stateDir} (${redactedReason(error, config.secrets)}); the next run may repeat these alerts`;
        warn(`perf-monitor: ${reason}`);
        for (const item of outcomes) item.failed ??= { keys: [], reason };
      }
      return { conditions, channels: outcomes };
    });
  } catch (error) {
    // No lock (state dir not writable, or another run held it too long): nothing was sent.
    return { conditions, channels: allFailed(channels, conditions, `alert state in ${config.stateDir}: ${redactedReason(error, config.secrets)}`) };
  }
}
