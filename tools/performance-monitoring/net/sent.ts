// Whether a request's body reached the wire, from the diagnostics channel Node's fetch (undici)
// publishes when it has written a request body. A failure after that point (no answer in time,
// the connection cut) leaves the request's effect unknown: the server may have acted on it. A
// failure before it (connection refused, DNS, a connect timeout) proves it never arrived.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

const BODY_SENT = 'undici:request:bodySent';

export interface SentWatch {
  /** Whether a request to the origin was fully written since the last reset. */
  sent(): boolean;
  /** Forget earlier requests: call before each attempt. */
  reset(): void;
  stop(): void;
}

/**
 * Watches requests to `url`'s origin (a same-origin redirect has another path). Requests of the
 * same process to the same origin at the same time count too: the watch errs on "sent".
 */
export function watchSent(url: string): SentWatch {
  const origin = new URL(url).origin;
  let sent = false;
  const onBodySent = (message: unknown) => {
    const request = (message as { request?: { origin?: unknown } } | null)?.request;
    if (request?.origin === origin) sent = true;
  };
  subscribe(BODY_SENT, onBodySent);
  return {
    sent: () => sent,
    reset: () => {
      sent = false;
    },
    stop: () => void unsubscribe(BODY_SENT, onBodySent),
  };
}
