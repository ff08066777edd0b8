// Who is delivering an alert right now. A run marks what it sends with itself (pid, host, a run
// id and a deadline) and releases the state lock while it talks to Slack and SMTP; another run
// that meets the mark holds the alert back while its sender lives, and settles it as interrupted
// once the sender is dead or past its deadline (a kill -9, a host gone).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DEFAULT_ATTEMPTS } from '../net/retry.js';
import { isDead } from './lock.js';
import type { Sender, StateEntry } from './plan.js';

/**
 * A deadline past the delivery's own budget (attempts × timeout) by `recordMs`: the time the
 * sender may wait for the lock to record its outcome. Past it, the sender is taken as gone.
 */
export function newSender(timeoutMs: number, recordMs: number, nowMs = Date.now()): Sender {
  const until = new Date(nowMs + DEFAULT_ATTEMPTS * timeoutMs + recordMs).toISOString();
  return { run: randomUUID(), pid: process.pid, host: hostname(), until };
}

/** A marked entry whose sender may still be delivering it (files without senders: never). */
export function isInFlight(entry: StateEntry, nowMs = Date.now()): boolean {
  const { sender } = entry;
  if (entry.sending === null || !sender) return false;
  return nowMs < Date.parse(sender.until) && !isDead({ pid: sender.pid, host: sender.host });
}
