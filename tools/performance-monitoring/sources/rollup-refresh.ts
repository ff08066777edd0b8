// `--refresh-rollups`: one call of perf_monitor_refresh_rollups() (sql/rollup.sql) over
// DATABASE_URL, for those without pg_cron; one stderr line with what it built (SPEC §17).
import type postgresType from 'postgres';
import { shownValue } from '../cli/shown.js';
import { EXIT, RuntimeError, UsageError, describeError, type ExitCode } from '../errors.js';
import { shownText } from '../net/shown.js';
import type { SourceSettings } from './settings.js';

interface RefreshRow {
  hours_built: number;
  watermark: string | null;
}

/** Refreshes once and writes one line through `line`; errors are UserErrors (one line). */
export async function refreshRollups(source: SourceSettings, line: (text: string) => void): Promise<ExitCode> {
  if (source.kind !== 'postgres') {
    throw new UsageError(`--refresh-rollups needs DATABASE_URL (a PostgreSQL connection), not the ${source.kind} source; or schedule sql/rollup.sql's refresh with pg_cron`);
  }
  const row = await callRefresh(source.url, source.timeoutMs);
  const watermark = row.watermark === null ? 'none yet (no complete hour of data)' : new Date(row.watermark).toISOString();
  line(`rollups: ${row.hours_built} hour${row.hours_built === 1 ? '' : 's'} built; rolled up to ${watermark}`);
  return EXIT.ok;
}

async function callRefresh(url: URL, timeoutMs: number): Promise<RefreshRow> {
  const { default: postgres } = await import('postgres');
  const sql: postgresType.Sql = postgres(url.href, {
    max: 1,
    connect_timeout: Math.max(1, Math.ceil(timeoutMs / 1000)),
    fetch_types: false,
    onnotice: () => {},
    connection: { application_name: 'perf-monitor', statement_timeout: timeoutMs },
  });
  try {
    const [row] = await sql<RefreshRow[]>`
      SELECT hours_built, to_char(watermark AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS watermark
      FROM perf_monitor_refresh_rollups()`;
    if (!row) throw new Error('the refresh returned no row');
    return row;
  } catch (error) {
    throw new RuntimeError(explain(url, timeoutMs, error));
  } finally {
    await sql.end({ timeout: 0 }).catch(() => {});
  }
}

/** One line naming the server and the cause; never the password. */
function explain(url: URL, timeoutMs: number, error: unknown): string {
  const where = `PostgreSQL at ${url.hostname}:${url.port || 5432}`;
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case '42883':
      return `${where}: perf_monitor_refresh_rollups() is not installed: run tools/performance-monitoring/sql/rollup.sql`;
    case '28P01':
    case '28000':
      return `${where}: authentication failed for user ${shownValue(decodeURIComponent(url.username))}: check DATABASE_URL`;
    case '57014':
      return `${where}: the refresh timed out after ${timeoutMs} ms (PERFMON_TIMEOUT_MS); call perf_monitor_refresh_rollups with a smaller p_max_hours`;
    case 'ECONNREFUSED':
      return `${where}: connection refused`;
    default:
      return `${where}: rollup refresh failed: ${shownText(describeError(error))}`;
  }
}
