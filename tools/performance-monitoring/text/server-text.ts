// Text a server sent, made fit for one stderr line: control characters removed, clipped.
// A hostile or broken server must not be able to draw on the terminal or fill the log.

/** About 200 characters of a server's text is enough to recognise an error page or message. */
export const SHOWN_CHARS = 200;

// C0/C1 controls (newlines, ESC, BEL, ...), line/paragraph separators and the bidi overrides
// that would make a line read differently from what it holds.
const UNSAFE = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]+/gu;

export function shownText(text: string, max: number = SHOWN_CHARS): string {
  // Clip a generous prefix first: the text may be a 64 KiB error page.
  const clean = text.slice(0, max * 4).replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  const chars = Array.from(clean);
  return chars.length <= max ? clean : `${chars.slice(0, max - 1).join('')}…`;
}
