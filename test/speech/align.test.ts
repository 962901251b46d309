/**
 * The word aligner, on speech whose word onsets are known: each word spoken
 * alone by espeak-ng, cut to its speech, and the words joined with silences
 * of chosen lengths (20 ms to 350 ms, most too short to be a pause), so the
 * true onset of every word in the joined sentence is known.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alignWav, alignWords, fitWords, pcmSamples, speechActivity, speechWords, wordWeight } from '../../src/providers/speech/align.ts';
import { EspeakNgProvider } from '../../src/providers/speech/espeak-ng.ts';
import { concatWav, parseWavHeader, readWavInfo, silenceWav, writeWav } from '../../src/providers/speech/wav.ts';
import { skipWithReason, useTempDir } from './helpers.ts';

const RATE = 16000;
/** Where a part's speech starts: its first sample louder than 2 % of full scale, a measure independent of the aligner's. */
const ONSET_AMPLITUDE = 0.02;
const TOLERANCE_SEC = 0.1;

function tone(sec: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(sec * RATE));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * 220 * i) / RATE);
  return out;
}

function join32(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Cuts a WAV to its speech, the samples from the first to the last louder than `ONSET_AMPLITUDE`: the gaps between words are then exactly the silences put there. */
async function trimToSpeech(file: string): Promise<void> {
  const bytes = await readFile(file);
  const info = parseWavHeader(bytes);
  const samples = pcmSamples(bytes, info);
  const first = Math.max(0, samples.findIndex((s) => Math.abs(s) > ONSET_AMPLITUDE));
  let last = samples.length - 1;
  while (last > first && Math.abs(samples[last]!) <= ONSET_AMPLITUDE) last--;
  await writeWav(file, info, bytes.subarray(info.dataOffset + first * info.blockAlign, info.dataOffset + (last + 1) * info.blockAlign));
}

describe('word alignment', () => {
  const tmp = useTempDir('align');

  it('splits text into spoken words: spaces, each Han character, punctuation kept with its word', () => {
    expect(speechWords('Night trains — again, at 9.')).to.deep.equal(['Night', 'trains—', 'again,', 'at', '9.']);
    expect(speechWords('夜车，很好。')).to.deep.equal(['夜', '车，', '很', '好。']);
    expect(speechWords('“我们”坐 train')).to.deep.equal(['“我', '们”', '坐', 'train']);
    expect(speechWords(' … ')).to.deep.equal([]);
  });

  it('weighs longer words more: letters and syllables', () => {
    expect(wordWeight('international')).to.be.greaterThan(wordWeight('train'));
    expect(wordWeight('train')).to.be.greaterThan(wordWeight('a'));
    expect(wordWeight('夜')).to.be.greaterThan(0);
  });

  it('finds the onset, the end and the pauses of at least 120 ms', () => {
    const samples = join32(new Float32Array(0.2 * RATE), tone(0.3), new Float32Array(0.05 * RATE), tone(0.3), new Float32Array(0.3 * RATE), tone(0.4), new Float32Array(0.1 * RATE));
    const a = speechActivity(samples, RATE);
    expect(a.onsetSec).to.be.closeTo(0.2, 0.011);
    expect(a.endSec).to.be.closeTo(1.55, 0.011);
    // The 50 ms gap is too short to count; the 300 ms one counts.
    expect(a.pauses).to.have.length(1);
    expect(a.pauses[0]!.startSec).to.be.closeTo(0.85, 0.011);
    expect(a.pauses[0]!.endSec).to.be.closeTo(1.15, 0.011);
  });

  it('uses a pause as the boundary between the words whose lengths fit it, not one inside a word', () => {
    // "a international b": the pause after 1.0 s fits the end of "international", not the end of "a".
    const timed = fitWords(['a', 'international', 'b'], 0, 1.6, [{ startSec: 1.2, endSec: 1.35 }]);
    expect(timed.map((w) => w.text)).to.deep.equal(['a', 'international', 'b']);
    expect(timed[2]!.start_sec).to.be.closeTo(1.35, 1e-9);
    expect(timed[1]!.end_sec).to.be.closeTo(1.2, 1e-9);
    for (let i = 1; i < timed.length; i++) expect(timed[i]!.start_sec).to.be.at.least(timed[i - 1]!.end_sec - 1e-9);
  });

  it('reads 16-bit stereo PCM as mono floats', async () => {
    const format = { audioFormat: 1, sampleRate: RATE, channels: 2, bitsPerSample: 16 } as const;
    const data = Buffer.alloc(8);
    data.writeInt16LE(16384, 0);
    data.writeInt16LE(-16384, 2);
    data.writeInt16LE(32767, 4);
    data.writeInt16LE(32767, 6);
    const file = join(tmp(), 'stereo.wav');
    await writeWav(file, format, data);
    const bytes = await readFile(file);
    const samples = pcmSamples(bytes, parseWavHeader(bytes));
    expect(samples).to.have.length(2);
    expect(samples[0]).to.be.closeTo(0, 1e-6);
    expect(samples[1]).to.be.closeTo(1, 1e-3);
  });

  it('gives silence and empty text no words, or words at the onset', () => {
    expect(alignWords(new Float32Array(RATE), RATE, '')).to.deep.equal([]);
    const silent = alignWords(new Float32Array(RATE), RATE, 'two words');
    expect(silent).to.have.length(2);
  });

  describe('on words spoken one by one and joined with known gaps (espeak-ng)', () => {
    const espeak = new EspeakNgProvider();
    // Silences between words from 30 ms (too short to be a pause) to 350 ms, in three patterns.
    const gapSets = [
      [0.05, 0.2, 0.03, 0.3, 0.08, 0.15, 0.04, 0.25, 0.06, 0.12],
      [0.1, 0.03, 0.35, 0.06, 0.14, 0.04, 0.22, 0.05],
      [0.03, 0.04, 0.05, 0.3, 0.03, 0.06],
    ];
    const cases: Array<{ text: string; language: string; gaps: number[] }> = [
      { text: 'Night trains cross Europe while their passengers sleep in narrow bunks.', language: 'en', gaps: gapSets[0]! },
      { text: 'The international timetable changed again, so the conductor apologised.', language: 'en', gaps: gapSets[1]! },
      { text: 'A cheap ticket from Vienna to Hamburg costs about forty euros, booked early.', language: 'en', gaps: gapSets[2]! },
      { text: 'Most people prefer a private compartment with a window and a small sink.', language: 'en', gaps: gapSets[0]! },
      { text: '夜车穿过欧洲', language: 'zh', gaps: gapSets[2]! },
      { text: '乘客在狭窄的床铺上睡觉', language: 'zh', gaps: gapSets[1]! },
    ];
    for (const { text, language, gaps } of cases) {
      it(`puts every word's start within 100 ms of its true onset: ${text}`, async function () {
        if (!(await espeak.available())) skipWithReason(this, 'espeak-ng is not installed on this machine');
        this.timeout(30_000);
        const words = speechWords(text);
        const parts: string[] = [];
        for (const [i, word] of words.entries()) {
          const file = join(tmp(), `${language}-${i}.wav`);
          await espeak.synthesize({ text: word, language }, file);
          await trimToSpeech(file);
          parts.push(file);
          if (i < words.length - 1) {
            const gap = join(tmp(), `${language}-${i}-gap.wav`);
            await silenceWav(gaps[i % gaps.length]!, await readWavInfo(file), gap);
            parts.push(gap);
          }
        }
        const joined = await concatWav(parts, join(tmp(), `${language}-sentence.wav`));
        // Each word's file was cut to its speech, so it is heard from the first sample of its part.
        const onsets = words.map((_, i) => joined.parts[2 * i]!.startSec);
        const timed = alignWav(await readFile(joined.file), text);
        expect(timed.map((w) => w.text)).to.deep.equal(words);
        const errors = timed.map((w, i) => Math.abs(w.start_sec - onsets[i]!));
        const worst = Math.max(...errors);
        console.log(`      ${words.length} words, worst start error ${(worst * 1000).toFixed(0)} ms, mean ${((errors.reduce((a, b) => a + b, 0) / errors.length) * 1000).toFixed(0)} ms`);
        timed.forEach((w, i) => expect(w.start_sec, `${w.text}: aligned ${w.start_sec.toFixed(3)} s, spoken at ${onsets[i]!.toFixed(3)} s`).to.be.closeTo(onsets[i]!, TOLERANCE_SEC));
      });
    }
  });
});
