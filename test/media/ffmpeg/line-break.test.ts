/** The line breaker is pure: its laws are checked on random text, Latin, CJK and words longer than a line. */
import { expect } from 'chai';
import fc from 'fast-check';
import { textEm, wrapText } from '../../../src/adapters/ffmpeg/index.ts';

/** Words of Latin letters (some longer than any line), CJK characters and punctuation, separated by spaces or nothing. */
const piece = fc.oneof(
  fc.stringMatching(/^[a-zA-Z]{1,12}$/),
  fc.stringMatching(/^[a-z0-9]{20,60}$/), // a URL-like run wider than a line
  fc.stringMatching(/^[\u4e00-\u9fa5]{1,8}$/),
  fc.constantFrom('，', '。', '（', '）', '「', '」', ',', '.', '!', '?', '(', ')', '%'),
);
const paragraph = fc.array(fc.tuple(piece, fc.constantFrom(' ', '', '  ')), { minLength: 1, maxLength: 30 })
  .map((parts) => parts.map(([p, sep]) => p + sep).join('').trim());
const text = fc.array(paragraph, { minLength: 1, maxLength: 3 }).map((ps) => ps.join('\n'));
/** Widths from under one CJK character to a wide line. */
const width = fc.double({ min: 1, max: 40, noNaN: true });

const visible = (s: string) => s.replace(/\s+/g, '');

describe('line breaking', () => {
  it('never makes a line wider than the width it was given', () => {
    fc.assert(fc.property(text, width, (t, w) => {
      for (const line of wrapText(t, w)) expect(textEm(line), JSON.stringify(line)).to.be.at.most(w + 1e-9);
    }));
  });

  it('keeps every character, in order: the lines joined are the text without its whitespace', () => {
    fc.assert(fc.property(text, width, (t, w) => {
      expect(visible(wrapText(t, w).join(''))).to.equal(visible(t));
    }));
  });

  it('breaks only between words for Latin text, never inside a word that fits on a line', () => {
    const words = fc.array(fc.stringMatching(/^[a-z]{1,10}$/), { minLength: 1, maxLength: 20 });
    fc.assert(fc.property(words, fc.double({ min: 8, max: 40, noNaN: true }), (ws, w) => {
      const lines = wrapText(ws.join(' '), w);
      expect(lines.flatMap((l) => l.split(' '))).to.deep.equal(ws);
    }));
  });

  it('keeps the text\'s own line breaks', () => {
    fc.assert(fc.property(fc.array(paragraph, { minLength: 2, maxLength: 4 }), width, (ps, w) => {
      expect(wrapText(ps.join('\n'), w).length).to.be.at.least(ps.length);
    }));
  });

  it('never starts a line with closing CJK punctuation when the text gave it a character to hold on to', () => {
    expect(wrapText('你好，世界。我们一起走吧。', 3).some((l) => /^[，。]/.test(l))).to.equal(false);
  });
});
