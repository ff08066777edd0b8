// Where the no-storm memory lives: one JSON file in PERFMON_STATE_DIR, by scope (source
// identity + --service), then channel, then condition key. Written atomically (temp file +
// rename) under a lock, so two cron runs in the same minute never both send.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { describeError } from '../errors.js';
import type { ChannelState, StateEntry } from './plan.js';

export type Channel = 'slack' | 'email';

export interface AlertState {
  version: 1;
  scopes: Record<string, Partial<Record<Channel, ChannelState>>>;
}

export const STATE_FILE = 'alert-state.json';

export function emptyState(): AlertState {
  return { version: 1, scopes: {} };
}

function isEntry(value: unknown): value is StateEntry {
  const entry = value as Partial<StateEntry> | null;
  return (
    typeof entry === 'object' && entry !== null &&
    (entry.severity === 'critical' || entry.severity === 'warning') &&
    typeof entry.message === 'string' && typeof entry.firing === 'boolean' &&
    typeof entry.firstSentAt === 'string' && typeof entry.lastSentAt === 'string'
  );
}

/** Throws on anything that is not a state file we wrote; the caller decides what that means. */
function parseState(text: string): AlertState {
  const data = JSON.parse(text) as { version?: unknown; scopes?: unknown };
  if (data?.version !== 1 || typeof data.scopes !== 'object' || data.scopes === null) throw new Error('not a version 1 alert state');
  for (const channels of Object.values(data.scopes as Record<string, unknown>)) {
    for (const entries of Object.values((channels ?? {}) as Record<string, unknown>)) {
      if (typeof entries !== 'object' || entries === null || !Object.values(entries).every(isEntry)) {
        throw new Error('malformed entry');
      }
    }
  }
  return data as AlertState;
}

/**
 * A missing file is a first run. A corrupt or unreadable one is reported and treated as empty:
 * at worst a condition is sent once more, which beats an alerter that crashes.
 */
export async function readState(file: string, warn: (line: string) => void): Promise<AlertState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    warn(`perf-monitor: cannot read alert state ${file} (${describeError(error)}); starting with empty state`);
    return emptyState();
  }
  try {
    return parseState(text);
  } catch (error) {
    warn(`perf-monitor: alert state ${file} is corrupt (${describeError(error)}); starting with empty state`);
    return emptyState();
  }
}

/** Temp file in the same directory, then rename: readers see the old or the new file, never half. */
export async function writeState(file: string, state: AlertState): Promise<void> {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Runs `task` holding the state file's lock. A waiting run blocks until the holder is done (its
 * sends included), then sees what was sent. `waitMs` should outlast a full send with retries;
 * a lock left by a killed run is taken over once it is `staleMs` old (the holder refreshes it).
 */
export async function withStateLock<T>(
  stateDir: string,
  waitMs: number,
  warn: (line: string) => void,
  task: (file: string) => Promise<T>,
): Promise<T> {
  await mkdir(stateDir, { recursive: true });
  const file = join(stateDir, STATE_FILE);
  const stepMs = 100;
  const release = await lockfile.lock(file, {
    realpath: false, // the state file may not exist yet
    stale: 20_000,
    retries: { retries: Math.ceil(waitMs / stepMs), factor: 1, minTimeout: stepMs, maxTimeout: stepMs },
    // The default throws from a timer and kills the process; a lost lock only risks a duplicate.
    onCompromised: (error) => warn(`perf-monitor: alert state lock lost (${describeError(error)})`),
  });
  try {
    return await task(file);
  } finally {
    await release().catch(() => undefined);
  }
}
