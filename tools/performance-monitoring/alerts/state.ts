// Where the alert memory lives: one JSON file in PERFMON_STATE_DIR, by scope (docs/alerting.md: the source +
// --service, or --alert-scope; unevaluated for 7 days, dropped): per channel and condition key its pending/firing/resolving entry, and the scope's
// silences. Read and written atomically (temp file + rename) under a lock (lock.ts) held only for
// the file work, never across a delivery: a run marks what it sends under the lock, releases it,
// delivers, and takes it again to record the outcome (index.ts), so two cron runs in the same
// minute never both send and a hanging peer never makes other runs wait. Version 1 files (before
// --alert-for) still load.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceAtomically } from '../base/atomic-write.js';
import { describeError } from '../base/errors.js';
import { acquireLock, type Lock, LockBusyError, LockUnusableError } from './lock.js';
import type { ChannelState, Sender, StateEntry } from './plan.js';

export type Channel = 'slack' | 'email';

export interface ScopeState {
  channels: Partial<Record<Channel, ChannelState>>;
  /** --alert-silence: key or `prefix*` → ISO time it ends. */
  silences: Record<string, string>;
  /** When a run last evaluated this scope; absent in files of earlier versions (docs/alerting.md). */
  evaluatedAt?: string;
}

export interface AlertState {
  version: 2;
  scopes: Record<string, ScopeState>;
}

export const STATE_FILE = 'alert-state.json';
const LOCK_DIR = `${STATE_FILE}.lock`;

export function emptyState(): AlertState {
  return { version: 2, scopes: {} };
}

export function emptyScope(): ScopeState {
  return { channels: {}, silences: {} };
}

/** The scope's entry in `state`, added empty when the scope has none yet. */
export function scopeIn(state: AlertState, scope: string): ScopeState {
  const scoped = state.scopes[scope] ?? emptyScope();
  state.scopes[scope] = scoped;
  return scoped;
}

/** The state could not be used at all (unwritable, not a directory, full disk): no dedupe. */
export class StateUnusableError extends Error {
  constructor(
    readonly dir: string,
    readonly reason: string,
  ) {
    super(`alert state in ${dir} unusable (${reason})`);
    this.name = 'StateUnusableError';
  }
}

/**
 * Another run held the lock for the whole wait. Not trouble with the state: that run is reading
 * or writing it (or marking what it sends), so this run must not send without dedupe.
 */
export class StateBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly reason: string,
  ) {
    super(`alert state in ${dir} busy (${reason})`);
    this.name = 'StateBusyError';
  }
}

const isIso = (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value));
const isIsoOrNull = (value: unknown) => value === null || isIso(value);

function isSender(value: unknown): value is Sender {
  const sender = value as Partial<Sender> | null;
  return (
    typeof sender === 'object' &&
    sender !== null &&
    typeof sender.run === 'string' &&
    typeof sender.pid === 'number' &&
    typeof sender.host === 'string' &&
    isIso(sender.until)
  );
}

function isEntry(value: unknown): value is StateEntry {
  const entry = value as Partial<StateEntry> | null;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    ['pending', 'firing', 'resolving', 'resolved'].includes(entry.status ?? '') &&
    (entry.severity === 'critical' || entry.severity === 'warning') &&
    typeof entry.message === 'string' &&
    isIso(entry.since) &&
    isIso(entry.lastHeldAt) &&
    isIsoOrNull(entry.firstSentAt) &&
    isIsoOrNull(entry.lastSentAt) &&
    isIsoOrNull(entry.sending) &&
    (entry.sender === undefined || isSender(entry.sender))
  );
}

interface V1Entry {
  severity: 'critical' | 'warning';
  message: string;
  firing: boolean;
  firstSentAt: string;
  lastSentAt: string;
}

/**
 * A version 1 entry was sent (it only existed once delivered). `firing: false` meant its resolved
 * notice was owed: it last held at its last send at the latest, so keep-firing counts from there.
 */
function fromV1(entry: V1Entry): StateEntry {
  return {
    status: 'firing',
    severity: entry.severity,
    message: entry.message,
    since: entry.firstSentAt,
    lastHeldAt: entry.lastSentAt,
    firstSentAt: entry.firstSentAt,
    lastSentAt: entry.lastSentAt,
    sending: null,
  };
}

function isV1Entry(value: unknown): value is V1Entry {
  const entry = value as Partial<V1Entry> | null;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    (entry.severity === 'critical' || entry.severity === 'warning') &&
    typeof entry.message === 'string' &&
    typeof entry.firing === 'boolean' &&
    isIso(entry.firstSentAt) &&
    isIso(entry.lastSentAt)
  );
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function parseChannels(channels: unknown, entry: (value: unknown) => StateEntry): Partial<Record<Channel, ChannelState>> {
  if (!isRecord(channels)) throw new Error('malformed scope');
  const out: Partial<Record<Channel, ChannelState>> = {};
  for (const [channel, entries] of Object.entries(channels)) {
    if (channel !== 'slack' && channel !== 'email') throw new Error(`unknown channel ${channel}`);
    if (!isRecord(entries)) throw new Error('malformed channel');
    out[channel] = Object.fromEntries(Object.entries(entries).map(([key, value]) => [key, entry(value)]));
  }
  return out;
}

/** Throws on anything that is not a state file we wrote; the caller decides what that means. */
export function parseState(text: string): AlertState {
  const data = JSON.parse(text) as { version?: unknown; scopes?: unknown };
  if (!isRecord(data) || !isRecord(data.scopes)) throw new Error('not an alert state');
  const scopes: Record<string, ScopeState> = {};
  if (data.version === 1) {
    for (const [scope, channels] of Object.entries(data.scopes)) {
      scopes[scope] = {
        channels: parseChannels(channels, (value) => {
          if (!isV1Entry(value)) throw new Error('malformed entry');
          return fromV1(value);
        }),
        silences: {},
      };
    }
    return { version: 2, scopes };
  }
  if (data.version !== 2) throw new Error(`unknown version ${JSON.stringify(data.version)}`);
  for (const [scope, value] of Object.entries(data.scopes)) {
    if (!isRecord(value) || !isRecord(value.silences) || !Object.values(value.silences).every(isIso)) throw new Error('malformed scope');
    scopes[scope] = {
      channels: parseChannels(value.channels, (entry) => {
        if (!isEntry(entry)) throw new Error('malformed entry');
        return entry;
      }),
      silences: value.silences as Record<string, string>,
      ...(isIso(value.evaluatedAt) ? { evaluatedAt: value.evaluatedAt as string } : {}),
    };
  }
  return { version: 2, scopes };
}

/** A scope no run has evaluated for this long is dropped from the state (docs/alerting.md). */
export const SCOPE_RETENTION_MS = 7 * 24 * 3_600_000;

/** A scope dropped by pruneScopes: its name, when it was last evaluated, and its firing alerts. */
export interface DroppedScope {
  scope: string;
  evaluatedAt: string;
  firing: string[];
}

/**
 * Marks `current` evaluated now and drops every other scope not evaluated within SCOPE_RETENTION_MS
 * (its log renamed, its --service retired): nothing would ever resolve its firing alerts. A scope
 * from a file without evaluation times starts its clock now.
 */
export function pruneScopes(state: AlertState, current: string, nowMs: number): DroppedScope[] {
  const nowIso = new Date(nowMs).toISOString();
  const dropped: DroppedScope[] = [];
  for (const [name, scoped] of Object.entries(state.scopes)) {
    if (name === current || scoped.evaluatedAt === undefined) {
      scoped.evaluatedAt = name === current ? nowIso : (scoped.evaluatedAt ?? nowIso);
      continue;
    }
    if (nowMs - Date.parse(scoped.evaluatedAt) < SCOPE_RETENTION_MS) continue;
    const firing = Object.values(scoped.channels).flatMap((entries) =>
      Object.entries(entries ?? {}).flatMap(([key, entry]) => (entry.status === 'firing' || entry.status === 'resolving' ? [key] : [])),
    );
    dropped.push({ scope: name, evaluatedAt: scoped.evaluatedAt, firing: [...new Set(firing)].sort() });
    delete state.scopes[name];
  }
  return dropped;
}

/**
 * A missing file is a first run. A corrupt file is reported and treated as empty: at worst a
 * condition is sent once more, which beats an alerter that crashes. A file that cannot be read
 * at all (a directory, no permission) makes the state unusable.
 */
export async function readState(dir: string, file: string, warn: (line: string) => void): Promise<AlertState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw new StateUnusableError(dir, `cannot read ${file}: ${describeError(error)}`);
  }
  try {
    return parseState(text);
  } catch (error) {
    warn(`alert state ${file} is corrupt (${describeError(error)}); starting with empty state`);
    return emptyState();
  }
}

/** The one atomic write (base/atomic-write.ts), owner-only: readers see the old or the new file. */
export async function writeState(file: string, state: AlertState): Promise<void> {
  await replaceAtomically(file, `${JSON.stringify(state, null, 2)}\n`, 0o600);
}

/** A lock older than this without a live holder is taken over (the holder refreshes it). */
export const STALE_LOCK_MS = 20_000;

/**
 * Runs `task` holding the state file's lock; `task` should only read and write the file (the lock
 * is never held across network I/O). A holder still busy after `waitMs` throws StateBusyError;
 * permission trouble (EACCES, EPERM, EROFS, ENOTDIR) throws StateUnusableError at once.
 */
export async function withStateLock<T>(stateDir: string, waitMs: number, task: (file: string) => Promise<T>): Promise<T> {
  let lock: Lock;
  try {
    await mkdir(stateDir, { recursive: true });
    lock = await acquireLock(join(stateDir, LOCK_DIR), { waitMs, staleMs: STALE_LOCK_MS });
  } catch (error) {
    if (error instanceof LockBusyError) throw new StateBusyError(stateDir, error.message);
    const cause = error instanceof LockUnusableError ? error.errno : error;
    throw new StateUnusableError(stateDir, describeError(cause));
  }
  try {
    return await task(join(stateDir, STATE_FILE));
  } finally {
    await lock.release().catch(() => undefined);
  }
}
