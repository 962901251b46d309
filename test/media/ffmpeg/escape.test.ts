/** Escaping for filter graphs, ASS text and concat lists: pure functions, checked on the characters that break them. */
import path from 'node:path';
import { expect } from 'chai';
import { assText, concatListEntry, escapeFilterPath, escapeFilterValue } from '../../../src/adapters/ffmpeg/index.ts';

const NASTY = String.raw`It's 5:00 \ 100% {bold} %{pts} [in]; a,b`;
const CJK = '你好，世界';
/** What the ASS Text field must hold for NASTY + newline + CJK: braces escaped, the line break as \N. */
const NASTY_IN_ASS = String.raw`It's 5:00 \ 100% \{bold\} %\{pts\} [in]; a,b` + String.raw`\N` + CJK;

describe('ffmpeg escaping', () => {
  it('escapes a path for both the filter-graph and the filter-option parser', () => {
    expect(escapeFilterValue("/tmp/it's [a],b;c:d")).to.equal(String.raw`/tmp/it\\\'s\\\ \[a\]\,b\;c\\:d`);
    expect(escapeFilterValue(String.raw`C:\x`)).to.equal(String.raw`C\\:\\\\x`);
    expect(escapeFilterPath('relative.ass')).to.equal(escapeFilterValue(path.resolve('relative.ass')));
  });

  it('escapes only what ASS reads as markup', () => {
    expect(assText(`${NASTY}\n${CJK}`)).to.equal(NASTY_IN_ASS);
    // A literal backslash-N must not become a line break: an invisible word joiner separates them.
    expect(assText(String.raw`a\N b\n c\h`)).to.equal('a\\\u2060N b\\\u2060n c\\\u2060h');
    expect(assText('one\r\ntwo\rthree')).to.equal(String.raw`one\Ntwo\Nthree`);
  });

  it('quotes a concat list entry, writing a quote as a closed, escaped and reopened quote', () => {
    expect(concatListEntry("/tmp/it's.mp4")).to.equal(String.raw`file '/tmp/it'\''s.mp4'`);
    expect(concatListEntry('rel.mp4')).to.equal(`file '${path.resolve('rel.mp4')}'`);
    expect(() => concatListEntry('/tmp/a\nb.mp4')).to.throw(RangeError);
  });
});
