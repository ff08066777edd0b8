// The alert state's lock: a directory made with mkdir (atomic on every local file system) that
// holds owner.json {pid, host}. A waiter takes a lock over at once when its holder's pid is gone
// (kill -9 of a cron run), or once the holder stopped refreshing it for `staleMs` (another host,
// a reused pid, a holder killed before it wrote owner.json). Permission trouble fails at once:
// waiting cannot fix EACCES.
import { mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface LockOptions {
  /** How long to wait for a live holder before giving up. */
  waitMs: number;
  /** A lock not refreshed for this long is abandoned, whoever holds it. */
  staleMs: number;
  stepMs?: number;
}

export interface Owner {
  pid: number;
  host: string;
}

/** The lock could not be taken for a reason waiting cannot fix (permissions, read-only, not a dir). */
export class LockUnusableError extends Error {
  constructor(readonly errno: NodeJS.ErrnoException) {
    super(errno.message);
    this.name = 'LockUnusableError';
  }
}

const OWNER = 'owner.json';
const HARD_ERRORS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOSPC', 'EDQUOT', 'ELOOP', 'ENAMETOOLONG']);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code;

async function readOwner(dir: string): Promise<Owner | null> {
  try {
    const owner = JSON.parse(await readFile(join(dir, OWNER), 'utf8')) as Partial<Owner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? { pid: owner.pid, host: owner.host } : null;
  } catch {
    return null;
  }
}

/** Another run held the lock for the whole wait: alive and busy, not broken. */
export class LockBusyError extends Error {
  constructor(dir: string, waitMs: number) {
    super(`another run held ${dir} for more than ${Math.round(waitMs / 1000)}s`);
    this.name = 'LockBusyError';
  }
}

/** True when `pid` surely does not run on this host (ESRCH); EPERM means it runs as another user. */
export function isDead(owner: Owner): boolean {
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return codeOf(error) === 'ESRCH';
  }
}

async function isAbandoned(dir: string, staleMs: number): Promise<{ abandoned: boolean; owner: Owner | null }> {
  const owner = await readOwner(dir);
  if (owner && isDead(owner)) return { abandoned: true, owner };
  try {
    const { mtimeMs } = await stat(dir);
    return { abandoned: Date.now() - mtimeMs > staleMs, owner };
  } catch {
    return { abandoned: false, owner }; // gone already: the next mkdir will tell
  }
}

/**
 * Moves an abandoned lock aside (rename is atomic: one waiter wins), then checks that what it
 * moved is still the lock it judged abandoned; if a live run had taken it in between, it is put back.
 */
async function takeOver(dir: string, judged: Owner | null): Promise<void> {
  const aside = `${dir}.${process.pid}.${Math.random().toString(36).slice(2)}.dead`;
  try {
    await rename(dir, aside);
  } catch {
    return; // someone else moved it first
  }
  const moved = await readOwner(aside);
  if (moved && (moved.pid !== judged?.pid || moved.host !== judged.host) && !isDead(moved)) {
    await rename(aside, dir).catch(() => undefined);
    return;
  }
  await rm(aside, { recursive: true, force: true });
}

export interface Lock {
  release(): Promise<void>;
}

export async function acquireLock(dir: string, options: LockOptions): Promise<Lock> {
  const step = options.stepMs ?? 100;
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    try {
      await mkdir(dir);
      break;
    } catch (error) {
      const code = codeOf(error);
      if (code !== 'EEXIST') {
        if (HARD_ERRORS.has(code ?? '')) throw new LockUnusableError(error as NodeJS.ErrnoException);
        throw error;
      }
    }
    const { abandoned, owner } = await isAbandoned(dir, options.staleMs);
    if (abandoned) {
      await takeOver(dir, owner);
      continue;
    }
    if (Date.now() >= deadline) throw new LockBusyError(dir, options.waitMs);
    await sleep(step);
  }
  try {
    await writeFile(join(dir, OWNER), JSON.stringify({ pid: process.pid, host: hostname() } satisfies Owner));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw HARD_ERRORS.has(codeOf(error) ?? '') ? new LockUnusableError(error as NodeJS.ErrnoException) : error;
  }
  // Refreshing the mtime tells waiters on other hosts (where a pid means nothing) that we live.
  const refresh = setInterval(
    () => {
      const now = new Date();
      utimes(dir, now, now).catch(() => undefined);
    },
    Math.max(1_000, options.staleMs / 4),
  );
  refresh.unref();
  return {
    async release() {
      clearInterval(refresh);
      const owner = await readOwner(dir);
      // Only remove what is still ours: a lock taken over from us belongs to someone else now.
      if (owner?.pid === process.pid && owner.host === hostname()) await rm(dir, { recursive: true, force: true });
    },
  };
}
