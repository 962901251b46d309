/** Caption styles and layouts as ASS documents: pure, checked on the documents' own events. */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  CAPTION_LAYOUTS, type CaptionLayoutName, type CaptionStyle, captionsAss, type Cue, type CueWord, resolveCaptionLayout, textEm,
} from '../../../src/adapters/ffmpeg/index.ts';
import { BOTTOM_BAND } from '../../../src/adapters/illustrations/picture.ts';
import { CAPTION_LINE_HEIGHT, karaokeCentis, PORTRAIT_SAFE_BOTTOM, PORTRAIT_SAFE_TOP, POP_MAX_WORDS } from '../../../src/adapters/ffmpeg/ass.ts';

interface Event {
  start: number;
  end: number;
  text: string;
}

function assSeconds(t: string): number {
  const [h, m, s] = t.split(':');
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

function events(ass: string): Event[] {
  return ass.split('\n').filter((l) => l.startsWith('Dialogue: ')).map((l) => {
    const fields = l.slice('Dialogue: '.length).split(',');
    return { start: assSeconds(fields[1]!), end: assSeconds(fields[2]!), text: fields.slice(9).join(',') };
  });
}

/** The lines shown by an event, override tags removed and escapes undone, with the font size it sets. */
function shownLines(text: string, fontSize: number): { lines: string[]; fontSize: number } {
  const fs = /\{\\fs(\d+)\}/.exec(text);
  const lines = text.replace(/\{[^}]*\}/g, '').split('\\N').map((l) => l.replace(/\\([{}])/g, '$1').replace(/\\\u2060/g, '\\'));
  return { lines, fontSize: fs ? Number(fs[1]) : fontSize };
}

/** Words with times, spaces kept, as SubtitleBuilder makes them. */
function timedWords(text: string, startSec: number, perWordSec: number): CueWord[] {
  return text.split(/(?=\s)/).map((w, i) => ({ text: w, startSec: startSec + i * perWordSec, endSec: startSec + (i + 1) * perWordSec - 0.05 }));
}

describe('caption styles', () => {
  const cue: Cue = { text: 'Night trains cross Europe while passengers sleep', startSec: 1.23, endSec: 5.0, words: timedWords('Night trains cross Europe while passengers sleep', 1.23, 0.5) };

  it('karaoke: one \\k per word, starting when the word is spoken, adding up to the line time', () => {
    const [event, ...rest] = events(captionsAss(1080, 1920, [cue], 'Sans', Infinity, { style: 'karaoke' }));
    expect(rest).to.have.length(0);
    const ks = [...event!.text.matchAll(/\{\\k(\d+)\}/g)].map((m) => Number(m[1]));
    expect(ks).to.have.length(cue.words!.length);
    expect(ks.reduce((a, b) => a + b, 0)).to.equal(Math.round((event!.end - event!.start) * 100));
    expect(event!.end - event!.start).to.be.closeTo(cue.endSec - cue.startSec, 0.011);
    let at = event!.start;
    ks.forEach((k, i) => {
      expect(at, cue.words![i]!.text).to.be.closeTo(cue.words![i]!.startSec, 0.011);
      at += k / 100;
    });
    // Every word is there once, in order.
    expect(shownLines(event!.text, 0).lines.join(' ').replace(/\s+/g, ' ')).to.equal(cue.text);
  });

  it('karaoke rounds durations so they always add up, even for words closer than a centisecond', () => {
    const words: CueWord[] = [0, 0.004, 0.012, 0.5, 0.5, 1.333].map((t, i) => ({ text: ` w${i}`, startSec: t, endSec: t + 0.2 }));
    const centis = karaokeCentis(words, 0, 2.005);
    expect(centis.every((c) => c >= 0)).to.equal(true);
    expect(centis.reduce((a, b) => a + b, 0)).to.equal(201);
  });

  it('pop: at most three words an event, one after the other, each shown when its first word is spoken', () => {
    const shown = events(captionsAss(1080, 1920, [cue], 'Sans', Infinity, { style: 'pop' }));
    expect(shown.length).to.be.at.least(Math.ceil(cue.words!.length / POP_MAX_WORDS));
    const seen: string[] = [];
    for (const [i, e] of shown.entries()) {
      const words = shownLines(e.text, 0).lines.join(' ').trim().split(/\s+/);
      expect(words.length, e.text).to.be.within(1, POP_MAX_WORDS);
      const first = cue.words![seen.length]!;
      expect(e.start).to.be.closeTo(first.startSec, 0.011);
      if (i > 0) expect(e.start).to.be.at.least(shown[i - 1]!.end - 1e-9);
      seen.push(...words);
    }
    expect(seen.join(' ')).to.equal(cue.text);
  });

  it('pop shows Chinese up to six characters at a time, a character counting half a word', () => {
    const text = '世界各地的城市正在街道上种树';
    const words = [...text].map((c, i) => ({ text: c, startSec: i * 0.25, endSec: i * 0.25 + 0.2 }));
    const shown = events(captionsAss(1080, 1920, [{ text, startSec: 0, endSec: 4, words }], 'Sans', Infinity, { style: 'pop' }));
    expect(shown.map((e) => shownLines(e.text, 0).lines.join(''))).to.deep.equal(['世界各地的城', '市正在街道上', '种树']);
  });

  it('pop starts a new group after a clause ends', () => {
    const text = 'Yes, trains run all night.';
    const shown = events(captionsAss(1080, 1920, [{ text, startSec: 0, endSec: 3, words: timedWords(text, 0, 0.4) }], 'Sans', Infinity, { style: 'pop' }));
    expect(shownLines(shown[0]!.text, 0).lines.join(' ')).to.equal('Yes,');
  });

  it('shows a cue without word times whole, whatever the style', () => {
    for (const style of ['sentence', 'karaoke', 'pop'] as const) {
      const shown = events(captionsAss(1280, 720, [{ text: 'No words here', startSec: 0, endSec: 2 }], 'Sans', Infinity, { style }));
      expect(shown.map((e) => e.text)).to.deep.equal(['No words here']);
    }
  });

  it('sets each layout as its own style: an outline, a translucent box, a large font', () => {
    const style = (layout: CaptionLayoutName) => captionsAss(1080, 1920, [cue], 'Sans', Infinity, { style: 'sentence', layout }).split('\n').find((l) => l.startsWith('Style: '))!.split(',');
    const [classic, boxed, bold] = CAPTION_LAYOUTS.map(style);
    // Fields: 2 Fontsize, 6 BackColour, 15 BorderStyle.
    expect(classic![15]).to.equal('1');
    expect(boxed![15]).to.equal('4');
    expect(boxed![6]).to.match(/^&H[1-9A-E][0-9A-F]000000$/); // translucent black
    expect(Number(bold![2])).to.be.greaterThan(Number(classic![2]) * 1.3);
  });
});

describe('caption layout', () => {
  const piece = fc.oneof(
    fc.stringMatching(/^[a-zA-Z]{1,12}$/),
    fc.stringMatching(/^[a-z0-9]{20,60}$/),
    fc.stringMatching(/^[\u4e00-\u9fa5]{1,10}$/),
    fc.constantFrom('，', '。', ',', '.', '!', '?', '(', ')', '—'),
  );
  const sentence = fc.array(fc.tuple(piece, fc.constantFrom(' ', '', ' ')), { minLength: 1, maxLength: 24 })
    .map((parts) => parts.map(([p, sep]) => p + sep).join('').trim())
    .filter((t) => t !== '');
  const even = (min: number, max: number) => fc.integer({ min: min / 2, max: max / 2 }).map((n) => n * 2);
  const frame = fc.oneof(
    fc.tuple(even(240, 1080), even(426, 1920)).filter(([w, h]) => h > w), // portrait
    fc.tuple(even(320, 1920), even(240, 1080)), // landscape or square
  );
  const style = fc.constantFrom<CaptionStyle>('sentence', 'karaoke', 'pop');
  const layout = fc.constantFrom<CaptionLayoutName>(...CAPTION_LAYOUTS);

  it('never sets a line wider than the frame at its font size, for Latin, CJK and long words', () => {
    fc.assert(fc.property(sentence, frame, style, layout, (text, [width, height], s, l) => {
      const words = text.split(/(?=\s)|(?<=[\u4e00-\u9fa5])(?=[\u4e00-\u9fa5])/).map((w, i) => ({ text: w, startSec: i * 0.3, endSec: i * 0.3 + 0.25 }));
      const resolved = resolveCaptionLayout(width, height, { style: s, layout: l });
      for (const e of events(captionsAss(width, height, [{ text, startSec: 0, endSec: words.length * 0.3 + 0.5, words }], 'Sans', Infinity, { style: s, layout: l }))) {
        const { lines, fontSize } = shownLines(e.text, resolved.fontSize);
        for (const line of lines) expect(textEm(line) * fontSize, `${line} at ${fontSize}px in ${width}x${height}`).to.be.at.most(width - 2 * resolved.marginX + 1e-6);
      }
    }));
  });

  it('keeps captions of every style, two lines of pop included, inside the band a scene picture leaves below its key phrase', () => {
    // Once seen: two lines of pop ("Every single / detail") set over the key phrase of an illustrated scene.
    const text = 'Every single detail matters when extraordinary mornings begin';
    const words = text.split(/(?=\s)/).map((w, i) => ({ text: w, startSec: i * 0.3, endSec: i * 0.3 + 0.25 }));
    for (const [width, height, band] of [[1080, 1920, BOTTOM_BAND.portrait], [540, 960, BOTTOM_BAND.portrait], [1920, 1080, BOTTOM_BAND.landscape]] as const) {
      for (const s of ['sentence', 'karaoke', 'pop'] as CaptionStyle[]) {
        const resolved = resolveCaptionLayout(width, height, { style: s });
        for (const e of events(captionsAss(width, height, [{ text, startSec: 0, endSec: 5, words }], 'Sans', Infinity, { style: s }))) {
          const { lines, fontSize } = shownLines(e.text, resolved.fontSize);
          if (s === 'pop') expect(lines.length, `${s} in ${width}x${height}`).to.be.at.most(2);
          if (lines.length > 2) continue; // a whole sentence may take three lines in a wide frame; pop never does
          const top = height - resolved.marginV - lines.length * fontSize * CAPTION_LINE_HEIGHT - resolved.outline;
          expect(top, `${s}: ${lines.join(' / ')} in ${width}x${height}`).to.be.at.least(height * (1 - band) - 1e-6);
        }
      }
    }
  });

  it('keeps portrait captions out of the bottom 20 % and the top 12 % of the frame', () => {
    // Once a counterexample: a long sentence in a frame barely taller than wide ran over the top (now paged).
    const long = 'AaAaA a0aa000000a0a0aa0aaa00aa a0a00a0aaa0a0a0a0a0a ， 一一一一 a0a00a0aaa0a000a000aaaaa0aaa a 000a0000aa0aaaaaaa0a0aaaa000 一 0aa0a00aaaa0a0a0aaa00a0000aa0';
    for (const [s, l] of [['sentence', 'bold'], ['karaoke', 'boxed'], ['pop', 'classic']] as Array<[CaptionStyle, CaptionLayoutName]>) {
      const resolved = resolveCaptionLayout(416, 426, { style: s, layout: l });
      const words = long.split(/(?=\s)/).map((w, i) => ({ text: w, startSec: i * 0.3, endSec: i * 0.3 + 0.25 }));
      for (const e of events(captionsAss(416, 426, [{ text: long, startSec: 0, endSec: 60, words }], 'Sans', Infinity, { style: s, layout: l }))) {
        const { lines, fontSize } = shownLines(e.text, resolved.fontSize);
        expect(426 - resolved.marginV - lines.length * fontSize * CAPTION_LINE_HEIGHT - resolved.outline, `${s} ${l}`).to.be.at.least(426 * PORTRAIT_SAFE_TOP - 1e-6);
      }
    }
    fc.assert(fc.property(sentence, frame.filter(([w, h]) => h > w), style, layout, (text, [width, height], s, l) => {
      const resolved = resolveCaptionLayout(width, height, { style: s, layout: l });
      expect(resolved.marginV - resolved.outline - resolved.shadow).to.be.at.least(height * PORTRAIT_SAFE_BOTTOM - 1);
      const words = text.split(/(?=\s)/).map((w, i) => ({ text: w, startSec: i * 0.3, endSec: i * 0.3 + 0.25 }));
      for (const e of events(captionsAss(width, height, [{ text, startSec: 0, endSec: 60, words }], 'Sans', Infinity, { style: s, layout: l }))) {
        const { lines, fontSize } = shownLines(e.text, resolved.fontSize);
        const top = height - resolved.marginV - lines.length * fontSize * CAPTION_LINE_HEIGHT - resolved.outline;
        expect(top, `${lines.length} lines at ${fontSize}px in ${width}x${height}`).to.be.at.least(height * PORTRAIT_SAFE_TOP - 1e-6);
      }
    }));
  });
});
