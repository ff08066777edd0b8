// The time budget of one delivery (docs/sources.md + issue 14 item 12): each attempt gets the per-call
// timeout or what is left, backoff never sleeps past the end, so a peer that accepts and never
// answers costs at most attempts × timeout in all.
import { DEFAULT_ATTEMPTS } from '../net/retry.js';

/** A budget for the whole delivery: `timeoutMs` per attempt, never more than attempts × timeout in all. */
export function deliveryBudget(timeoutMs: number, attempts = DEFAULT_ATTEMPTS) {
  const deadline = Date.now() + timeoutMs * attempts;
  const remaining = () => Math.max(0, deadline - Date.now());
  return {
    /** This attempt's timeout: the per-call timeout, or what is left of the budget. */
    attemptMs: () => Math.max(1, Math.min(timeoutMs, remaining())),
    /** Another attempt only when a meaningful part of a timeout is left. */
    canRetry: () => remaining() >= Math.min(timeoutMs / 10, 1_000),
    /** Backoff that never sleeps past the budget. */
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, remaining()))),
  };
}
