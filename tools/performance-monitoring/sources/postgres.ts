// DATABASE_URL: PostgreSQL runs the shared aggregation SQL itself; only result rows travel.

import type postgresType from 'postgres';
import { describeError, RuntimeError } from '../base/errors.js';
import { withRetry } from '../net/retry.js';
import { forMessage, forServerText } from '../text/safe-text.js';
import { rollupsMayAnswer } from './rollup-coverage.js';
import { decodeAggregateRows } from './rows.js';
import type { SloCounts, SloQuery } from './slo-windows.js';
import { aggregationParams, aggregationSql } from './sql/aggregate.js';
import { DEFAULT_TABLE } from './sql/aggregate-contract.js';
import { PROBE_SQL } from './sql/rollup-cover.js';
import { rollupReadParams, rollupReadSql } from './sql/rollup-read.js';
import { HISTOGRAM_LAYOUT } from './sql/rollup-spans.js';
import { READ_WORK_MEM } from './sql/session.js';
import type { AggregateQuery, Aggregates, Source, SourceResult } from './types.js';

type SloSql = typeof import('./sql/slo.js');

type Sql = postgresType.Sql;

const RETRYABLE_NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CLIENT_TIMEOUT',
]);

export class PostgresSource implements Source {
  readonly kind = 'postgres' as const;
  private sql: Sql | undefined;
  /** What the report's read learnt of the rollups, for the SLO read: their watermark (null: none
   *  yet), 'absent' (not installed or not readable), or undefined (it did not look). */
  private watermarkSeen: Date | null | 'absent' | undefined;

  constructor(
    private readonly url: URL,
    private readonly table: string,
    private readonly timeout: number,
    /** false with --exact: raw rows only. */
    private readonly rollups: boolean = true,
    /** One stderr line: why installed rollups were not read. */
    private readonly notice: (line: string) => void = () => {},
    /** A live view (docs/live.md): the connection is kept between refreshes and the reads whose
     *  text is fixed (the probe, the rollup read) are prepared on it once. */
    private readonly live: boolean = false,
  ) {
    this.prepare = live;
  }

  /** Whether fixed texts are prepared: a live view's, until a transaction pooler refuses them. */
  private prepare: boolean;

  async aggregate(query: AggregateQuery): Promise<SourceResult> {
    const rows = await this.retried((sql) => this.read(sql, query));
    const decoded = decodeAggregateRows(rows.rows, 'PostgreSQL');
    const rollup = decoded.rollup ?? rows.rollup;
    return { kind: this.kind, aggregation: rollup !== null && rollup.hours > 0 ? 'rollup' : 'server', skippedRows: 0, ...decoded, rollup };
  }

  async close(): Promise<void> {
    const sql = this.sql;
    this.sql = undefined;
    await sql?.end({ timeout: 0 });
  }

  /** The SLO read (docs/slos.md): one query; the complete hours before the rollups' watermark from
   *  the rollups where installed (the report's read saw their watermark, or the query reads it). */
  async slo(query: SloQuery): Promise<SloCounts> {
    // Loaded here, with --slo only: a report without SLOs does not pay for their modules (docs/cli.md, "Start-up").
    const [{ decodeSloRows }, sloSql] = await Promise.all([import('./slo-rows.js'), import('./sql/slo.js')]);
    const rows = await this.retried((sql) => this.readSlo(sql, query, sloSql));
    return decodeSloRows(rows, 'PostgreSQL');
  }

  private async readSlo(sql: Sql, query: SloQuery, { positional, sloParams, sloRawSql, sloRollupSql }: SloSql): Promise<unknown> {
    const seen = this.watermarkSeen;
    if (!this.rollups || this.table !== DEFAULT_TABLE || seen === 'absent')
      return await sql.unsafe(sloRawSql(this.table), sloParams(query));
    if (seen !== undefined) {
      // The report's read probed: the rolled-up hours' end is a parameter, folded into index ranges when planning.
      return await sql.unsafe(sloRollupSql(this.table), sloParams(query, seen === null ? null : seen.getTime()));
    }
    try {
      // Not probed (a short window): the query reads the watermark itself, once (an InitPlan), and
      // ends the rolled-up hours there; the parameter is where they would end with every hour rolled up.
      const rolledEnd = `(SELECT greatest(${positional('scan_hour')}, least(${positional('rolled_end')}, COALESCE(max(watermark), CAST('-infinity' AS timestamptz)))) FROM public.perf_monitor_rollup_state)`;
      const text = sloRollupSql(this.table, (name) => (name === 'rolled_end' ? rolledEnd : positional(name)));
      return await sql.unsafe(text, sloParams(query, Number.POSITIVE_INFINITY));
    } catch (error) {
      // rollup.sql not installed (or not readable by this role): the raw rows hold every count.
      if (errorCode(error) !== '42P01' && errorCode(error) !== '42501') throw error;
      if (errorCode(error) === '42501') this.notice(`${RAW_READ} for the SLOs: this role may not read them: ${GRANTS}`);
      this.watermarkSeen = 'absent';
      return await sql.unsafe(sloRawSql(this.table), sloParams(query));
    }
  }

  private async retried<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    return await withRetry(() => this.attemptPrepared(work), {
      shouldRetry: (error) => RETRYABLE_NETWORK.has(errorCode(error)),
    }).catch((error: unknown) => {
      throw new RuntimeError(this.explain(error));
    });
  }

  /** A transaction pooler (PgBouncer in transaction mode before 1.21, Supavisor's port 6543) runs
   *  each statement on any server connection, where a statement prepared on another is missing (or
   *  one of the same name exists): then this source stops preparing, says so once, and reads again. */
  private async attemptPrepared<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    try {
      return await this.attempt(work);
    } catch (error) {
      if (!this.prepare || !POOLER_REFUSALS.has(errorCode(error))) throw error;
      this.prepare = false;
      this.notice('PostgreSQL: prepared statements refused (a transaction pooler?): each refresh now plans its read again (docs/live.md)');
      await this.close().catch(() => {});
      return await this.attempt(work);
    }
  }

  /** One query on a fresh connection, cut off client-side too: statement_timeout cannot fire when
   *  the connection itself stalls (a dropped network, a proxy holding the session). */
  private async attempt<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    const sql = await this.connect();
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('no answer'), { code: 'CLIENT_TIMEOUT' })), this.timeout + 1_000);
    });
    const pending = work(sql);
    // Once the race is lost, ending the connection rejects the query: nobody waits for it any more.
    pending.catch(() => {});
    try {
      return await Promise.race([pending, stalled]);
    } catch (error) {
      if (errorCode(error) === 'CLIENT_TIMEOUT') await this.close().catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The rollup read when the rollups cover some of the window (the probe says), else the raw one;
   *  `rollup` is what the probe saw, for the coverage notice. */
  private async read(sql: Sql, query: AggregateQuery): Promise<Answer> {
    const params = aggregationParams(query);
    const mayAnswer = this.rollups && rollupsMayAnswer(query, this.table, 'timeline rows');
    const probe = mayAnswer ? await probeRollups(sql, query, this.notice, this.prepare) : null;
    if (mayAnswer) this.watermarkSeen = probe === null ? 'absent' : probe.watermark;
    if (probe?.covers) {
      const read = rollupReadSql('postgres', this.table);
      const values = rollupReadParams(read, query, probe.watermark.getTime());
      return { rows: await sql.unsafe(read.text, values, { prepare: this.prepare }), rollup: null };
    }
    const rollup = probe === null ? null : { watermark: probe.watermark === null ? null : probe.watermark.getTime() / 1000, hours: 0 };
    return { rows: await sql.unsafe(aggregationSql(this.table), params), rollup };
  }

  private async connect(): Promise<Sql> {
    if (this.sql) return this.sql;
    const { default: postgres } = await import('postgres');
    this.sql = postgres(this.url.href, {
      max: 1,
      connect_timeout: Math.max(1, Math.ceil(this.timeout / 1000)),
      // A one-shot run ends its connection at once; a live view keeps it (and the statements
      // prepared on it) from one refresh to the next: 0 is no idle timeout.
      idle_timeout: this.live ? 0 : 1,
      // No type-discovery query at connect: the aggregation returns no arrays, and that query
      // would be one more round trip (and one postgres.js cannot reject cleanly if it stalls).
      fetch_types: false,
      onnotice: () => {},
      // JIT compiles the aggregation for ~0.5 s and gains nothing back on a one-off query.
      // work_mem: the rollup read's hash aggregates spill to sorts at the 4 MB default (2-3x slower).
      connection: { application_name: 'perf-monitor', statement_timeout: this.timeout, jit: 'off', work_mem: READ_WORK_MEM },
    });
    return this.sql;
  }

  /** One line naming the source and the cause; never the password (the URL is not printed). */
  private explain(error: unknown): string {
    const where = `${this.url.hostname}:${this.url.port || 5432}`;
    const database = decodeURIComponent(this.url.pathname.slice(1)) || '(default)';
    switch (errorCode(error)) {
      case '28P01':
      case '28000':
        return `PostgreSQL at ${where}: authentication failed for user ${forMessage(decodeURIComponent(this.url.username))}: check DATABASE_URL`;
      case '3D000':
        return `PostgreSQL at ${where}: database ${forMessage(database)} does not exist: check DATABASE_URL`;
      case '42P01':
        return `PostgreSQL: table ${this.table} does not exist in ${forMessage(database)}: run tools/performance-monitoring/sql/schema.sql (or set PERFMON_TABLE)`;
      case '42703':
        return `PostgreSQL: table ${this.table} lacks a column perf-monitor reads (${forServerText(describeError(error))}): see tools/performance-monitoring/sql/schema.sql`;
      case '57014':
        return `PostgreSQL: the query hit its statement timeout of ${this.timeout} ms (PERFMON_TIMEOUT_MS): install the rollups (tools/performance-monitoring/sql/rollup.sql, refreshed by pg_cron or --refresh-rollups) or narrow --hours`;
      case 'ECONNREFUSED':
        return `PostgreSQL at ${where}: connection refused`;
      case 'CLIENT_TIMEOUT':
        return `PostgreSQL at ${where}: no answer within ${this.timeout} ms (PERFMON_TIMEOUT_MS), after 3 attempts`;
      case 'CONNECT_TIMEOUT':
      case 'ETIMEDOUT':
        return `PostgreSQL at ${where}: connection timed out after ${this.timeout} ms`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `PostgreSQL: host ${forMessage(this.url.hostname)} not found: check DATABASE_URL`;
      default:
        return `PostgreSQL at ${where}: query failed: ${forServerText(describeError(error))}`;
    }
  }
}

interface Answer {
  rows: unknown;
  rollup: Aggregates['rollup'];
}

type Probe = { watermark: Date; covers: true } | { watermark: Date | null; covers: false };

interface ProbeRow {
  watermark: Date | string | null;
  covers: boolean | null;
  unreadable: string | null;
  ahead: boolean | null;
}

const RAW_READ = 'rollups not read (raw rows were)';
/** prepared statement does not exist; prepared statement already exists. */
const POOLER_REFUSALS = new Set(['26000', '42P05']);
const GRANTS = 'see docs/rollups.md, "Roles and row-level security"';

/** Why a read table of the rollups cannot be read, from the probe's `unreadable`. */
function unreadableNotice(unreadable: string): string {
  const [what, table] = unreadable.split(' ');
  if (what === 'layout')
    return `${RAW_READ}: their layout ${table} is an older version's (this one reads layout ${HISTOGRAM_LAYOUT}): run tools/performance-monitoring/sql/rollup.sql again, then --refresh-rollups`;
  return what === 'missing'
    ? `${RAW_READ}: table ${table} does not exist (rollup.sql from an older version): run tools/performance-monitoring/sql/rollup.sql again`
    : `${RAW_READ}: this role may not SELECT from ${table}: ${GRANTS}`;
}

/** The rollup's watermark, or null where rollup.sql is not installed. Where it is installed but
 *  cannot be read (a table missing, no privilege, row-level security hiding the state row), null
 *  too, and one line saying why: a report that quietly reads raw rows is slow for no known reason. */
async function probeRollups(sql: Sql, query: AggregateQuery, notice: (line: string) => void, prepare: boolean): Promise<Probe | null> {
  try {
    const [row] = await sql.unsafe<ProbeRow[]>(PROBE_SQL, [query.previousStart.toISOString()], { prepare });
    if (!row) {
      notice(`${RAW_READ}: perf_monitor_rollup_state shows this role no row (row-level security, and no policy for it): ${GRANTS}`);
      return null;
    }
    if (row.unreadable !== null) {
      notice(unreadableNotice(row.unreadable));
      return null;
    }
    const watermark = row.watermark === null ? null : new Date(row.watermark);
    if (row.ahead === true && watermark !== null) {
      notice(
        `${RAW_READ}: their watermark ${watermark.toISOString()} is ahead of the server's clock (was it set back?): run --refresh-rollups, which rebuilds them`,
      );
      return null;
    }
    return watermark !== null && row.covers === true ? { watermark, covers: true } : { watermark, covers: false };
  } catch (error) {
    if (errorCode(error) === '42P01') return null;
    if (errorCode(error) === '42501') {
      notice(`${RAW_READ}: this role may not SELECT from perf_monitor_rollup_state: ${GRANTS}`);
      return null;
    }
    throw error;
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}
