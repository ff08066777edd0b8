// One live refresh over a source kept open between refreshes (so files are tailed and database
// connections reused). A refresh the loop abandons (deadline, shutdown) takes its source with it:
// the next refresh opens a new one rather than queue behind a query that may never answer.
import type { Notices } from '../base/notices.js';
import { produceReport } from '../refresh.js';
import type { Report } from '../report/types.js';
import type { Settings } from '../settings.js';
import { createSource } from '../sources/create.js';
import type { Source } from '../sources/types.js';
import { Reclaimer } from './reclaim.js';

export class Refresher {
  private source: Source | null = null;
  /** Abandoned sources still closing. */
  private readonly closing = new Set<Promise<void>>();
  /** Frees finished DuckDB results between refreshes (reclaim.ts). */
  private readonly reclaimer = new Reclaimer();

  constructor(
    private readonly settings: Settings,
    private readonly notices: Notices,
  ) {}

  readonly refresh = async (signal: AbortSignal): Promise<Report> => {
    this.source ??= await createSource(this.settings.source, this.notices, { live: true });
    const source = this.source;
    const work = produceReport(this.settings, source, { now: () => new Date(), notices: this.notices });
    const abandon = () => {
      if (this.source === source) this.source = null;
      // A database client ends its connection now (the query dies with it); DuckDB is closed
      // once its query returns, as closing it under a running query is not safe.
      const closed =
        source.kind === 'postgres' || source.kind === 'supabase'
          ? source.close()
          : work.then(
              () => source.close(),
              () => source.close(),
            );
      const tracked = closed.catch(() => {}).finally(() => this.closing.delete(tracked));
      this.closing.add(tracked);
    };
    signal.addEventListener('abort', abandon, { once: true });
    try {
      return await work;
    } finally {
      signal.removeEventListener('abort', abandon);
      this.reclaimer.afterRefresh();
    }
  };

  /** Closes the source (and waits, up to `ms`, for abandoned ones). */
  async close(ms: number): Promise<void> {
    const source = this.source;
    this.source = null;
    const all = Promise.all([source?.close(), ...this.closing]).catch(() => {});
    await Promise.race([all, new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);
  }
}
