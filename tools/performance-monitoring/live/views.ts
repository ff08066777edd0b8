// What the server answers with: the bodies the refresh worker rendered from the latest report
// (remote.ts), each once per report, not per request: any number of clients cost one rendering
// per refresh, as they cost one source read (docs/live.md). Also the freshness the page shows.
import type { LiveState } from './loop.js';
import type { RemoteReport } from './remote.js';
import type { ViewName } from './worker-protocol.js';

export class Views {
  /** What was asked for since the last report: rendered with the next refresh, not on request. */
  private asked = new Set<ViewName>();

  constructor(private readonly state: LiveState<RemoteReport>) {}

  /** null before the first report. */
  get current(): RemoteReport | null {
    return this.state.report;
  }

  /** A body of the latest report (rendered by the worker on first use). */
  get(name: ViewName): Promise<Buffer> | null {
    const report = this.state.report;
    if (report === null) return null;
    this.asked.add(name);
    return report.get(name);
  }

  /** The answers to render with the next refresh: those asked for since the last one. */
  wanted(): ViewName[] {
    const names = [...this.asked];
    this.asked = new Set();
    return names;
  }

  /** The freshness the page shows, as ages (the browser's clock may differ from ours). */
  status(now: number, intervalMs: number): string {
    const { lastSuccessAt, failure } = this.state;
    return JSON.stringify({
      successAgoMs: lastSuccessAt === null ? null : now - lastSuccessAt,
      failure: failure === null ? null : { cause: failure.cause, agoMs: now - failure.at },
      intervalMs,
    });
  }
}
