// What the server answers with, rendered once per report (not per request): any number of
// clients cost one rendering per refresh, as they cost one source read (docs/live.md).
import { livePageParts, renderLivePage } from '../render/html-live.js';
import { renderJson } from '../render/json.js';
import { openMetricsFamilies } from '../render/openmetrics.js';
import type { Report } from '../report/types.js';
import type { LiveState } from './loop.js';

/** One report's answers, each rendered on first use: a scraper never pays for the page. */
class Rendered {
  private readonly memo = new Map<string, string>();

  constructor(
    readonly seq: number,
    private readonly report: Report,
  ) {}

  private once(key: string, render: () => string): string {
    let text = this.memo.get(key);
    if (text === undefined) {
      text = render();
      this.memo.set(key, text);
    }
    return text;
  }

  get json(): string {
    return this.once('json', () => renderJson(this.report));
  }
  get compactJson(): string {
    return this.once('compact', () => renderJson(this.report, { compact: true }).trimEnd());
  }
  get figures(): string {
    return this.once('figures', () => openMetricsFamilies(this.report));
  }
  get page(): string {
    return this.once('page', () => renderLivePage(this.report));
  }
  get pageEvent(): string {
    return this.once('pageEvent', () => JSON.stringify(livePageParts(this.report)));
  }
}

export class Views {
  private cached: Rendered | null = null;

  constructor(private readonly state: LiveState) {}

  /** null before the first report. */
  get current(): Rendered | null {
    const { report, reportSeq } = this.state;
    if (report === null) return null;
    if (this.cached?.seq !== reportSeq) this.cached = new Rendered(reportSeq, report);
    return this.cached;
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
