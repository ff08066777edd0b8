// Alert configuration from the environment and the parsed --alert-* options, validated before
// any query runs (docs/alerting.md: `--alert` without a channel is exit 2). Messages never echo a secret.

import { envValue, timeoutMs as timeoutFromEnv } from '../base/env.js';
import { UsageError } from '../base/errors.js';
import { forMessage } from '../text/safe-text.js';
import { secretsOf } from './redact.js';
import type { AlertSilence } from './silence.js';

export interface SlackConfig {
  webhookUrl: string;
}

export interface EmailConfig {
  host: string;
  port: number;
  user: string | null;
  pass: string | null;
  from: string;
  to: string[];
}

export interface AlertConfig {
  slack: SlackConfig | null;
  email: EmailConfig | null;
  stateDir: string;
  timeoutMs: number;
  repeatMs: number;
  /** --alert-for: a condition is sent once it has held this long (0: at once). */
  forMs: number;
  /** --alert-keep-firing: a firing condition resolves once it has stopped holding this long. */
  keepFiringMs: number;
  /** --alert-silence: keys (or `prefix*`) muted for a duration from the report's window end. */
  silences: AlertSilence[];
  /** Strings that must never appear in output: webhook URL (and its path), EMAIL_PASS. */
  secrets: string[];
}

export const DEFAULT_STATE_DIR = '.perfmon';
const DEFAULT_SMTP_PORT = 587;

/** Empty strings count as unset: `.env` files often carry `EMAIL_HOST=`. */
const read = (env: NodeJS.ProcessEnv, name: string): string | null => envValue(env, name) ?? null;

function slackFromEnv(env: NodeJS.ProcessEnv): SlackConfig | null {
  const url = read(env, 'SLACK_WEBHOOK_URL');
  if (!url) return null;
  let protocol: string | null = null;
  try {
    protocol = new URL(url).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    // The URL is the credential: say what is wrong, not what it is.
    throw new UsageError('SLACK_WEBHOOK_URL is not an http(s) URL (value hidden); expected https://hooks.slack.com/services/...');
  }
  return { webhookUrl: url };
}

function emailFromEnv(env: NodeJS.ProcessEnv): EmailConfig | null {
  const names = ['EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_USER', 'EMAIL_PASS', 'EMAIL_FROM', 'EMAIL_TO'];
  if (!names.some((name) => read(env, name))) return null;
  // Any EMAIL_* set means the user wants e-mail: a half configuration is an error, not silence.
  const missing = ['EMAIL_HOST', 'EMAIL_FROM', 'EMAIL_TO'].filter((name) => !read(env, name));
  if (missing.length > 0) {
    throw new UsageError(`e-mail alerts need EMAIL_HOST, EMAIL_FROM and EMAIL_TO; missing: ${missing.join(', ')}`);
  }
  const portText = read(env, 'EMAIL_PORT');
  const port = portText === null ? DEFAULT_SMTP_PORT : Number(portText);
  if (!/^\d+$/.test(portText ?? '587') || port < 1 || port > 65_535) {
    throw new UsageError(`EMAIL_PORT: ${forMessage(portText ?? '')} is not a port; use an integer 1..65535 (465 = TLS, 587 = STARTTLS)`);
  }
  const user = read(env, 'EMAIL_USER');
  const pass = read(env, 'EMAIL_PASS');
  if ((user === null) !== (pass === null)) {
    throw new UsageError(
      user
        ? 'EMAIL_USER is set but EMAIL_PASS is not; set both for SMTP auth, or neither'
        : 'EMAIL_PASS is set but EMAIL_USER is not; set both for SMTP auth, or neither',
    );
  }
  const from = read(env, 'EMAIL_FROM') ?? '';
  const to = (read(env, 'EMAIL_TO') ?? '')
    .split(',')
    .map((address) => address.trim())
    .filter(Boolean);
  for (const [name, address] of [['EMAIL_FROM', from], ...to.map((a) => ['EMAIL_TO', a])] as const) {
    if (!/^[^@\s]+@[^@\s]+$/.test(address.replace(/^.*<(.+)>$/, '$1'))) {
      throw new UsageError(`${name}: ${forMessage(address)} is not an e-mail address; use name@example.com (EMAIL_TO: comma-separated)`);
    }
  }
  if (to.length === 0) throw new UsageError('EMAIL_TO has no address; use a comma-separated list like ops@example.com,oncall@example.com');
  return { host: read(env, 'EMAIL_HOST') ?? '', port, user, pass, from, to };
}

export interface AlertTiming {
  repeatMs: number;
  forMs: number;
  keepFiringMs: number;
  silences: AlertSilence[];
}

/** `timing`: the --alert-* options as resolved (their defaults live in the option table). */
export function alertConfigFromEnv(env: NodeJS.ProcessEnv, timing: AlertTiming): AlertConfig {
  const timeoutMs = timeoutFromEnv(env);
  const slack = slackFromEnv(env);
  const email = emailFromEnv(env);
  if (!slack && !email) {
    throw new UsageError('--alert needs SLACK_WEBHOOK_URL or EMAIL_HOST + EMAIL_FROM + EMAIL_TO (see .env.example)');
  }
  return {
    slack,
    email,
    stateDir: read(env, 'PERFMON_STATE_DIR') ?? DEFAULT_STATE_DIR,
    timeoutMs,
    ...timing,
    secrets: secretsOf([slack?.webhookUrl, email?.pass]),
  };
}
