// safe-text.ts's own rules: one clip that never splits a surrogate pair, and one character class for every sink.
import { describe, expect, it } from 'vitest';
import { clip, clipLine, forMessage, forServerText, forTerminalLine } from '../text/safe-text.js';

describe('clip', () => {
  const emoji = '😀😁😂🤣😃'; // five code points, ten UTF-16 units

  it('counts code points and never splits a surrogate pair', () => {
    expect(clip(emoji, 3)).toBe('😀😁…');
    expect(clip(emoji, 5)).toBe(emoji);
    expect(clip(`a${emoji}`, 4)).toBe('a😀😁…');
    expect(clipLine(`${emoji}\n${emoji}`, 7)).toBe('😀😁😂🤣😃 …');
    expect(clip(emoji, 3, 'ends')).toBe('😀…😃');
  });

  it('a long server text cut at a pair still shows no half of it', () => {
    // The 8-unit prefix a max of 2 reads ends inside the pair; before, it showed a lone surrogate.
    expect(forServerText(`${' '.repeat(7)}😀${'y'.repeat(10)}`, 2)).toBe('');
  });
});

describe('one character class for every sink', () => {
  it('line and paragraph separators and NEL are line breaks on a terminal line', () => {
    expect(forTerminalLine('one\u2028two\u2029three\u0085four')).toBe('one two three four');
  });

  it('invisible format characters go from a terminal line and a server text, and are escaped in a message', () => {
    const hidden = 'a\u200bb\u00adc\ufeffd\u2061e';
    expect(forTerminalLine(hidden)).toBe('abcde');
    expect(forServerText(hidden)).toBe('a b c d e');
    expect(forMessage(hidden)).toBe("'a\\u200bb\\u00adc\\ufeffd\\u2061e'");
  });
});
