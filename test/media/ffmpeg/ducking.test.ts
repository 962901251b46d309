/**
 * How far `mixFinal` pushes the music down under the voice, measured on the
 * finished file with ebur128. The "voice" is syllables of high tones (2.4 and
 * 3.1 kHz) in phrases with pauses between them, the "music" a chord of low
 * sines (110–220 Hz) under it; two low-pass filters keep only the music out of
 * the mix, and its momentary loudness inside the phrases is compared with the
 * loudness in the pauses. Speech at an ordinary level and at a quiet one.
 */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createMedia, generateBackground, mixFinal, renderScene } from '../../../src/adapters/ffmpeg/index.ts';
import { MUSIC_FADE_SEC, MUSIC_VOLUME } from '../../../src/pipeline/handlers/video-synthesize.ts';
import { monoWav } from '../../support/wav.ts';

const RATE = 48_000;
const DURATION_SEC = 16;
/** Where the voice speaks; the rest is pauses. */
const PHRASES: ReadonlyArray<readonly [number, number]> = [[2.5, 5.5], [9, 12]];
/** Syllables: this long on, then a short gap, as in connected speech. */
const SYLLABLE_SEC = 0.2;
const SYLLABLE_GAP_SEC = 0.07;
/** The compressor lets the music back up over this long after a phrase; the momentary window is 0.4 s. */
const SETTLE_SEC = 1.2;
const MOMENTARY_SEC = 0.4;
const REQUIRED_DUCK_DB = 12;


const speaking = (t: number) => PHRASES.some(([a, b]) => t >= a && t < b);

/** Syllables of two high tones, each with a 20 ms rise and fall; `peak` is the amplitude at full. */
function voice(peak: number) {
  return (t: number) => {
    if (!speaking(t)) return 0;
    const into = t % (SYLLABLE_SEC + SYLLABLE_GAP_SEC);
    if (into >= SYLLABLE_SEC) return 0;
    const edge = Math.min(1, into / 0.02, (SYLLABLE_SEC - into) / 0.02);
    return peak * edge * 0.5 * (Math.sin(2 * Math.PI * 2400 * t) + Math.sin(2 * Math.PI * 3100 * t));
  };
}

const music = (t: number) => 0.25 * (Math.sin(2 * Math.PI * 110 * t) + Math.sin(2 * Math.PI * 165 * t) + Math.sin(2 * Math.PI * 220 * t)) / 3 * 2;

describe('music ducking under the voice', function () {
  this.timeout(120_000);
  const media = createMedia();
  const { runner } = media;
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-ducking-test-'));
    await writeFile(file('music.wav'), monoWav(DURATION_SEC, RATE, music));
    await generateBackground(runner, { width: 64, height: 36, seed: 3, out: file('still.png') });
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The music's momentary loudness (LUFS) in the mix, by the end time of each 0.4 s window. */
  async function musicLoudness(mix: string): Promise<Array<{ t: number; m: number }>> {
    const printed = await runner.ffmpeg([
      '-i', mix, '-map', '0:a:0',
      '-af', 'lowpass=f=400,lowpass=f=400,lowpass=f=400,ebur128=metadata=1,ametadata=mode=print:file=-',
      '-f', 'null', '-',
    ]);
    const out: Array<{ t: number; m: number }> = [];
    let t: number | undefined;
    for (const line of printed.split('\n')) {
      const at = /pts_time:([\d.]+)/.exec(line);
      if (at) t = Number(at[1]);
      const m = /lavfi\.r128\.M=(-?[\d.]+|-inf)/.exec(line);
      if (m && t !== undefined) out.push({ t, m: m[1] === '-inf' ? -120 : Number(m[1]) });
    }
    return out;
  }

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  };

  for (const [name, peak] of [['ordinary', 0.25], ['quiet', 0.06]] as const) {
    it(`ducks the music at least ${REQUIRED_DUCK_DB} dB under ${name} speech (peak ${peak}), measured with ebur128`, async () => {
      await writeFile(file(`voice-${name}.wav`), monoWav(DURATION_SEC, RATE, voice(peak)));
      await renderScene(media, {
        width: 64, height: 36, durationSec: DURATION_SEC, visual: { path: file('still.png'), kind: 'image', smooth: true },
        audio: file(`voice-${name}.wav`), cues: [], fadeSec: 0, out: file(`scene-${name}.mp4`),
      });
      await mixFinal(runner, { video: file(`scene-${name}.mp4`), music: file('music.wav'), musicVolume: MUSIC_VOLUME, fadeSec: MUSIC_FADE_SEC, out: file(`mix-${name}.mp4`) });
      const levels = await musicLoudness(file(`mix-${name}.mp4`));
      // Windows wholly inside a phrase, after the attack; and wholly inside a pause, after the release, clear of the fades.
      const under = levels.filter(({ t }) => PHRASES.some(([a, b]) => t - MOMENTARY_SEC >= a + 0.2 && t <= b));
      const clear = levels.filter(({ t }) =>
        t - MOMENTARY_SEC >= MUSIC_FADE_SEC && t <= DURATION_SEC - MUSIC_FADE_SEC
        && PHRASES.every(([a, b]) => t <= a || t - MOMENTARY_SEC >= b + SETTLE_SEC));
      expect(under.length, 'windows under speech').to.be.above(10);
      expect(clear.length, 'windows in pauses').to.be.above(10);
      const duckDb = median(clear.map((l) => l.m)) - median(under.map((l) => l.m));
      // The figure, for the record (docs/cli.md quotes it).
      console.log(`      music under ${name} speech: ${duckDb.toFixed(1)} dB down (pauses ${median(clear.map((l) => l.m)).toFixed(1)} LUFS, speech ${median(under.map((l) => l.m)).toFixed(1)} LUFS)`);
      expect(duckDb).to.be.at.least(REQUIRED_DUCK_DB);
    });
  }
});
