// Settings from the environment and `.env` (docs/sources.md): loaded quietly, the real environment wins.

import { config as loadDotenv } from 'dotenv';
import { forMessage } from '../text/safe-text.js';
import { UsageError } from './errors.js';

export const DEFAULT_TIMEOUT_MS = 30_000;
/** `--input -` copies stdin to TMPDIR (DuckDB's readers seek, a pipe cannot): at most this much. */
export const DEFAULT_STDIN_MAX_BYTES = 1024 ** 3;

/** Reads `.env` in the working directory into process.env without overriding what is set. */
export function loadEnvFile(): void {
  // quiet: dotenv would otherwise print a banner on stdout, which belongs to the report.
  loadDotenv({ quiet: true, override: false });
}

/** A set, non-blank variable, or undefined. */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function timeoutMs(env: NodeJS.ProcessEnv): number {
  const raw = envValue(env, 'PERFMON_TIMEOUT_MS');
  if (raw === undefined) return DEFAULT_TIMEOUT_MS;
  const ms = Number(raw);
  if (!/^\d+$/.test(raw) || ms < 1 || ms > 600_000) {
    throw new UsageError(`PERFMON_TIMEOUT_MS ${forMessage(raw)} is not valid: use a whole number of milliseconds from 1 to 600000`);
  }
  return ms;
}

/** PERFMON_STDIN_MAX_BYTES: the most `--input -` copies from stdin to TMPDIR (issue 27 item 5). */
export function stdinMaxBytes(env: NodeJS.ProcessEnv): number {
  const raw = envValue(env, 'PERFMON_STDIN_MAX_BYTES');
  if (raw === undefined) return DEFAULT_STDIN_MAX_BYTES;
  const bytes = Number(raw);
  if (!/^\d+$/.test(raw) || bytes < 1 || !Number.isSafeInteger(bytes)) {
    throw new UsageError(
      `PERFMON_STDIN_MAX_BYTES ${forMessage(raw)} is not valid: use a whole number of bytes, 1 or more (default ${DEFAULT_STDIN_MAX_BYTES}, 1 GiB)`,
    );
  }
  return bytes;
}
