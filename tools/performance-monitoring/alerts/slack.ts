// Slack delivery: Block Kit through @slack/webhook, with the timeout and retries of docs/sources.md. A retry is
// made only when the failed attempt surely did not post: an HTTP 429 or 5xx answer, or a request
// that never reached Slack (refused, DNS, connect timeout). A failure after the request was sent
// (no answer in time, the connection cut) may hide a posted message, and a retry would post it
// twice: it is not retried, and counts as sent with a doubt (issue 27 item 2).

import type { FetchFunction, IncomingWebhookSendArguments } from '@slack/webhook';
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook';
import { isRetryableStatus, parseRetryAfter, withRetry } from '../net/retry.js';
import { RequestRefused, safeFetch } from '../net/safe-fetch.js';
import { watchSent } from '../net/sent.js';
import { clipLine, forMrkdwn as esc, fitLines, forMessageText } from '../text/safe-text.js';
import { deliveryBudget } from './budget.js';
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
    (line) =>
      `• ${ICON[line.severity]} *${line.severity}* ${esc(clipLine(line.text, LINE_CHARS))} _(${line.repeat ? 'still firing' : 'new'})_`,
  );
  if (message.stillFiring > 0) firing.push(`_${message.stillFiring} more still firing, already notified_`);
  const resolved = message.resolved.map((line) => `• ✅ ${esc(clipLine(line.text, LINE_CHARS))}`);
  const services = message.worstServices.map((s) => {
    const error = s.topError === null ? '' : `\n    top error: ${esc(clipLine(s.topError, 150))}`;
    return `• *${esc(clipLine(s.service, 80))}* — errors ${s.errorRate} · p95 ${s.p95} · ${s.trend}${error}`;
  });
  const header = clipLine(
    `${ICON[message.level]} ${message.level.toUpperCase()} · Performance health ${message.health}`,
    SLACK_LIMITS.headerText,
  );
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: header, emoji: true } }];
  if (firing.length > 0) blocks.push(section('*Firing*', firing));
  if (resolved.length > 0) blocks.push(section('*Resolved*', resolved));
  if (services.length > 0) blocks.push(section('*Worst services*', services));
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: esc(clipLine(message.context, 1000)) }] });
  // Notifications and old clients show `text`; it is mrkdwn too, so it is escaped the same way.
  const text = fitLines([`${ICON[message.level]} ${message.title}`, ...firing, ...resolved], SLACK_LIMITS.text);
  // No link_names / parse: a plain "@channel" in a log line stays text as well.
  return { text, blocks: fitBlocks(blocks), unfurl_links: false, unfurl_media: false };
}

/** `doubt`: no answer says it was posted, yet it may have been; counted as sent, said on stderr. */
export type Delivery = { ok: true; doubt?: string } | { ok: false; reason: string };

/** A failure with no HTTP answer, after the request reached Slack: it may have been posted. */
const isAfterSend = (error: unknown, sent: boolean) =>
  sent && error instanceof IncomingWebhookRequestError && !(error.original instanceof RequestRefused);

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
  const watch = watchSent(webhookUrl);
  let attemptMs = timeoutMs;
  try {
    await withRetry(
      () => {
        retryAfter = null;
        watch.reset();
        attemptMs = budget.attemptMs();
        const webhook = new IncomingWebhook(webhookUrl, { timeout: attemptMs, fetch: fetchRecordingRetryAfter });
        return webhook.send(payload);
      },
      {
        shouldRetry: (error) =>
          budget.canRetry() &&
          ((error instanceof IncomingWebhookRequestError && !(error.original instanceof RequestRefused) && !watch.sent()) ||
            (error instanceof IncomingWebhookHTTPError && isRetryableStatus(error.statusCode))),
        retryAfterMs: () => parseRetryAfter(retryAfter),
        sleep: budget.sleep,
      },
    );
    return { ok: true };
  } catch (error) {
    if (isAfterSend(error, watch.sent())) {
      return {
        ok: true,
        doubt: `Slack webhook: ${afterSendCause(error, attemptMs, secrets)} after the request was sent; counted as sent, not repeated`,
      };
    }
    return { ok: false, reason: `Slack webhook: ${slackCause(error, secrets)}` };
  } finally {
    watch.stop();
  }
}

function afterSendCause(error: unknown, attemptMs: number, secrets: string[]): string {
  const original = error instanceof IncomingWebhookRequestError ? error.original : null;
  return original?.name === 'TimeoutError' ? `no answer within ${attemptMs} ms` : slackCause(error, secrets);
}

function slackCause(error: unknown, secrets: string[]): string {
  if (error instanceof IncomingWebhookHTTPError) {
    // Slack's (or a proxy's) text, escaped: a newline or an ESC sequence must not reach stderr raw.
    const body = forMessageText(error.body, 100);
    return redactedReason(`HTTP ${error.statusCode}${body ? ` ${body}` : ''}`, secrets);
  }
  if (error instanceof IncomingWebhookRequestError) {
    const cause = error.original.cause instanceof Error ? `: ${error.original.cause.message}` : '';
    return redactedReason(`${error.original.message}${cause}`, secrets);
  }
  return redactedReason(error, secrets);
}
