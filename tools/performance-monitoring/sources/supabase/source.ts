// SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY: the perf_monitor_summary RPC aggregates in the
// database; without it, every row of both windows is paged in and aggregated locally (or, where
// the rollups cover the window, their rows and the raw rows at its edges: rollup-plan.ts).
import type { SupabaseClient } from '@supabase/supabase-js';
import { RuntimeError } from '../../base/errors.js';
import { type RetryingFetch, retryingFetch } from '../../net/fetch.js';
import { DEFAULT_ATTEMPTS, isRetryableStatus } from '../../net/retry.js';
import { forServerText } from '../../text/safe-text.js';
import { bucketSeconds } from '../buckets.js';
import { rollupsMayAnswer } from '../rollup-coverage.js';
import { decodeAggregateRows } from '../rows.js';
import { decodeSloRows } from '../slo-rows.js';
import { BURN_WINDOWS, type SloCounts, type SloQuery } from '../slo-windows.js';
import { DEFAULT_TABLE } from '../sql/aggregate.js';
import { rpcArguments } from '../sql/aggregate-contract.js';
import { RPC_STATEMENT_TIMEOUT } from '../sql/rpc.js';
import { SLO_RPC_NAME } from '../sql/rpc-slo.js';
import type { AggregateQuery, Aggregates, Source, SourceResult } from '../types.js';
import { type PageError, PageFailure, readAllRows, readTogether } from './pages.js';
import { readRollupRows, readRollupState, rollupReads } from './rollup-pages.js';
import { fallbackPlan } from './rollup-plan.js';
import { RowLoader } from './row-loader.js';

export const RPC_NAME = 'perf_monitor_summary';
/** The longest burn window: the SLO read reaches this far back even when the period is shorter. */
const SLO_SCAN_BACK_MS = Math.max(...BURN_WINDOWS.map((w) => w.ms));

/** perf_monitor_slo's arguments by name. */
function sloRpcArguments(query: SloQuery, exact: boolean): Record<string, string | boolean> {
  return {
    p_end: query.end.toISOString(),
    p_period_start: query.periodStart.toISOString(),
    p_thresholds: query.thresholds.join(','),
    p_exact: exact,
  };
}
const RPC_MISSING = new Set(['PGRST202', '42883']);

export interface SupabaseSettings {
  url: URL;
  key: string;
  table: string;
  timeoutMs: number;
  /** false with --exact: neither the RPC nor the fallback reads the rollups. */
  rollups: boolean;
  /** Progress line updates (stderr is a TTY), or null. */
  progress: ((line: string, done: boolean) => void) | null;
  retryBaseDelayMs?: number;
}

/** An answer without a single operation, in either window or at an impossible time. */
const isEmpty = (answer: Aggregates) => answer.stats.length === 0 && answer.impossibleTimes === 0;

export class SupabaseSource implements Source {
  readonly kind = 'supabase' as const;
  private http: RetryingFetch | undefined;

  constructor(
    private readonly settings: SupabaseSettings,
    private readonly notice: (line: string) => void,
  ) {}

  /** Bytes of HTTP response bodies received so far. */
  bytesReceived(): number {
    return this.http?.bytesReceived() ?? 0;
  }

  async aggregate(query: AggregateQuery): Promise<SourceResult> {
    const client = await this.client();
    // The RPC is defined over integration_logs; another PERFMON_TABLE is read row by row.
    if (this.settings.table === DEFAULT_TABLE) {
      const server = await this.viaRpc(client, query);
      // The RPC read the rollups when its 'rollup' row counts hours read from them.
      const aggregation = server?.rollup && server.rollup.hours > 0 ? 'rollup' : 'server';
      if (server) return { kind: this.kind, aggregation, skippedRows: 0, ...server };
    }
    return this.viaRows(client, query);
  }

  /** The SLO read (docs/slos.md): the perf_monitor_slo RPC, one call; without it (or for another
   *  PERFMON_TABLE) the rows of the period are paged in and counted here, exactly. */
  async slo(query: SloQuery): Promise<SloCounts> {
    const client = await this.client();
    if (this.settings.table === DEFAULT_TABLE) {
      const { data, error, status } = await this.call(
        async () => await client.rpc(SLO_RPC_NAME, sloRpcArguments(query, !this.settings.rollups)),
      );
      if (!error) return decodeSloRows(data, 'Supabase RPC');
      if (!RPC_MISSING.has(error.code ?? '')) {
        if (error.code === '57014')
          throw new RuntimeError(
            `Supabase at ${this.settings.url.host}: the SLO read hit its statement timeout (${RPC_STATEMENT_TIMEOUT}, set by rpc.sql): install the rollups (tools/performance-monitoring/sql/rollup.sql) or shorten --slo-period`,
          );
        throw new RuntimeError(this.explain({ status, code: error.code ?? '', message: error.message ?? '' }, 'the SLO RPC'));
      }
      this.notice(
        `the ${SLO_RPC_NAME} RPC is not installed: the SLO period's rows are read and counted here (install tools/performance-monitoring/sql/rpc.sql).`,
      );
    }
    return this.sloViaRows(client, query);
  }

  private async sloViaRows(client: SupabaseClient, query: SloQuery): Promise<SloCounts> {
    const loader = await RowLoader.open();
    try {
      const start = new Date(Math.min(query.periodStart.getTime(), query.end.getTime() - SLO_SCAN_BACK_MS));
      const request = { table: this.settings.table, start, end: query.end, services: null };
      await this.call(() =>
        readAllRows(
          client,
          request,
          { rows: (rows) => loader.append(rows), estimate: () => {}, skipped: () => {} },
          new AbortController().signal,
        ),
      ).catch((error: unknown) => {
        if (error instanceof PageFailure)
          throw new RuntimeError(this.explain(error.failure, `reading ${this.settings.table} for the SLOs`));
        throw error;
      });
      const { skippedRows: _skipped, ...counts } = await loader.slo(query);
      return counts;
    } finally {
      loader.close();
    }
  }

  async close(): Promise<void> {}

  private async client(): Promise<SupabaseClient> {
    const [{ createClient }, { default: WebSocket }] = await Promise.all([import('@supabase/supabase-js'), import('ws')]);
    this.http = retryingFetch(this.settings.timeoutMs, { baseDelayMs: this.settings.retryBaseDelayMs });
    return createClient(this.settings.url.href, this.settings.key, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      // supabase-js needs a WebSocket transport on Node 20, even though no realtime channel is opened.
      realtime: { transport: WebSocket as never },
      global: { fetch: this.http.fetch },
    });
  }

  private async viaRpc(client: SupabaseClient, query: AggregateQuery): Promise<Aggregates | null> {
    const { data, error, status } = await this.call(
      async () => await client.rpc(RPC_NAME, rpcArguments(query, { exact: !this.settings.rollups })),
    );
    if (error) {
      if (RPC_MISSING.has(error.code ?? '')) {
        // Two lines of at most 100 columns with the sink's `perf-monitor: ` prefix (issue 16).
        this.notice(`the ${RPC_NAME} RPC is not installed: rows are read and aggregated here.`);
        this.notice('For aggregation in the database, install tools/performance-monitoring/sql/rpc.sql.');
        return null;
      }
      // PostgREST answers a statement timeout with HTTP 500 and SQLSTATE 57014 (not retried: net/fetch.ts).
      if (error.code === '57014') {
        throw new RuntimeError(
          `Supabase at ${this.settings.url.host}: the RPC hit its statement timeout (${RPC_STATEMENT_TIMEOUT}, set by rpc.sql; before PostgREST 12, the API role's: 8s by default): install the rollups (tools/performance-monitoring/sql/rollup.sql) or narrow --hours`,
        );
      }
      throw new RuntimeError(this.explain({ status, code: error.code ?? '', message: error.message ?? '' }, 'the RPC'));
    }
    const answer = decodeAggregateRows(data, 'Supabase RPC');
    if (query.services !== null && query.services.length > 1 && isEmpty(answer) && (await this.olderRpc(client, query.services, query))) {
      this.notice(`the installed ${RPC_NAME} RPC takes one --service only: rows are read and aggregated here.`);
      this.notice('For several services in the database, install tools/performance-monitoring/sql/rpc.sql again.');
      return null;
    }
    return answer;
  }

  /** Whether the RPC is one installed before --service sets (docs/sources.md). Such an RPC reads the
   *  joined names as one name and answers nothing; an empty answer for a set is the same as every
   *  one of its services having no rows, so it is checked name by name: a name with rows proves
   *  the older RPC. */
  private async olderRpc(client: SupabaseClient, services: readonly string[], query: AggregateQuery): Promise<boolean> {
    for (const name of services) {
      const { data, error, status } = await this.call(
        async () => await client.rpc(RPC_NAME, rpcArguments({ ...query, services: [name] }, { exact: !this.settings.rollups })),
      );
      if (error) throw new RuntimeError(this.explain({ status, code: error.code ?? '', message: error.message ?? '' }, 'the RPC'));
      if (!isEmpty(decodeAggregateRows(data, 'Supabase RPC'))) return true;
    }
    return false;
  }

  private async viaRows(client: SupabaseClient, query: AggregateQuery): Promise<SourceResult> {
    const loader = await RowLoader.open();
    const failed = (error: unknown) => {
      if (error instanceof PageFailure)
        throw new RuntimeError(this.explain(error.failure, `reading ${error.failure.table ?? this.settings.table}`));
      throw error;
    };
    try {
      // Rollups installed and covering some of the windows (and no --exact): their rows, and raw
      // rows only where they hold none (the edges, the hours after the watermark).
      const state =
        this.settings.rollups && rollupsMayAnswer(query, this.settings.table, 'operation rows')
          ? await this.call(() => readRollupState(client)).catch(failed)
          : null;
      const watermark = state?.watermark ?? null;
      const plan =
        watermark !== null && (await loader.rollupsCover(query, watermark))
          ? fallbackPlan(query, watermark, bucketSeconds(query.start, query.end))
          : null;
      let fetched = 0;
      let estimated = 0;
      let skippedRows = 0;
      const { progress } = this.settings;
      const fetchedRows = (rows: number) => {
        fetched += rows;
        progress?.(`fetched ${fetched.toLocaleString('en-US')} of ~${Math.max(estimated, fetched).toLocaleString('en-US')} rows`, false);
      };
      const request = {
        table: this.settings.table,
        start: query.previousStart,
        end: query.end,
        services: query.services,
        ranges: plan?.raw,
      };
      const raw = (stop: AbortSignal) =>
        readAllRows(
          client,
          request,
          {
            rows: (rows) => {
              loader.append(rows);
              fetchedRows(rows.length);
            },
            estimate: (rows) => (estimated += rows),
            skipped: (rows) => (skippedRows += rows),
          },
          stop,
        );
      if (plan) await loader.openRollups();
      const rollupRows =
        plan === null
          ? []
          : rollupReads(plan.rollup, plan.currentLo, query.services).map(
              (read) => (stop: AbortSignal) =>
                readRollupRows(
                  client,
                  read,
                  (rows) => {
                    loader.appendRollups(rows);
                    fetchedRows(rows.length);
                  },
                  stop,
                ),
            );
      await this.call(() => readTogether([raw, ...rollupRows])).catch(failed);
      progress?.(`fetched ${fetched.toLocaleString('en-US')} rows`, true);
      const { skippedRows: unreadableTimes, ...aggregates } =
        plan && watermark !== null ? await loader.aggregateWithRollups(query, watermark) : await loader.aggregate(query);
      skippedRows += unreadableTimes;
      if (skippedRows > 0)
        this.notice(`skipped ${skippedRows.toLocaleString('en-US')} rows with an unusable source, created_at or duration_ms`);
      // Installed but not read (empty, or ending before the windows): the coverage notice says so.
      const rollup = plan ? aggregates.rollup : state && { watermark: watermark === null ? null : watermark / 1000, hours: 0 };
      return { kind: this.kind, aggregation: plan ? 'rollup' : 'client', skippedRows, ...aggregates, rollup };
    } finally {
      loader.close();
    }
  }

  /** Network failures (after retries) become one line naming the source and the cause. */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof RuntimeError || error instanceof PageFailure) throw error;
      throw new RuntimeError(this.networkLine());
    }
  }

  private networkLine(): string {
    const failure = this.http?.lastFailure();
    const where = `Supabase at ${this.settings.url.host}`;
    const retried = failure && failure.attempts > 1 ? `, after ${failure.attempts} attempts` : '';
    if (failure?.kind === 'refused') {
      const hint = failure.redirect ? ' (set SUPABASE_URL to the address that answers)' : '';
      return `${where}: ${failure.detail}${hint}`;
    }
    if (failure?.kind === 'timeout') return `${where}: ${failure.detail} (PERFMON_TIMEOUT_MS)${retried}`;
    if (failure?.detail === 'ECONNREFUSED') return `${where}: connection refused${retried}`;
    return `${where}: request failed (${forServerText(failure?.detail ?? 'network error')})${retried}`;
  }

  private explain(failure: PageError, doing: string): string {
    const where = `Supabase at ${this.settings.url.host}`;
    // supabase-js reports network failures as an error with status 0; they were retried already.
    if (failure.status === 0) return this.networkLine();
    if (failure.status === 401 || failure.status === 403) {
      return `${where}: ${doing} was refused (HTTP ${failure.status}): check SUPABASE_SERVICE_ROLE_KEY is the project's service role key`;
    }
    if (failure.code === '42P01' || failure.code === 'PGRST205') {
      if (failure.table)
        return `${where}: table ${failure.table} not found: run tools/performance-monitoring/sql/rollup.sql again (or pass --exact)`;
      return `${where}: table ${this.settings.table} not found: run tools/performance-monitoring/sql/schema.sql (or set PERFMON_TABLE)`;
    }
    // The server's words, clipped and without control characters: it may send anything.
    const message = forServerText(String(failure.message ?? ''));
    if (failure.code === 'BAD_ANSWER') return `${where}: ${doing} got an unusable answer: ${message}`;
    const code = failure.code ? ` ${forServerText(String(failure.code), 40)}` : '';
    // A statement timeout (57014) is answered once: net/fetch.ts does not retry it.
    const retried = isRetryableStatus(failure.status) && failure.code !== '57014' ? `, after ${DEFAULT_ATTEMPTS} attempts` : '';
    return `${where}: ${doing} failed (HTTP ${failure.status}${code}${retried})${message ? `: ${message}` : ''}`;
  }
}
