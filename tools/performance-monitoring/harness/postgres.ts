// Dev harness (tests and the bench): a PostgreSQL cluster built from Debian's PostgreSQL binaries.
//
// startPostgres() runs `initdb` into a fresh temp dir (password auth, scram-sha-256), starts the
// server with `pg_ctl` on a free 127.0.0.1 port with its unix socket inside the temp dir, and
// returns a handle whose stop() shuts it down (`pg_ctl stop -m immediate`) and removes the dir.
// With `keepIn` (the bench's 60M-row table, loaded once) the cluster lives in that dir instead:
// created when absent, reused as it is otherwise, and stopped with a fast shutdown that keeps it.
// When the process runs as root (CI), the cluster runs as the unprivileged `postgres` system
// user (or `nobody`). A server is never left behind: stop() is idempotent, an exit hook stops
// servers the caller forgot, and a small detached watchdog stops the postmaster (and removes a
// temp dir) if the process dies without running any hook (SIGKILL, crash).
//
// No binaries means a loud failure, never a silent skip: CI installs Debian's `postgresql`.

import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import postgres from 'postgres';

export interface PgServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Superuser name (`postgres`). */
  readonly user: string;
  /** Generated password of the superuser (scram-sha-256). */
  readonly password: string;
  /** Directory holding Debian's PostgreSQL binaries used for this cluster (psql, pg_ctl, ...). */
  readonly binDir: string;
  /** Dir holding the data directory, socket and server log: a temp dir, or `keepIn`. */
  readonly baseDir: string;
  /** Server log file (handy when a test fails). */
  readonly logFile: string;
  /** True when this call ran initdb; false when it started a kept cluster again. */
  readonly fresh: boolean;
  /** `postgres://postgres:<password>@127.0.0.1:<port>/<db>`; db defaults to `postgres`. */
  url(db?: string): string;
  /**
   * CREATE DATABASE <name> (name: lower-case identifier) and return its URL; with `reuse`, a
   * database of that name already there (in a kept cluster) is returned as it is.
   */
  createDatabase(name: string, options?: { reuse?: boolean }): Promise<string>;
  /**
   * Immediate shutdown and removal of the temp dir; for a kept cluster a fast shutdown, and the
   * dir stays. Safe to call more than once.
   */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Server `timezone` setting (Supabase runs in UTC). Default `UTC`. */
  timezone?: string;
  /** Extra `postgresql.conf` lines (for a kept cluster: written when it is created). */
  extraConfig?: string[];
  /**
   * Keep the cluster in this dir rather than a temp dir, so a large table outlives the run:
   * initdb when the dir holds no cluster yet, else the one there is started again. As root, the
   * cluster's user must be able to enter the dir's parents (the bench makes its dir 0711).
   */
  keepIn?: string;
}

const SUPERUSER = 'postgres';

let cachedBinDir: string | null = null;

function hasServerBinaries(dir: string): boolean {
  return ['initdb', 'pg_ctl', 'postgres', 'psql'].every((name) => existsSync(join(dir, name)));
}

/** Debian's PostgreSQL bin dir: `pg_config --bindir`, else the highest `/usr/lib/postgresql/<v>/bin`. */
export function findPgBinDir(): string {
  if (cachedBinDir !== null) return cachedBinDir;
  const candidates: string[] = [];
  try {
    const out = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (out) candidates.push(out);
  } catch {
    // no pg_config on PATH
  }
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(root, v, 'bin'));
  }
  const found = candidates.find(hasServerBinaries);
  if (!found) {
    throw new Error(
      'PostgreSQL server binaries not found (looked at `pg_config --bindir` and /usr/lib/postgresql/*/bin): ' +
        "install Debian's postgresql package (apt-get install -y postgresql) to run these tests",
    );
  }
  cachedBinDir = found;
  return found;
}

interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

/** When root, the unprivileged account that owns and runs the cluster (initdb refuses root). */
function unprivilegedAccount(): RunAs | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      if (Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid, name };
    } catch {
      // no such user, try the next one
    }
  }
  throw new Error('running as root, but neither the `postgres` nor the `nobody` user exists to run PostgreSQL');
}

/** Environment for PostgreSQL tools: no inherited PG* variables that could redirect them. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('PG') && v !== undefined) env[k] = v;
  }
  env.LC_ALL = 'C';
  env.LANG = 'C';
  return { ...env, ...extra };
}

interface RunResult {
  stdout: string;
  stderr: string;
}

function run(
  file: string,
  args: string[],
  opts: { runAs?: RunAs | null; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        env: opts.env ?? cleanEnv(),
        cwd: opts.cwd ?? '/',
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
        ...(opts.runAs ? { uid: opts.runAs.uid, gid: opts.runAs.gid } : {}),
      },
      (error, stdout, stderr) => {
        if (error) {
          // Not error.message: it repeats the command line, which may hold a connection URL.
          const detail = (stderr || stdout || '').trim();
          const how = error.killed ? 'timed out' : `exit code ${String(error.code ?? 'unknown')}`;
          reject(new Error(`${file.split('/').pop() ?? file} failed (${how})${detail ? `:\n${detail}` : ''}`));
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

/** A port that was free a moment ago on 127.0.0.1 (bind port 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

// ---- cleanup of servers a run forgot --------------------------------------------------------

const liveServers = new Set<() => void>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const stopSync of [...liveServers]) {
      try {
        stopSync();
      } catch {
        // best effort at exit
      }
    }
  });
}

/**
 * A detached shell that outlives us: when our pid disappears it shuts the postmaster down. A
 * throwaway cluster gets SIGQUIT (immediate shutdown), then SIGKILL if it lingers, and its dir is
 * removed; a kept one gets SIGINT (fast shutdown, which keeps the data) and its dir stays. Runs as
 * the current user (root in CI, who may signal the unprivileged postmaster and remove its files).
 */
function startWatchdog(baseDir: string, dataDir: string, keep: boolean): number | undefined {
  const script = [
    'parent="$1"; base="$2"; data="$3"; keep="$4"',
    'while kill -0 "$parent" 2>/dev/null; do sleep 0.5; done',
    'if [ -f "$data/postmaster.pid" ]; then',
    '  pm=$(head -n 1 "$data/postmaster.pid")',
    '  if [ -n "$pm" ] && [ "$keep" = 1 ]; then kill -INT "$pm" 2>/dev/null',
    '  elif [ -n "$pm" ]; then kill -QUIT "$pm" 2>/dev/null',
    '    i=0; while kill -0 "$pm" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done',
    '    kill -KILL "$pm" 2>/dev/null',
    '  fi',
    'fi',
    '[ "$keep" = 1 ] || rm -rf "$base"',
  ].join('\n');
  const child = spawn('/bin/sh', ['-c', script, 'perfmon-pg-watchdog', String(process.pid), baseDir, dataDir, keep ? '1' : '0'], {
    detached: true,
    stdio: 'ignore',
    env: cleanEnv(),
    cwd: '/',
  });
  child.on('error', () => {
    // no /bin/sh: the exit hook still covers normal exits
  });
  child.unref();
  return child.pid;
}

// ---- the cluster ----------------------------------------------------------------------------

/** Beside a kept cluster, readable by the current user only: its superuser's password. */
const PASSWORD_FILE = 'superuser-password';

/** initdb and the postgresql.conf lines of a new cluster; the caller removes what it made on failure. */
async function createCluster(binDir: string, runAs: RunAs | null, baseDir: string, password: string, conf: string[]): Promise<void> {
  const dataDir = join(baseDir, 'data');
  const sockDir = join(baseDir, 'sock');
  const logFile = join(baseDir, 'postgres.log');
  const pwFile = join(baseDir, 'pwfile');
  mkdirSync(baseDir, { recursive: true });
  chmodSync(baseDir, 0o700);
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  writeFileSync(logFile, '', { mode: 0o600 });
  mkdirSync(sockDir, { recursive: true, mode: 0o700 });
  if (runAs) {
    for (const p of [baseDir, pwFile, logFile, sockDir]) chownSync(p, runAs.uid, runAs.gid);
  }
  try {
    await run(
      join(binDir, 'initdb'),
      [
        '--pgdata',
        dataDir,
        '--username',
        SUPERUSER,
        '--pwfile',
        pwFile,
        '--auth',
        'scram-sha-256',
        '--encoding',
        'UTF8',
        '--locale',
        'C',
        '--no-sync',
      ],
      { runAs, cwd: baseDir },
    );
  } finally {
    rmSync(pwFile, { force: true });
  }
  // pg_hba.conf from initdb has local + host 127.0.0.1/32 + ::1 with scram-sha-256: keep it.
  appendFileSync(
    join(dataDir, 'postgresql.conf'),
    ['', '# perf-monitor test cluster', `unix_socket_directories = '${sockDir}'`, ...conf, ''].join('\n'),
  );
}

/** Where a cluster lives and how startPostgres runs its tools. */
interface Cluster {
  binDir: string;
  runAs: ReturnType<typeof unprivilegedAccount>;
  keep: boolean;
  baseDir: string;
  dataDir: string;
  logFile: string;
  passwordFile: string;
  pgCtlStopArgs: string[];
}

/** initdb with a new password (returned); a kept cluster's password is saved beside it. */
async function createFreshCluster(c: Cluster, timezone: string, extraConfig: string[]): Promise<string> {
  const password = randomBytes(18).toString('hex');
  const conf = [
    "listen_addresses = '127.0.0.1'",
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 100',
    'jit = off',
    `timezone = '${timezone}'`,
    "log_timezone = 'UTC'",
    "password_encryption = 'scram-sha-256'",
    ...extraConfig,
  ];
  try {
    await createCluster(c.binDir, c.runAs, c.baseDir, password, conf);
    if (c.keep) writeFileSync(c.passwordFile, `${password}\n`, { mode: 0o600 });
  } catch (error) {
    // A half-made kept cluster would be taken for a whole one next time: its data dir goes too.
    if (c.keep) rmSync(c.dataDir, { recursive: true, force: true });
    else rmSync(c.baseDir, { recursive: true, force: true });
    throw error;
  }
  return password;
}

/** A kept cluster's saved password; a postmaster left by a killed run is stopped first (a fast
 *  shutdown keeps the data). */
async function reopenKeptCluster(c: Cluster): Promise<string> {
  if (!existsSync(c.passwordFile))
    throw new Error(
      `startPostgres: ${c.baseDir} holds a cluster but no ${PASSWORD_FILE} (made by another tool?): remove the directory to start afresh`,
    );
  const password = readFileSync(c.passwordFile, 'utf8').trim();
  if (existsSync(join(c.dataDir, 'postmaster.pid'))) {
    await run(join(c.binDir, 'pg_ctl'), c.pgCtlStopArgs, { runAs: c.runAs, cwd: c.baseDir, timeoutMs: 150_000 }).catch(() => {
      // a stale pid file
    });
  }
  return password;
}

/** pg_ctl start on a free port, up to five tries: the port is free when we look, but another
 *  process may grab it before the postmaster binds it. Port 0 when every try failed. */
async function startOnFreePort(c: Cluster, startTimeoutS: number): Promise<{ port: number; lastError: unknown }> {
  let lastError: unknown = null;
  for (let attempt = 1; attempt <= 5; attempt++) {
    const candidate = await freePort();
    try {
      await run(
        join(c.binDir, 'pg_ctl'),
        ['start', '--pgdata', c.dataDir, '--log', c.logFile, '--wait', '--timeout', String(startTimeoutS), '--options', `-p ${candidate}`],
        { runAs: c.runAs, cwd: c.baseDir, timeoutMs: (startTimeoutS + 30) * 1000 },
      );
      return { port: candidate, lastError };
    } catch (error) {
      lastError = error;
    }
  }
  return { port: 0, lastError };
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PgServer> {
  const binDir = findPgBinDir();
  const runAs = unprivilegedAccount();
  const keep = options.keepIn !== undefined;
  // As root, the cluster's user must be able to reach the dir: /tmp is, a root-private TMPDIR may not be.
  const baseDir = options.keepIn !== undefined ? resolve(options.keepIn) : mkdtempSync(join(runAs ? '/tmp' : tmpdir(), 'perfmon-pg-'));
  const dataDir = join(baseDir, 'data');
  const logFile = join(baseDir, 'postgres.log');
  const passwordFile = join(baseDir, PASSWORD_FILE);
  const timezone = options.timezone ?? 'UTC';
  if (!/^[A-Za-z0-9_+\-/]+$/.test(timezone)) throw new Error(`startPostgres: invalid timezone ${timezone}`);
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  // A kept cluster's fast shutdown writes a checkpoint of what a large load left in memory.
  const pgCtlStopArgs = ['stop', '--pgdata', dataDir, '--mode', keep ? 'fast' : 'immediate', '--wait', '--timeout', keep ? '120' : '30'];

  const removeDir = () => rmSync(baseDir, { recursive: true, force: true });
  const cluster: Cluster = { binDir, runAs, keep, baseDir, dataDir, logFile, passwordFile, pgCtlStopArgs };
  const password = fresh ? await createFreshCluster(cluster, timezone, options.extraConfig ?? []) : await reopenKeptCluster(cluster);

  const watchdogPid = startWatchdog(baseDir, dataDir, keep);
  const killWatchdog = () => {
    if (watchdogPid === undefined) return;
    try {
      process.kill(watchdogPid, 'SIGKILL');
    } catch {
      // already gone
    }
  };

  // A kept cluster killed mid-load replays its WAL before it accepts connections: more time.
  const startTimeoutS = keep ? 300 : 60;
  const { port, lastError } = await startOnFreePort(cluster, startTimeoutS);
  if (port === 0) {
    killWatchdog();
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : '';
    if (!keep) removeDir();
    throw new Error(
      `could not start PostgreSQL in ${baseDir}: ${lastError instanceof Error ? lastError.message : String(lastError)}\n${log}`,
    );
  }

  let stopped: Promise<void> | null = null;

  const stopSync = () => {
    liveServers.delete(stopSync);
    try {
      execFileSync(join(binDir, 'pg_ctl'), pgCtlStopArgs, {
        env: cleanEnv(),
        cwd: '/',
        stdio: 'ignore',
        timeout: keep ? 150_000 : 30_000,
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      });
    } catch {
      // already stopped
    }
    if (!keep) removeDir();
    killWatchdog();
  };
  liveServers.add(stopSync);
  installExitHook();

  const url = (db = 'postgres') => `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(db)}`;

  const server: PgServer = {
    host: '127.0.0.1',
    port,
    user: SUPERUSER,
    password,
    binDir,
    baseDir,
    logFile,
    fresh,
    url,
    async createDatabase(name: string, createOptions: { reuse?: boolean } = {}): Promise<string> {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`createDatabase: invalid database name ${name}`);
      await withSql(url('postgres'), async (sql) => {
        const [exists] = createOptions.reuse ? await sql`SELECT 1 FROM pg_database WHERE datname = ${name}` : [];
        if (!exists) await sql`CREATE DATABASE ${sql(name)}`;
      });
      return url(name);
    },
    stop(): Promise<void> {
      if (stopped) return stopped;
      liveServers.delete(stopSync);
      stopped = (async () => {
        try {
          await run(join(binDir, 'pg_ctl'), pgCtlStopArgs, { runAs, timeoutMs: keep ? 150_000 : 60_000 });
        } catch {
          // not running any more; still remove the dir
        }
        if (!keep) removeDir();
        killWatchdog();
      })();
      return stopped;
    },
  };
  return server;
}

/** psql as a user runs it (no psqlrc, stop at the first error), with no inherited PG* variables. */
function psql(databaseUrl: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return run(join(findPgBinDir(), 'psql'), ['--no-psqlrc', '--quiet', '-v', 'ON_ERROR_STOP=1', '--dbname', databaseUrl, ...args], {
    env: cleanEnv({ PGCONNECT_TIMEOUT: '10' }),
    cwd: process.cwd(),
    timeoutMs,
  });
}

/**
 * Run a .sql file the way a user would: `psql -v ON_ERROR_STOP=1 -f FILE` against the URL.
 * Rejects with psql's stderr when a statement fails.
 */
export async function runSqlFile(databaseUrl: string, path: string, timeoutMs = 120_000): Promise<RunResult> {
  return psql(databaseUrl, ['-f', path], timeoutMs);
}

/** One psql command (`-c`): what only psql does, such as `\copy` from a client-side file. */
export async function runPsqlCommand(databaseUrl: string, command: string, timeoutMs = 120_000): Promise<RunResult> {
  return psql(databaseUrl, ['-c', command], timeoutMs);
}

/** One connection for `work`, always closed. */
export async function withSql<T>(url: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The start of the current hour by the database's clock (the rollups' refresh goes by it), epoch ms. */
export async function currentHour(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ ms: string }[]>`SELECT floor(extract(epoch FROM now()) / 3600) * 3600000 AS ms`;
  return Number(row?.ms);
}

/**
 * Run `files` in order, twice (the shipped SQL is idempotent), and return what psql printed on
 * stderr each time, minus the lines `expectedNotice` matches (e.g. "already exists, skipping").
 */
export async function installTwice(
  url: string,
  files: string[],
  expectedNotice: RegExp,
): Promise<{ round: number; file: string; stderr: string }[]> {
  const runs: { round: number; file: string; stderr: string }[] = [];
  for (let round = 1; round <= 2; round++) {
    for (const file of files) {
      const { stderr } = await runSqlFile(url, file);
      runs.push({ round, file, stderr: stderr.replace(expectedNotice, '') });
    }
  }
  return runs;
}

/**
 * Create Supabase's API roles (`anon`, `authenticated`, `service_role`; cluster-wide, idempotent)
 * and give them, in this database, the privileges a Supabase project gives them in `public`:
 * USAGE on the schema and default privileges ALL on tables, sequences and functions created
 * afterwards by the connecting user. So a function created later is executable by `anon`
 * unless its SQL revokes it, as on Supabase.
 */
export async function installSupabaseRoles(databaseUrl: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`
      DO $$
      DECLARE
        r text;
      BEGIN
        FOREACH r IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
          BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
              EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT%s', r, CASE WHEN r = 'service_role' THEN ' BYPASSRLS' ELSE '' END);
            END IF;
          EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- created meanwhile by another database's setup
          END;
        END LOOP;
      END
      $$;
      GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
      ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
      ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
      ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
    `);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
