// A fetch for HTTP clients (supabase-js): per-attempt timeout, retries on network errors, 429
// and 5xx with backoff and jitter (honouring Retry-After), none on other 4xx (docs/sources.md) nor on a
// database statement timeout (it would time out again).
// Requests go through safeFetch's rules: no redirect to another origin, bodies read bounded.
import { BodyTooLarge, readBody, withBody } from './body.js';
import { isRetryableStatus, parseRetryAfter, withRetry } from './retry.js';
import { followSafely, RequestRefused } from './safe-fetch.js';

export interface FetchFailure {
  /** refused: a request the tool would not make or finish (a redirect elsewhere, a huge answer). */
  kind: 'timeout' | 'network' | 'refused';
  detail: string;
  /** Attempts made, this one included. */
  attempts: number;
  /** A refused redirect: the configured URL is not the one that answers. */
  redirect?: boolean;
}

export interface RetryingFetch {
  fetch: typeof fetch;
  /** The cause of the last request that failed without an HTTP answer, for a clear error line. */
  lastFailure: () => FetchFailure | null;
  /** Bytes of response bodies received (benchmarks report bytes on the wire). */
  bytesReceived: () => number;
}

class RetryableResponse extends Error {
  constructor(readonly response: Response) {
    super(`HTTP ${response.status}`);
  }
}

/** PostgREST's answer to a statement timeout: HTTP 500 with SQLSTATE 57014, in its
 *  `Proxy-Status: PostgREST; error=57014` header or its JSON body's code. Retrying it would only
 *  wait out the same timeout again (three times 25 s for the RPC). */
function isStatementTimeout(response: Response, body: Uint8Array): boolean {
  if (response.status !== 500) return false;
  if (/\berror=57014\b/.test(response.headers.get('proxy-status') ?? '')) return true;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(body));
    return typeof parsed === 'object' && parsed !== null && (parsed as { code?: unknown }).code === '57014';
  } catch {
    return false;
  }
}

const isRefusal = (error: unknown) => error instanceof RequestRefused || error instanceof BodyTooLarge;

function networkDetail(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** Why an attempt got no HTTP answer: refused by the tool's own rules, timed out (`timedOut` says
 *  what stalled), or a network error. */
function failureOf(error: unknown, timedOut: string | null, attempts: number): FetchFailure {
  if (isRefusal(error)) {
    return { kind: 'refused', detail: (error as Error).message, attempts, redirect: error instanceof RequestRefused && error.redirect };
  }
  if (timedOut !== null) return { kind: 'timeout', detail: timedOut, attempts };
  return { kind: 'network', detail: networkDetail(error), attempts };
}

function requestUrl(input: string | URL | Request): string | URL {
  // supabase-js passes a URL string; a Request's headers and body would be lost on a redirect.
  if (input instanceof Request) throw new TypeError('retryingFetch takes a URL and RequestInit, not a Request');
  return input;
}

export function retryingFetch(timeoutMs: number, options: { baseDelayMs?: number } = {}): RetryingFetch {
  let lastFailure: FetchFailure | null = null;
  let bytes = 0;

  const once = async (input: string | URL, init: RequestInit | undefined, attempt: number): Promise<Response> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    // The caller's own signal (an abandoned request) still cancels it.
    const cancelled = init?.signal ?? null;
    const signal = cancelled ? AbortSignal.any([cancelled, timeout]) : timeout;
    const failed = (error: unknown, stalled: string): never => {
      // A request the caller abandoned says nothing about the server: keep the real cause.
      if (!cancelled?.aborted) {
        lastFailure = failureOf(error, timeout.aborted ? `${stalled} within ${timeoutMs} ms` : null, attempt);
      }
      throw error;
    };
    const response = await followSafely(input, { ...init, signal }).catch((error: unknown) => failed(error, 'no answer'));
    // Read the body inside the timeout, so a server that stalls mid-answer is also cut off.
    const body = await readBody(response).catch((error: unknown) => failed(error, 'answer not finished'));
    bytes += body.byteLength;
    const copy = withBody(response, body);
    if (isRetryableStatus(copy.status) && !isStatementTimeout(copy, body)) throw new RetryableResponse(copy);
    return copy;
  };

  const wrapped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = requestUrl(input);
    try {
      return await withRetry((attempt) => once(url, init, attempt), {
        baseDelayMs: options.baseDelayMs,
        shouldRetry: (error) => !init?.signal?.aborted && !isRefusal(error),
        retryAfterMs: (error) => (error instanceof RetryableResponse ? parseRetryAfter(error.response.headers.get('retry-after')) : null),
      });
    } catch (error) {
      // Out of attempts on 429/5xx: hand the last answer to the client, which reports it.
      if (error instanceof RetryableResponse) return error.response;
      throw error;
    }
  };

  return { fetch: wrapped as typeof fetch, lastFailure: () => lastFailure, bytesReceived: () => bytes };
}
