// Untrusted text (a user's value, a server's body, log text) made fit for the one place it goes:
// one character class of what must not reach a reader raw, one clip, and one named variant per sink.
// Values and log text can hold newlines, terminal escape sequences (`\e[2J` clears the screen),
// bidi overrides or 100 KB; echoed raw, each breaks docs/cli.md's "one clear line" or §9's inert text.

// What terminals act on or readers cannot see: one class for every sink, the union of the four
// sets it replaces (the message escaper of issue 14 item 7, the server-text scrubber and the two
// log-text scrubbers of the renderers), so no sink lets through what another one catches.
// - C0 controls, DEL and C1 controls: ESC starts sequences that move the cursor, recolour, retitle
//   or clear; U+009B is a one-byte CSI; BEL rings; CR overwrites the line; NEL (U+0085) breaks it.
// - U+2028/U+2029, line and paragraph separators: a line break to many viewers (and JavaScript).
// - Bidi controls (U+061C, U+200E/F, U+202A-E, U+2066-9): they reorder what the reader sees, so a
//   line reads differently from what it holds ("Trojan Source").
// - The other invisible format characters (soft hyphen, U+180E, zero-width space/joiners, word
//   joiner and invisible operators U+2060-F, BOM, interlinear annotations U+FFF9-B): they hide or
//   disguise text, e.g. a value that looks like `--json` but is not.
const TERMINAL_ACTS =
  '\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u061c\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\ufeff\\ufff9-\\ufffb';
const ACTS = new RegExp(`[${TERMINAL_ACTS}]`, 'g');
const ACTS_RUN = new RegExp(`[${TERMINAL_ACTS}]+`, 'g');
/** The members of the class that end a line: on a one-line sink they become a space, not nothing. */
const LINE_BREAK_RUN = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;

/** Longest shown value, in characters of the escaped form (the ellipsis not counted). */
export const SHOWN_MAX = 80;
/** About 200 characters of a server's text is enough to recognise an error page or message. */
export const SERVER_TEXT_MAX = 200;

// --- clipping -------------------------------------------------------------------------------

/** `units` cut to `kept` of them plus `…`; 'ends' keeps the start and the end (a file's name). */
function cut(units: string[], kept: number, keep: 'start' | 'ends'): string {
  if (keep === 'start') return `${units.slice(0, kept).join('')}…`;
  const head = Math.ceil(kept / 2);
  return `${units.slice(0, head).join('')}…${units.slice(units.length - (kept - head)).join('')}`;
}

/**
 * At most `max` code points, the `…` counted: a cut never splits a surrogate pair (half an emoji
 * would print as U+FFFD or make the JSON report invalid UTF-8).
 */
export function clip(text: string, max: number, keep: 'start' | 'ends' = 'start'): string {
  const units = Array.from(text);
  return units.length <= max ? text : cut(units, Math.max(0, max - 1), keep);
}

/** Whitespace runs (newlines, tabs) made one space, trimmed, then clipped: one line of text. */
export function clipLine(text: string, max: number): string {
  return clip(text.replace(/\s+/g, ' ').trim(), max);
}

/** An escaped text split into what must not be cut: `\uXXXX`, `\n`, or one code point. */
function escapeUnits(text: string): string[] {
  return text.match(/\\u[0-9a-f]{4}|\\.|[\s\S]/gu) ?? [];
}

/** The escaped form cut to `max` units plus `…`, never inside an escape or a surrogate pair. */
function clipEscaped(text: string, max: number, keep: 'start' | 'ends'): string {
  const units = escapeUnits(text);
  return units.length <= max ? text : cut(units, max, keep);
}

// --- one-line messages (stderr) -----------------------------------------------------------

/** JSON-style escapes (`\n`, `\u001b`; lone surrogates as `\ud800`), without the outer quotes. */
export function escaped(value: string): string {
  // JSON.stringify escapes C0 controls, `"` and `\`; the rest of the class it leaves alone.
  return JSON.stringify(value)
    .slice(1, -1)
    .replace(/\\"/g, '"')
    .replace(ACTS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A user's value in a one-line message: `'value'`, escaped and clipped to ~80 characters. */
export function forMessage(value: string, max = SHOWN_MAX): string {
  return `'${clipEscaped(escaped(value), max, 'start')}'`;
}

/** A path as forMessage, but a long one keeps its start and its end (the file's name). */
export function forPath(path: string, max = SHOWN_MAX): string {
  return `'${clipEscaped(escaped(path), max, 'ends')}'`;
}

/** Free text (a reader's error, a line of a file) escaped and clipped, without quotes. */
export function forMessageText(text: string, max = 200): string {
  return clipEscaped(escaped(text), max, 'start');
}

/**
 * Text a server sent (an error body, a database message) in one stderr line: the class becomes
 * spaces and is not escaped, since it is prose to read, not a value to retype; then clipped.
 * A hostile or broken server must not be able to draw on the terminal or fill the log.
 */
export function forServerText(text: string, max: number = SERVER_TEXT_MAX): string {
  // Clip a generous prefix first: the text may be a 64 KiB error page. Not inside a pair either.
  let head = text.length > max * 4 ? text.slice(0, max * 4) : text;
  if (head !== text && /[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1);
  return clip(head.replace(ACTS_RUN, ' ').replace(/\s+/g, ' ').trim(), max);
}

// --- reports -------------------------------------------------------------------------------

/** Log text for one terminal line of a report: breaks become spaces, the rest of the class goes. */
export function forTerminalLine(text: string): string {
  return text.replace(LINE_BREAK_RUN, ' ').replace(ACTS, '');
}

/**
 * Slack treats `&`, `<` and `>` as control characters (`<!channel>`, `<url|label>`); its
 * formatting docs say to send them as HTML entities. `*bold*`/`_x_` stay cosmetic: Slack has no
 * escape for them and they cannot ping anyone or add a link. Clip before, so no entity is cut.
 */
export function forMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text as inert HTML (element content or a quoted attribute). Clip before, so no entity is cut. */
export function forHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

// Characters that start inline syntax mid-line (emphasis, code, links and images, HTML,
// strikethrough, GitHub's $math$), `|` for tables, `&` for entities, and `:` and `@` so GFM's
// autolinks (`https://…`, `a@b.c`) never form. Log text never starts a line there (it follows a
// bullet or sits in a cell), so `#`, `-`, `+` and `1.` need nothing. A backslash before ASCII
// punctuation is a literal in CommonMark.
const MARKDOWN_SPECIAL = /[\\`*_[\]<>|~&!$@]/g;
/** `www.` starts an autolink without a colon. */
const WWW = /\b(www)\./gi;
/** A colon starts an autolink only after a scheme (`https://`, `mailto:`): escaped there alone,
 *  so times (`20:00:00`) and `service: message` read plainly in a job summary. */
const SCHEME_COLON = /\b([a-z][a-z0-9+.-]*):(?=\/\/)|\b(mailto|xmpp):/gi;

/** Log text as literal GitHub Markdown on one line: the class gone, clipped, every special escaped. */
export function forMarkdown(text: string, max: number): string {
  return clip(forTerminalLine(text).trim(), max)
    .replace(MARKDOWN_SPECIAL, (c) => `\\${c}`)
    .replace(SCHEME_COLON, (_match, scheme: string | undefined, mail: string | undefined) => `${scheme ?? mail}\\:`)
    .replace(WWW, '$1\\.');
}

/**
 * Joins lines under `limit` characters; what does not fit becomes "…and N more", so a long
 * list never breaks Slack's per-text limit nor silently loses items.
 */
export function fitLines(lines: string[], limit: number, separator = '\n'): string {
  const kept: string[] = [];
  let length = 0;
  for (const [index, line] of lines.entries()) {
    const remaining = lines.length - index - 1;
    const tail = remaining > 0 ? `${separator}…and ${remaining} more`.length : 0;
    const added = (kept.length > 0 ? separator.length : 0) + line.length;
    if (length + added + tail > limit) {
      const more = `…and ${lines.length - index} more`;
      return kept.length > 0 ? `${kept.join(separator)}${separator}${more}` : more;
    }
    kept.push(line);
    length += added;
  }
  return kept.join(separator);
}
