// The live page of --serve (docs/live.md): §16's self-contained page plus a status bar ("updated
// N s ago", a stale banner) and a script that swaps each new report in from /events. Its CSP
// adds one connection, to its own origin; every URL is relative, so a path prefix works.
import type { Report } from '../report/types.js';
import { asset, type PageParts, pageDocument, pageParts } from './html.js';

const STATUS_BAR = `<div id="perfmon-live" class="live-ok" role="status" aria-live="polite">
<style>#perfmon-live{position:sticky;top:0;z-index:10;font:14px system-ui,sans-serif;background:#f8fafc;border-bottom:1px solid #cbd5e1;padding:4px 12px}
#perfmon-live.live-stale{background:#fef3c7}#perfmon-stale{display:block;color:#92400e;font-weight:600}#perfmon-stale[hidden]{display:none}</style>
<span id="perfmon-updated">waiting for the first report</span>
<span id="perfmon-stale" hidden></span>
</div>
`;

/** The page as served at `/`, with the latest report. */
export function renderLivePage(report: Report): string {
  return pageDocument(report, pageParts(report), { connectSelf: true, body: STATUS_BAR, script: asset('live.js') });
}

/** What an `event: page` carries: the parts the script swaps in. */
export function livePageParts(report: Report): PageParts {
  return pageParts(report);
}
