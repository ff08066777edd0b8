// Retries with exponential backoff and full jitter (docs/sources.md: 3 attempts in all).

export interface RetryOptions {
  attempts?: number;
  /** First backoff step, ms; doubles on each retry. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Whether the failure is worth another attempt (network error, 429, 5xx). */
  shouldRetry: (error: unknown) => boolean;
  /** Server-requested wait (Retry-After), ms, when it gave one. */
  retryAfterMs?: (error: unknown) => number | null;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_ATTEMPTS = 3;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function backoffDelay(retry: number, baseDelayMs: number, maxDelayMs: number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** retry);
  return Math.round(Math.random() * ceiling);
}

export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 5_000;
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= attempts || !options.shouldRetry(error)) throw error;
      const requested = options.retryAfterMs?.(error) ?? null;
      // Honour Retry-After, but never wait longer than the cap: cron runs every few minutes.
      await sleep(requested !== null ? Math.min(requested, max) : backoffDelay(attempt - 1, base, max));
    }
  }
}

/** Retry-After header value (seconds or HTTP date) to ms; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** The retry rule for HTTP statuses: 429 and 5xx are transient, other 4xx are not. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
