// The one redactor (docs/sources.md): secrets never reach any output. Each secret is looked for in the
// encodings a server or library may echo it in (JSON-escaped, percent-encoded, base64) and by its
// distinctive parts (a webhook's path segments, a JWT's signature, an SMTP AUTH PLAIN blob).
import { describeError } from './errors.js';

export const REDACTED = '[redacted]';
/** Shorter strings are too likely to be ordinary text to be replaced everywhere. */
const MIN_SECRET = 4;

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
/** base64 without its `=` padding: how it appears inside longer encoded text. */
const unpadded = (text: string) => text.replace(/=+$/, '');

/** The forms one secret value can take in an echo. */
function encodings(secret: string): string[] {
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    secret.replaceAll('/', '\\/'),
    encodeURIComponent(secret),
    encodeURI(secret),
    unpadded(base64(secret)),
    unpadded(base64url(secret)),
  ];
}

/** Parts of a URL that identify it on their own: the path (a webhook's credential), each path
 *  segment after the first (Slack: T…/B…/token), the query, and any password in it. */
function urlParts(value: string): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [];
  }
  const segments = url.pathname.split('/').filter(Boolean).slice(1);
  const password = url.password ? [url.password, decoded(url.password)] : [];
  return [url.pathname.length > 1 ? url.pathname : '', url.search.length > 1 ? url.search : '', ...segments, ...password];
}

/** A percent-encoded part as text; as written when it is not valid percent-encoding. */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** DATABASE_URL's secrets: the URL as written and its password, in the URL or as a `password`
 *  (or `sslpassword`) parameter. Not its path: the database's name (`perf`, `postgres`) is an
 *  ordinary word, and stripping it everywhere mangled messages (`tools[redacted]ormance-monitoring`).
 *  Not the user name either: no credential without the password, and PostgreSQL's own errors
 *  name it. (`redact` still hides any `user:password@` in a URL it meets.) */
function databaseUrlParts(raw: string | undefined): string[] {
  const value = raw?.trim();
  if (!value) return [];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [value];
  }
  const params = [...url.searchParams].filter(([name]) => /password/i.test(name)).map(([, v]) => v);
  const passwords = [url.password, decoded(url.password), ...params].filter(Boolean);
  return [value, ...passwords];
}

/** A JWT's signature and payload each identify the key. */
function jwtParts(value: string): string[] {
  const parts = value.split('.');
  return parts.length === 3 ? [parts[1] ?? '', parts[2] ?? ''] : [];
}

/** A secret value and the parts of it that identify it on their own. */
function partsOf(raw: string | null | undefined): string[] {
  const value = raw?.trim();
  return value ? [value, ...urlParts(value), ...jwtParts(value)] : [];
}

/** Every form of these parts to strip, longest first (a whole URL before its parts). */
function strippable(parts: string[]): string[] {
  const found = new Set<string>();
  for (const part of parts) {
    for (const form of encodings(part)) if (form.length >= MIN_SECRET) found.add(form);
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** Every string to strip for these secret values (keys, passwords, webhook URLs). */
export function secretsOf(values: (string | null | undefined)[]): string[] {
  return strippable(values.flatMap(partsOf));
}

/** SMTP AUTH PLAIN sends base64("\0user\0pass"); a server's 535 reply may echo it. */
export function smtpAuthBlobs(user: string | null | undefined, pass: string | null | undefined): string[] {
  if (!user || !pass) return [];
  return [base64(`\u0000${user}\u0000${pass}`), base64(`${user}\u0000${pass}`)];
}

/** The secrets of the environment: keys, passwords, the webhook URL, DATABASE_URL and its password. */
export function secretsFrom(env: NodeJS.ProcessEnv): string[] {
  const named = ['SUPABASE_SERVICE_ROLE_KEY', 'EMAIL_PASS', 'SLACK_WEBHOOK_URL', 'PERFMON_SERVE_TOKEN'].map((name) => env[name]);
  const blobs = smtpAuthBlobs(env.EMAIL_USER?.trim(), env.EMAIL_PASS?.trim());
  return strippable([...[...named, ...blobs].flatMap(partsOf), ...databaseUrlParts(env.DATABASE_URL)]);
}

/** Replaces every secret form, and any credentials inside URLs, with [redacted]. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, `$1${REDACTED}@`);
}

/** One line describing `error` for a delivery failure: redacted, and no URL at all (a webhook
 *  URL is its own credential, in whatever form a library prints it). */
export function redactedReason(error: unknown, secrets: string[]): string {
  return redact(describeError(error), secrets).replace(/\bhttps?:\/\/\S+/gi, REDACTED);
}
