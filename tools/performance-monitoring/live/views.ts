// What the server answers with, rendered once per report (not per request): any number of
// clients cost one rendering per refresh, as they cost one source read (docs/live.md).
import { livePageParts, renderLivePage } from '../render/html-live.js';
import { renderJson } from '../render/json.js';
import { renderOpenMetrics } from '../render/openmetrics.js';
import type { LiveState } from './loop.js';

interface Rendered {
  seq: number;
  json: string;
  compactJson: string;
  figures: string;
  page: string;
  pageEvent: string;
}

export class Views {
  private cached: Rendered | null = null;

  constructor(private readonly state: LiveState) {}

  /** null before the first report. */
  get current(): Rendered | null {
    const { report, reportSeq } = this.state;
    if (report === null) return null;
    if (this.cached?.seq !== reportSeq) {
      this.cached = {
        seq: reportSeq,
        json: renderJson(report),
        compactJson: renderJson(report, { compact: true }).trimEnd(),
        figures: renderOpenMetrics(report),
        page: renderLivePage(report),
        pageEvent: JSON.stringify(livePageParts(report)),
      };
    }
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
