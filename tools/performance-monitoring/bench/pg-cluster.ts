// The rollup bench's PostgreSQL cluster: like harness/postgres.ts (Debian's binaries,
// 127.0.0.1, scram-sha-256, as the `postgres` user when run as root), but kept in a directory
// that outlives the run, so a 60M-row table is loaded once and reused with --data-dir.
// stop() is a fast shutdown that keeps the data; a detached watchdog does the same if the bench
// dies without running its hooks, so no postmaster is left behind.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, findPgBinDir, freePort, unprivilegedAccount, type RunAs } from '../harness/postgres.js';

export interface KeptCluster {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/<db>`. */
  url(db?: string): string;
  /** Server log (for a failure's context). */
  readonly logFile: string;
  /** True when the data directory was created by this call (nothing to reuse). */
  readonly fresh: boolean;
  stop(): Promise<void>;
}

function pgTool(runAs: RunAs | null, tool: string, args: string[], cwd: string): void {
  try {
    execFileSync(join(findPgBinDir(), tool), args, {
      env: cleanEnv(),
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 10 * 60_000,
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
  } catch (error) {
    const e = error as { stderr?: Buffer; stdout?: Buffer };
    throw new Error(`${tool} failed: ${(e.stderr?.toString() || e.stdout?.toString() || String(error)).trim().slice(0, 2000)}`);
  }
}

/**
 * Starts the cluster kept in `baseDir` (creating it first when absent). `config` lines go into
 * postgresql.conf when the cluster is created; the server then listens on a free port.
 */
export async function startKeptCluster(baseDir: string, config: string[]): Promise<KeptCluster> {
  const runAs = unprivilegedAccount();
  const dataDir = join(baseDir, 'data');
  const sockDir = join(baseDir, 'sock');
  const logFile = join(baseDir, 'postgres.log');
  // The password stays beside the cluster, readable by the bench's user only.
  const passwordFile = join(baseDir, 'bench-password');
  const own = (path: string) => {
    if (runAs) chownSync(path, runAs.uid, runAs.gid);
  };
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  if (fresh) {
    mkdirSync(baseDir, { recursive: true });
    chmodSync(baseDir, 0o700);
    own(baseDir);
    mkdirSync(sockDir, { recursive: true, mode: 0o700 });
    own(sockDir);
    const password = randomBytes(18).toString('hex');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    const pwFile = join(baseDir, 'initdb-pw');
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    own(pwFile);
    pgTool(runAs, 'initdb', ['--pgdata', dataDir, '--username', 'postgres', '--pwfile', pwFile, '--auth', 'scram-sha-256', '--encoding', 'UTF8', '--locale', 'C', '--no-sync'], baseDir);
    execFileSync('rm', ['-f', pwFile]);
    appendFileSync(
      join(dataDir, 'postgresql.conf'),
      ['', '# perf-monitor rollup bench cluster', "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${sockDir}'`, "timezone = 'UTC'", "log_timezone = 'UTC'", 'jit = off', ...config, ''].join('\n'),
    );
  }
  if (!existsSync(logFile)) {
    writeFileSync(logFile, '', { mode: 0o600 });
    own(logFile);
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  const stopArgs = ['stop', '--pgdata', dataDir, '--mode', 'fast', '--wait', '--timeout', '120'];
  // A postmaster left by a killed run: stop it first (fast shutdown keeps the data).
  if (existsSync(join(dataDir, 'postmaster.pid'))) {
    try {
      pgTool(runAs, 'pg_ctl', stopArgs, baseDir);
    } catch {
      // stale pid file
    }
  }
  let port = 0;
  let lastError: unknown = null;
  for (let attempt = 1; attempt <= 5 && port === 0; attempt++) {
    const candidate = await freePort();
    try {
      pgTool(runAs, 'pg_ctl', ['start', '--pgdata', dataDir, '--log', logFile, '--wait', '--timeout', '300', '--options', `-p ${candidate}`], baseDir);
      port = candidate;
    } catch (error) {
      lastError = error;
    }
  }
  if (port === 0) throw new Error(`could not start PostgreSQL in ${baseDir}: ${lastError instanceof Error ? lastError.message : String(lastError)}`);

  // Fast shutdown when our pid is gone (SIGKILL, crash): SIGINT to the postmaster.
  const watchdog = spawn(
    '/bin/sh',
    ['-c', 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; [ -f "$2/postmaster.pid" ] && kill -INT "$(head -n 1 "$2/postmaster.pid")" 2>/dev/null', 'perfmon-bench-pg-watchdog', String(process.pid), dataDir],
    { detached: true, stdio: 'ignore', env: cleanEnv(), cwd: '/' },
  );
  watchdog.on('error', () => {});
  watchdog.unref();

  let stopped: Promise<void> | null = null;
  return {
    url: (db = 'postgres') => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(db)}`,
    logFile,
    fresh,
    stop() {
      stopped ??= (async () => {
        try {
          pgTool(runAs, 'pg_ctl', stopArgs, baseDir);
        } finally {
          if (watchdog.pid !== undefined) {
            try {
              process.kill(watchdog.pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }
        }
      })();
      return stopped;
    },
  };
}
