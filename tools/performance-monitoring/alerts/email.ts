// E-mail delivery through nodemailer: a text part and an HTML part with the same content.
import nodemailer from 'nodemailer';
import { describeError } from '../base/errors.js';
import { withRetry } from '../net/retry.js';
import { clipLine, forHtml as esc, forMessageText } from '../text/safe-text.js';
import { deliveryBudget } from './budget.js';
import type { EmailConfig } from './config.js';
import type { AlertMessage, MessageLine } from './message.js';
import { redactedReason } from './redact.js';
import type { Delivery } from './slack.js';

const LINE_CHARS = 500;
const MAX_LINES = 50;
const COLOR = { critical: '#b91c1c', warning: '#b45309', resolved: '#15803d' } as const;

function note(line: MessageLine): string {
  if (line.severity === 'resolved') return '';
  return line.repeat ? ' (still firing)' : ' (new)';
}
const capped = <T>(items: T[]) => ({ shown: items.slice(0, MAX_LINES), more: Math.max(0, items.length - MAX_LINES) });

export function emailText(message: AlertMessage): string {
  const out = [message.title, ''];
  const list = (title: string, lines: MessageLine[]) => {
    if (lines.length === 0) return;
    const { shown, more } = capped(lines);
    out.push(`${title}:`, ...shown.map((l) => `- ${l.severity.toUpperCase()}: ${clipLine(l.text, LINE_CHARS)}${note(l)}`));
    if (more > 0) out.push(`…and ${more} more`);
    out.push('');
  };
  list('Firing', message.firing);
  if (message.stillFiring > 0) out.push(`${message.stillFiring} more still firing, already notified.`, '');
  list('Resolved', message.resolved);
  if (message.worstServices.length > 0) {
    out.push('Worst services:');
    for (const s of message.worstServices) {
      out.push(`- ${clipLine(s.service, 100)}: errors ${s.errorRate}, p95 ${s.p95}, trend ${s.trend}`);
      if (s.topError !== null) out.push(`  top error: ${clipLine(s.topError, 200)}`);
    }
    out.push('');
  }
  out.push(message.context);
  return `${out.join('\n')}\n`;
}

export function emailHtml(message: AlertMessage): string {
  const list = (title: string, lines: MessageLine[]) => {
    if (lines.length === 0) return '';
    const { shown, more } = capped(lines);
    const items = shown.map(
      (l) =>
        `<li><strong style="color:${COLOR[l.severity]}">${l.severity.toUpperCase()}</strong> ${esc(clipLine(l.text, LINE_CHARS))}${esc(note(l))}</li>`,
    );
    if (more > 0) items.push(`<li>…and ${more} more</li>`);
    return `<h3>${title}</h3>\n<ul>\n${items.join('\n')}\n</ul>\n`;
  };
  const still = message.stillFiring > 0 ? `<p>${message.stillFiring} more still firing, already notified.</p>\n` : '';
  const rows = message.worstServices.map(
    (s) =>
      `<tr><td>${esc(clipLine(s.service, 100))}</td><td>${s.errorRate}</td><td>${s.p95}</td><td>${esc(s.trend)}</td>` +
      `<td>${s.topError === null ? '' : esc(clipLine(s.topError, 200))}</td></tr>`,
  );
  const services =
    rows.length === 0
      ? ''
      : `<h3>Worst services</h3>\n<table border="1" cellpadding="4" cellspacing="0">\n` +
        `<tr><th>service</th><th>errors</th><th>p95</th><th>trend</th><th>top error</th></tr>\n${rows.join('\n')}\n</table>\n`;
  return (
    `<!doctype html>\n<html><body style="font-family:sans-serif">\n` +
    `<h2 style="color:${COLOR[message.level]}">${esc(message.title)}</h2>\n` +
    list('Firing', message.firing) +
    still +
    list('Resolved', message.resolved) +
    services +
    `<p style="color:#666">${esc(message.context)}</p>\n</body></html>\n`
  );
}

/** Connection trouble and 4xx replies are transient; auth failures and 5xx replies are not. */
export function isTransientSmtpError(error: unknown): boolean {
  const { code, responseCode } = error as { code?: string; responseCode?: number };
  if (code === 'EAUTH' || code === 'ENOAUTH') return false;
  if (typeof responseCode === 'number') return responseCode >= 400 && responseCode < 500;
  return ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS'].includes(code ?? '');
}

function transportFor(config: EmailConfig, timeoutMs: number) {
  return nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.port === 465, // 465 is implicit TLS; elsewhere STARTTLS is used when offered
    auth: config.user ? { user: config.user, pass: config.pass ?? '' } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    // The body carries log text; nodemailer must never resolve it as files or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}

export async function sendEmail(config: EmailConfig, message: AlertMessage, timeoutMs: number, secrets: string[]): Promise<Delivery> {
  // A server that accepts and never greets would otherwise cost 3 × timeout plus backoff and more.
  const budget = deliveryBudget(timeoutMs);
  const mail = { from: config.from, to: config.to, subject: message.title, text: emailText(message), html: emailHtml(message) };
  try {
    await withRetry(
      async () => {
        const transport = transportFor(config, budget.attemptMs());
        try {
          return await transport.sendMail(mail);
        } finally {
          transport.close();
        }
      },
      { shouldRetry: (error) => isTransientSmtpError(error) && budget.canRetry(), sleep: budget.sleep },
    );
    return { ok: true };
  } catch (error) {
    const { code } = error as { code?: string };
    const cause = code === 'EAUTH' ? `authentication rejected for EMAIL_USER (${describeError(error)})` : describeError(error);
    // The server's words, escaped: a reply line with ESC or BEL must not reach the terminal raw.
    return { ok: false, reason: `SMTP ${config.host}:${config.port}: ${forMessageText(redactedReason(cause, secrets), 300)}` };
  }
}
