import { join } from 'node:path';
import { expect } from 'chai';
import { changeTempo, FfmpegRunner } from '../../src/adapters/ffmpeg/index.ts';
import { EspeakNgProvider, espeakProsody } from '../../src/providers/speech/espeak-ng.ts';
import { FestivalProvider } from '../../src/providers/speech/festival.ts';
import { FliteProvider } from '../../src/providers/speech/flite.ts';
import { MespeakProvider } from '../../src/providers/speech/mespeak.ts';
import { readWavInfo } from '../../src/providers/speech/wav.ts';
import type { SpeechProvider } from '../../src/providers/types.ts';
import { TONE_STYLES } from '../../src/pipeline/tones.ts';
import { skipWithReason, useTempDir } from './helpers.ts';

/**
 * A tone's speaking rate, for real: every local engine installed speaks
 * the same sentence shorter when asked for a faster rate, and longer for a
 * slower one; the tempo correction shortens a file by its factor.
 */

const SENTENCE = 'The coffee tree grows on the green slopes of a mountain near the equator, where the nights are cool.';
const tmp = useTempDir('prosody');

const providers: Array<SpeechProvider & { available(): Promise<boolean> }> = [new FestivalProvider(), new FliteProvider(), new EspeakNgProvider(), new MespeakProvider()];

describe('speech rate and pitch', function () {
  this.timeout(60000);

  for (const provider of providers) {
    it(`${provider.name} speaks faster at playful's rate and slower at calm's`, async function () {
      if (!(await provider.available())) skipWithReason(this, `${provider.name} is not installed`);
      const speak = async (name: string, rate?: number, pitchSemitones?: number) => {
        const out = join(tmp(), `${provider.name}-${name}.wav`);
        return (await provider.synthesize({ text: SENTENCE, language: 'en', ...(rate ? { rate } : {}), ...(pitchSemitones ? { pitchSemitones } : {}) }, out)).durationSec;
      };
      const plain = await speak('plain');
      const fast = await speak('playful', TONE_STYLES.playful.speech.rate, TONE_STYLES.playful.speech.pitchSemitones);
      const slow = await speak('calm', TONE_STYLES.calm.speech.rate, TONE_STYLES.calm.speech.pitchSemitones);
      // Within a few percent of the rate asked for: engines round and keep some fixed pauses.
      expect(plain / fast).to.be.within(1.04, 1.2);
      expect(slow / plain).to.be.within(1.03, 1.15);
    });
  }

  it('maps rate and pitch onto espeak\'s scales, within their bounds', () => {
    expect(espeakProsody({ speedWpm: 175, pitch: 50 }, { rate: 1.1, pitchSemitones: 3 })).to.deep.equal({ speedWpm: 193, pitch: 62 });
    expect(espeakProsody({ speedWpm: 175, pitch: 50 }, {})).to.deep.equal({ speedWpm: 175, pitch: 50 });
    expect(espeakProsody({ speedWpm: 400, pitch: 95 }, { rate: 2, pitchSemitones: 5 })).to.deep.equal({ speedWpm: 450, pitch: 99 });
  });

  it('changeTempo shortens speech by its factor, at the same sample rate', async function () {
    const espeak = new EspeakNgProvider();
    if (!(await espeak.available())) skipWithReason(this, 'espeak-ng is not installed');
    const input = join(tmp(), 'tempo-in.wav');
    const out = join(tmp(), 'tempo-out.wav');
    await espeak.synthesize({ text: SENTENCE, language: 'en' }, input);
    await changeTempo(new FfmpegRunner(), { input, out, tempo: 1.08 });
    const [a, b] = [await readWavInfo(input), await readWavInfo(out)];
    expect(b.sampleRate).to.equal(a.sampleRate);
    expect(a.durationSec / b.durationSec).to.be.closeTo(1.08, 0.01);
  });
});
