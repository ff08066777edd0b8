// A user's value as it may appear in a one-line message: quoted, escaped and clipped (issue 14 item 7).
// A value can hold a newline (two-line error), terminal escape sequences (`\e[2J` clears the
// screen) or 100 KB of text; echoed raw, each breaks SPEC §7's "one clear line".

/** Longest shown value, in characters of the escaped form (the ellipsis not counted). */
export const SHOWN_MAX = 80;

// JSON.stringify escapes C0 controls, `"` and `\`; these it leaves alone, yet terminals act on
// them: DEL, C1 controls (U+009B is a one-byte CSI), line/paragraph separators, bidi controls.
const INVISIBLE = /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

/** JSON-style escapes (`\n`, `\u001b`; lone surrogates as `\ud800`), without the outer quotes. */
export function escaped(value: string): string {
  return JSON.stringify(value)
    .slice(1, -1)
    .replace(/\\"/g, '"')
    .replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The escaped form cut to `max` characters, never inside an escape or a surrogate pair. */
function clip(text: string, max: number, keep: 'start' | 'ends'): string {
  const units = tokens(text);
  if (units.length <= max) return text;
  if (keep === 'start') return `${units.slice(0, max).join('')}…`;
  const head = Math.ceil(max / 2);
  return `${units.slice(0, head).join('')}…${units.slice(units.length - (max - head)).join('')}`;
}

/** An escaped text split into what must not be cut: `\uXXXX`, `\n`, or one code point. */
function tokens(text: string): string[] {
  return text.match(/\\u[0-9a-f]{4}|\\.|[\s\S]/gu) ?? [];
}

/** `'value'`, escaped and clipped to ~80 characters with `…`: always one line. */
export function shownValue(value: string, max = SHOWN_MAX): string {
  return `'${clip(escaped(value), max, 'start')}'`;
}

/** A path as shownValue, but a long one keeps its start and its end (the file's name). */
export function shownPath(path: string, max = SHOWN_MAX): string {
  return `'${clip(escaped(path), max, 'ends')}'`;
}

/** Free text (a reader's error, a line of a file) escaped and clipped, without quotes. */
export function shownText(text: string, max = 200): string {
  return clip(escaped(text), max, 'start');
}
