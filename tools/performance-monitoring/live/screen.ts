// The terminal view's frame (docs/live.md): the report's lines clipped to the screen (long lines
// cut by the terminal itself: auto-wrap is off), a scroll position, and the status line. Built as
// one string and written at once inside a synchronized update, so a redraw never flickers.
import { forTerminalLine } from '../text/safe-text.js';
import { formatSeconds, type LiveState } from './loop.js';

export const ESC = {
  enter: '\u001b[?1049h\u001b[?25l\u001b[?7l',
  leave: '\u001b[?7h\u001b[?25h\u001b[?1049l',
  home: '\u001b[H',
  clearLine: '\u001b[K',
  clearBelow: '\u001b[J',
  syncStart: '\u001b[?2026h',
  syncEnd: '\u001b[?2026l',
  inverse: '\u001b[7m',
  reset: '\u001b[0m',
} as const;

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** `updated 14:03:05 UTC · next in 27s · took 180 ms · source postgres`, or what went wrong. */
export function statusLine(state: LiveState<unknown>, now: number, source: string): string {
  const parts: string[] = [];
  if (state.lastSuccessAt !== null) parts.push(`updated ${clock(state.lastSuccessAt)} UTC`);
  else parts.push(state.running ? 'first refresh…' : 'no report yet');
  if (state.running) parts.push('refreshing…');
  else if (state.nextAt !== null) parts.push(`next in ${formatSeconds(Math.max(0, Math.ceil((state.nextAt - now) / 1000)) * 1000)}`);
  if (state.lastDurationMs !== null) parts.push(`took ${state.lastDurationMs.toLocaleString('en-US')} ms`);
  parts.push(`source ${source}`);
  if (state.failure !== null) parts.push(`STALE: refresh failed ${clock(state.failure.at)} UTC: ${state.failure.cause}`);
  parts.push('q quit · ↑↓ scroll · r refresh');
  return parts.join(' · ');
}

/** The frame for a screen of `rows`; `lines` the rendered report, `top` the first line shown. */
export function frame(lines: string[], top: number, rows: number, status: string, notice: string | null): string {
  const bodyRows = Math.max(1, rows - (notice === null ? 1 : 2));
  const shown = lines.slice(top, top + bodyRows);
  let out = `${ESC.syncStart}${ESC.home}`;
  for (const line of shown) out += `${line}${ESC.reset}${ESC.clearLine}\r\n`;
  out += ESC.clearBelow;
  const more = lines.length > top + bodyRows ? ` · ${lines.length - top - bodyRows} more lines ↓` : '';
  if (notice !== null) out += `\u001b[${rows - 1};1H${forTerminalLine(notice)}${ESC.clearLine}`;
  out += `\u001b[${rows};1H${ESC.inverse}${forTerminalLine(status + more)}${ESC.clearLine}${ESC.reset}${ESC.syncEnd}`;
  return out;
}
