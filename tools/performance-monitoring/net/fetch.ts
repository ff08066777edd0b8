// A fetch for HTTP clients (supabase-js): per-attempt timeout, retries on network errors, 429
// and 5xx with backoff and jitter (honouring Retry-After), none on other 4xx (SPEC §11).
import { isRetryableStatus, parseRetryAfter, withRetry } from './retry.js';

export interface FetchFailure {
  kind: 'timeout' | 'network';
  detail: string;
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

function networkDetail(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

export function retryingFetch(timeoutMs: number, options: { baseDelayMs?: number } = {}): RetryingFetch {
  let lastFailure: FetchFailure | null = null;
  let bytes = 0;

  const once = async (input: string | URL | Request, init: RequestInit | undefined): Promise<Response> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    // The caller's own signal (an abandoned request) still cancels it.
    const cancelled = init?.signal ?? null;
    const signal = cancelled ? AbortSignal.any([cancelled, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(input, { ...init, signal });
    } catch (error) {
      // A request the caller abandoned says nothing about the server: keep the real cause.
      if (!cancelled?.aborted) {
        lastFailure = timeout.aborted ? { kind: 'timeout', detail: `no answer within ${timeoutMs} ms` } : { kind: 'network', detail: networkDetail(error) };
      }
      throw error;
    }
    // Read the body inside the timeout, so a server that stalls mid-answer is also cut off.
    const body = await response.arrayBuffer().catch((error: unknown) => {
      if (!cancelled?.aborted) {
        lastFailure = timeout.aborted ? { kind: 'timeout', detail: `answer not finished within ${timeoutMs} ms` } : { kind: 'network', detail: networkDetail(error) };
      }
      throw error;
    });
    bytes += body.byteLength;
    const copy = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    if (isRetryableStatus(response.status)) throw new RetryableResponse(copy);
    return copy;
  };

  const wrapped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    try {
      return await withRetry(() => once(input, init), {
        baseDelayMs: options.baseDelayMs,
        shouldRetry: () => !init?.signal?.aborted,
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
