// `--refresh-rollups`: perf_monitor_refresh_rollups() (sql/rollup.sql) over DATABASE_URL, for those
// without pg_cron, in steps of a day (each call its own transaction); progress on a terminal,
// one stderr line at the end; Ctrl-C stops after the current step (docs/rollups.md).
import type postgresType from 'postgres';
import { describeError, EXIT, type ExitCode, RuntimeError, UsageError } from './base/errors.js';
import type { Notices } from './base/notices.js';
import type { SourceSettings } from './sources/settings.js';
import { REFRESH_LOCK_KEY } from './sources/sql/rollup.js';
import { forMessage, forServerText } from './text/safe-text.js';

/** Hours per call. A first build over months is many calls, each short and durable: at the
 *  bench's 1M operations a day, a day of rows is about what a 1-hour report reads (a few seconds),
 *  well inside the default 30 s statement timeout, where the function's own 168 would read 7M. */
export const STEP_HOURS = 24;
/** The first call re-reads the function's default lag for late rows. Later calls start where the
 *  previous one stopped (lag 0): those hours were just built, so re-reading them would only redo
 *  work; the steps together cover what one unbounded call would, each hour once. */
const FIRST_LAG = '2 hours';
const HOUR_MS = 3_600_000;

interface StepRow {
  hours_built: number;
  watermark: string | null;
  /** now() truncated to the hour, in the call's own transaction: where the watermark stops. */
  last_complete: string;
  /** The call returned at once because another session holds the refresh's lock. */
  busy: boolean;
}

/** Refreshes until the watermark is at the last complete hour; errors are UserErrors (one line). */
export async function refreshRollups(source: SourceSettings, notices: Notices): Promise<ExitCode> {
  if (source.kind !== 'postgres') {
    throw new UsageError(
      `--refresh-rollups needs DATABASE_URL (a PostgreSQL connection), not the ${source.kind} source; or schedule sql/rollup.sql's refresh with pg_cron`,
    );
  }
  const sql = await connect(source.url, source.timeoutMs, (text) => notices.line(`rollups: ${forServerText(text)}`));
  const interrupt = onSigint(
    () => {
      notices.progress('rollups: stopping after this step (Ctrl-C again to quit at once)');
    },
    () => notices.endProgress(),
  );
  let built = 0;
  let watermark: string | null = null;
  try {
    notices.progress('rollups: refreshing');
    for (let step = 0; ; step++) {
      let row: StepRow;
      try {
        row = await callStep(sql, step === 0 ? FIRST_LAG : '0');
      } catch (error) {
        const kept = built > 0 ? ` (${hours(built)} built before it are kept; rolled up to ${shown(watermark)})` : '';
        throw new RuntimeError(`${explain(source.url, source.timeoutMs, error)}${kept}`);
      }
      const moved = row.watermark !== watermark;
      built += row.hours_built;
      watermark = row.watermark;
      if (row.busy) {
        const what = built > 0 ? `${hours(built)} built, then stopped` : 'not refreshed';
        notices.clearProgress();
        notices.line(`rollups: ${what}: another refresh is running; rolled up to ${shown(watermark)}`);
        return EXIT.ok;
      }
      const toGo = watermark === null ? 0 : Math.max(0, (Date.parse(row.last_complete) - Date.parse(watermark)) / HOUR_MS);
      // Fewer hours than asked: the call reached the last complete hour. `moved` guards the loop
      // against a function that would stop moving the watermark.
      if (row.hours_built < STEP_HOURS || toGo === 0 || !moved) break;
      if (interrupt.requested()) {
        notices.clearProgress();
        notices.line(
          `rollups: ${hours(built)} built, then interrupted (${hours(toGo)} to go: run it again); rolled up to ${shown(watermark)}`,
        );
        return EXIT.interrupted;
      }
      notices.progress(`rollups: ${hours(built)} built, ${toGo} to go; rolled up to ${shown(watermark)}`);
    }
  } finally {
    interrupt.remove();
    notices.clearProgress();
    await sql.end({ timeout: 0 }).catch(() => {});
  }
  notices.line(`rollups: ${hours(built)} built; rolled up to ${shown(watermark)}`);
  return EXIT.ok;
}

const hours = (n: number) => `${n} hour${n === 1 ? '' : 's'}`;
const shown = (watermark: string | null) => watermark ?? 'none yet (no complete hour of data)';

/** While a step runs, the first Ctrl-C asks to stop after it (its hours are kept); a second one
 *  quits at once, as without this handler (that step's transaction then commits or rolls back
 *  whole on the server). */
function onSigint(first: () => void, beforeQuit: () => void): { requested(): boolean; remove(): void } {
  let requested = false;
  const handler = () => {
    if (!requested) {
      requested = true;
      first();
      return;
    }
    process.off('SIGINT', handler);
    beforeQuit();
    process.kill(process.pid, 'SIGINT');
  };
  process.on('SIGINT', handler);
  return { requested: () => requested, remove: () => void process.off('SIGINT', handler) };
}

/** The function's own warnings (RAISE WARNING 'perf_monitor_refresh_rollups: ...'), e.g. a
 *  watermark ahead of the clock, reach the user as one line each; other notices do not. */
const WARNING_PREFIX = 'perf_monitor_refresh_rollups: ';

async function connect(url: URL, timeoutMs: number, warn: (text: string) => void): Promise<postgresType.Sql> {
  const { default: postgres } = await import('postgres');
  return postgres(url.href, {
    max: 1,
    connect_timeout: Math.max(1, Math.ceil(timeoutMs / 1000)),
    fetch_types: false,
    onnotice: (notice) => {
      const message = String(notice.message ?? '');
      if (notice.severity === 'WARNING' && message.startsWith(WARNING_PREFIX)) warn(message.slice(WARNING_PREFIX.length));
    },
    connection: { application_name: 'perf-monitor', statement_timeout: timeoutMs },
  });
}

const UTC_MS = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';

/** One call, in its own transaction: one statement, so no explicit BEGIN. postgres.js (3.4.9)
 *  answers a failed sql.begin() with a ROLLBACK; when the server has ended the session (restart,
 *  failover, pg_terminate_backend) that write hits a closed socket and throws an uncaught
 *  TypeError in a timer, which no catch here can reach. */
async function callStep(sql: postgresType.Sql, lag: string): Promise<StepRow> {
  // 0 hours: nothing to build, or another session holds the lock (the function returns at once
  // either way and says not which). The select list runs after the function, in its transaction:
  // a call that took the lock still holds it and takes it again; one that did not, cannot.
  const [row] = await sql<StepRow[]>`
    SELECT hours_built, to_char(watermark AT TIME ZONE 'UTC', ${UTC_MS}) AS watermark,
      to_char(to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600) AT TIME ZONE 'UTC', ${UTC_MS}) AS last_complete,
      hours_built = 0 AND NOT pg_try_advisory_xact_lock(${String(REFRESH_LOCK_KEY)}::bigint) AS busy
    FROM perf_monitor_refresh_rollups(${lag}::interval, ${STEP_HOURS})`;
  if (!row) throw new Error('the refresh returned no row');
  return row;
}

/** The server ended the session (SQLSTATE class 57P: admin or crash shutdown), or the connection
 *  closed under the call: that step's transaction rolled back whole. Which of them postgres.js
 *  reports depends on timing (the FATAL message or the closed socket first), so the line names
 *  the event, not the code. */
const SESSION_ENDED = new Set([
  '57P01',
  '57P02',
  '57P03',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'ECONNRESET',
  'EPIPE',
]);

/** One line naming the server and the cause; never the password. */
function explain(url: URL, timeoutMs: number, error: unknown): string {
  const where = `PostgreSQL at ${url.hostname}:${url.port || 5432}`;
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case '42883':
      return `${where}: perf_monitor_refresh_rollups() is not installed: run tools/performance-monitoring/sql/rollup.sql`;
    case '28P01':
    case '28000':
      return `${where}: authentication failed for user ${forMessage(decodeURIComponent(url.username))}: check DATABASE_URL`;
    case '57014':
      return `${where}: a ${STEP_HOURS}-hour refresh step timed out after ${timeoutMs} ms (PERFMON_TIMEOUT_MS): raise it, or call perf_monitor_refresh_rollups with a smaller p_max_hours`;
    case 'ECONNREFUSED':
      return `${where}: connection refused`;
    default:
      if (typeof code === 'string' && SESSION_ENDED.has(code)) {
        return `${where}: the server ended the session during a refresh step (a restart, a failover or pg_terminate_backend): that step was rolled back, run it again`;
      }
      return `${where}: rollup refresh failed: ${forServerText(describeError(error))}`;
  }
}
