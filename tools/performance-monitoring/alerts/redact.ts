// Delivery errors end up in the JSON report and on stderr: they must never carry the webhook
// URL (its path is the credential) or the SMTP password (SPEC §11).
import { describeError } from '../errors.js';

/** The secret strings to strip: the whole URL and its path (some errors print only the path). */
export function secretsOf(values: (string | null | undefined)[]): string[] {
  const secrets = new Set<string>();
  for (const value of values) {
    if (!value) continue;
    secrets.add(value);
    try {
      const url = new URL(value);
      if (url.pathname.length > 1) secrets.add(url.pathname);
      if (url.search.length > 1) secrets.add(url.search);
    } catch {
      // Not a URL (a password): the value itself is enough.
    }
  }
  // Longest first, so a URL is removed whole before its path is looked for.
  return [...secrets].sort((a, b) => b.length - a.length);
}

/** One line describing `error`, with every secret and any URL replaced by `[redacted]`. */
export function redactedReason(error: unknown, secrets: string[]): string {
  let text = describeError(error);
  for (const secret of secrets) text = text.split(secret).join('[redacted]');
  return text.replace(/\bhttps?:\/\/\S+/gi, '[redacted]');
}
