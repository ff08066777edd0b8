// Slack delivery: Block Kit through @slack/webhook, with SPEC §11 timeout and retries.
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook';
import type { FetchFunction, IncomingWebhookSendArguments } from '@slack/webhook';
import { shownText } from '../cli/shown.js';
import { isRetryableStatus, parseRetryAfter, withRetry } from '../net/retry.js';
import { RequestRefused, safeFetch } from '../net/safe-fetch.js';
import { deliveryBudget } from './budget.js';
import { clip, escapeMrkdwn as esc, fitLines } from '../render/escape.js';
import type { AlertMessage, MessageLevel } from './message.js';
import { redactedReason } from './redact.js';

type Block = NonNullable<IncomingWebhookSendArguments['blocks']>[number];

/** Slack's Block Kit limits (docs.slack.dev reference: blocks, header, section). */
export const SLACK_LIMITS = { blocks: 50, headerText: 150, sectionText: 3000, text: 3000 } as const;
/** Log-derived text per line, before escaping: a stack trace must not fill the message. */
const LINE_CHARS = 300;
const ICON: Record<MessageLevel, string> = { critical: '🔴', warning: '🟡', resolved: '✅' };

const section = (title: string, lines: string[]): Block => ({
  type: 'section',
  text: { type: 'mrkdwn', text: `${title}\n${fitLines(lines, SLACK_LIMITS.sectionText - title.length - 1)}` },
});

/** At most 50 blocks; the overflow is replaced by a note rather than rejected by Slack. */
export function fitBlocks(blocks: Block[], limit: number = SLACK_LIMITS.blocks): Block[] {
  if (blocks.length <= limit) return blocks;
  const note: Block = { type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${blocks.length - limit + 1} more` }] };
  return [...blocks.slice(0, limit - 1), note];
}

export function slackPayload(message: AlertMessage): IncomingWebhookSendArguments {
  const firing = message.firing.map(
    (line) => `• ${ICON[line.severity]} *${line.severity}* ${esc(clip(line.text, LINE_CHARS))} _(${line.repeat ? 'still firing' : 'new'})_`,
  );
  if (message.stillFiring > 0) firing.push(`_${message.stillFiring} more still firing, already notified_`);
  const resolved = message.resolved.map((line) => `• ✅ ${esc(clip(line.text, LINE_CHARS))}`);
  const services = message.worstServices.map((s) => {
    const error = s.topError === null ? '' : `\n    top error: ${esc(clip(s.topError, 150))}`;
    return `• *${esc(clip(s.service, 80))}* — errors ${s.errorRate} · p95 ${s.p95} · ${s.trend}${error}`;
  });
  const header = clip(`${ICON[message.level]} ${message.level.toUpperCase()} · Performance health ${message.health}`, SLACK_LIMITS.headerText);
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: header, emoji: true } }];
  if (firing.length > 0) blocks.push(section('*Firing*', firing));
  if (resolved.length > 0) blocks.push(section('*Resolved*', resolved));
  if (services.length > 0) blocks.push(section('*Worst services*', services));
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: esc(clip(message.context, 1000)) }] });
  // Notifications and old clients show `text`; it is mrkdwn too, so it is escaped the same way.
  const text = fitLines([`${ICON[message.level]} ${message.title}`, ...firing, ...resolved], SLACK_LIMITS.text);
  // No link_names / parse: a plain "@channel" in a log line stays text as well.
  return { text, blocks: fitBlocks(blocks), unfurl_links: false, unfurl_media: false };
}

export type Delivery = { ok: true } | { ok: false; reason: string };

export async function sendSlack(
  webhookUrl: string,
  payload: IncomingWebhookSendArguments,
  timeoutMs: number,
  secrets: string[],
): Promise<Delivery> {
  // @slack/webhook's errors drop the response headers; keep Retry-After of the last answer.
  let retryAfter: string | null = null;
  const fetchRecordingRetryAfter: FetchFunction = async (url, init) => {
    // No redirect to another origin (the webhook URL is the secret), bodies read bounded.
    const response = await safeFetch(url, init);
    retryAfter = response.headers.get('retry-after');
    return response;
  };
  // The whole delivery, retries and Retry-After included, stays within attempts × timeout.
  const budget = deliveryBudget(timeoutMs);
  try {
    await withRetry(
      () => {
        retryAfter = null;
        const webhook = new IncomingWebhook(webhookUrl, { timeout: budget.attemptMs(), fetch: fetchRecordingRetryAfter });
        return webhook.send(payload);
      },
      {
        shouldRetry: (error) =>
          budget.canRetry() &&
          ((error instanceof IncomingWebhookRequestError && !(error.original instanceof RequestRefused)) ||
            (error instanceof IncomingWebhookHTTPError && isRetryableStatus(error.statusCode))),
        retryAfterMs: () => parseRetryAfter(retryAfter),
        sleep: budget.sleep,
      },
    );
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `Slack webhook: ${slackCause(error, secrets)}` };
  }
}

function slackCause(error: unknown, secrets: string[]): string {
  if (error instanceof IncomingWebhookHTTPError) {
    // Slack's (or a proxy's) text, escaped: a newline or an ESC sequence must not reach stderr raw.
    const body = shownText(error.body, 100);
    return redactedReason(`HTTP ${error.statusCode}${body ? ` ${body}` : ''}`, secrets);
  }
  if (error instanceof IncomingWebhookRequestError) {
    const cause = error.original.cause instanceof Error ? `: ${error.original.cause.message}` : '';
    return redactedReason(`${error.original.message}${cause}`, secrets);
  }
  return redactedReason(error, secrets);
}
