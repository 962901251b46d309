/** SubtitleBuilder's cues from word-timed speech, and which caption style a task gets. */
import { expect } from 'chai';
import { captionsFor, cuesForScene, lineWords, wordsOfLines } from '../../src/pipeline/handlers/subtitle-build.ts';
import type { SpokenScene } from '../../src/pipeline/handlers/speech-synthesize.ts';
import type { SpokenWord } from '../../src/providers/types.ts';

function spokenWords(text: string, startSec: number, perWordSec: number): SpokenWord[] {
  return text.split(' ').map((w, i) => ({ text: w, start_sec: startSec + i * perWordSec, end_sec: startSec + (i + 1) * perWordSec - 0.04 }));
}

describe('captions from word-timed speech', () => {
  it('cuts a line into words with the space before each, punctuation kept with its word', () => {
    expect(lineWords('Night trains — again, at 9.')).to.deep.equal(['Night', ' trains —', ' again,', ' at', ' 9.']);
    expect(lineWords('“夜车”很好。')).to.deep.equal(['“夜', '车”', '很', '好。']);
    expect(lineWords('Night trains — again, at 9.').join('')).to.equal('Night trains — again, at 9.');
  });

  it('starts each line when its first word is spoken and gives it its words', () => {
    const text = 'The night train from Vienna to Hamburg crosses three borders before the passengers wake up in the morning.';
    const words = spokenWords(text, 0.1, 0.3);
    const scene: SpokenScene = { index: 0, audio: 'x.wav', duration_sec: 7, sentences: [{ text, start_sec: 0, end_sec: 6.5, words }] };
    const cues = cuesForScene(scene, 'en');
    expect(cues.length).to.be.greaterThan(1);
    let at = 0;
    for (const [i, cue] of cues.entries()) {
      expect(cue.words!.map((w) => w.text).join('')).to.equal(cue.text);
      const count = cue.words!.length;
      expect(cue.startSec).to.be.closeTo(words[at]!.start_sec, 1e-9);
      cue.words!.forEach((w, j) => expect(w.startSec).to.be.closeTo(words[at + j]!.start_sec, 1e-9));
      at += count;
      expect(cue.endSec).to.be.closeTo(i + 1 < cues.length ? words[at]!.start_sec : 6.5, 1e-9);
    }
    expect(at).to.equal(words.length);
  });

  it('times line words from the engine\'s words letter by letter when they are cut differently', () => {
    // The engine spoke "nine-thirty" as one word; the line has it as one token too, but "trains—" joins a dash.
    const spoken: SpokenWord[] = [
      { text: 'trains', start_sec: 0, end_sec: 0.6 },
      { text: 'nine-thirty', start_sec: 0.7, end_sec: 1.7 },
    ];
    const [line] = wordsOfLines(['trains— nine-thirty'], spoken);
    expect(line!.map((w) => w.text)).to.deep.equal(['trains—', ' nine-thirty']);
    expect(line![1]!.startSec).to.be.closeTo(0.7, 1e-9);
    expect(line![1]!.endSec).to.be.closeTo(1.7, 1e-9);
  });

  it('keeps sharing a sentence\'s time by line length when the speech has no word times', () => {
    const text = 'The night train from Vienna to Hamburg crosses three borders before the passengers wake up.';
    const scene = { index: 0, audio: 'x.wav', duration_sec: 7, sentences: [{ text, start_sec: 0.5, end_sec: 6.5 }] } as unknown as SpokenScene;
    const cues = cuesForScene(scene, 'en');
    expect(cues[0]!.startSec).to.equal(0.5);
    expect(cues.at(-1)!.endSec).to.be.closeTo(6.5, 1e-9);
    expect(cues.every((c) => c.words === undefined)).to.equal(true);
  });

  it('takes the caption style asked for, else the tone\'s, else karaoke; each in its layout', () => {
    expect(captionsFor({ captions: 'pop', tone: 'calm' })).to.deep.equal({ style: 'pop', layout: 'bold' });
    expect(captionsFor({ tone: 'calm' })).to.deep.equal({ style: 'sentence', layout: 'classic' });
    expect(captionsFor({ tone: 'serious' }).style).to.equal('sentence');
    expect(captionsFor({ tone: 'upbeat' }).style).to.equal('pop');
    expect(captionsFor({ tone: 'playful' }).style).to.equal('pop');
    expect(captionsFor({})).to.deep.equal({ style: 'karaoke', layout: 'boxed' });
  });
});
