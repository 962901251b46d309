/**
 * The music bed's mood, for real: each tone's bed is made by the located
 * ffmpeg at the length asked for, and a brighter mood puts more of its
 * sound above 1 kHz than a darker one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { FfmpegRunner, probe, synthesizeMusic } from '../../../src/adapters/ffmpeg/index.ts';
import { TONE_STYLES } from '../../../src/pipeline/tones.ts';

const runner = new FfmpegRunner();
const BED_SEC = 4;

/** RMS level in dB of what is left of the file's sound above `hz`. */
async function levelAbove(file: string, hz: number): Promise<number> {
  const out = await runner.ffmpeg(['-i', file, '-af', `highpass=f=${hz},astats=metadata=1:reset=0,ametadata=mode=print:key=lavfi.astats.Overall.RMS_level:file=-`, '-f', 'null', '-']);
  const levels = [...out.matchAll(/RMS_level=(-?[\d.]+|-inf)/g)].map((m) => (m[1] === '-inf' ? -Infinity : Number(m[1])));
  return levels.at(-1) ?? -Infinity;
}

describe('music bed by tone', function () {
  this.timeout(60000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-mood-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a bed of the length asked for in every tone\'s mood', async () => {
    for (const [name, style] of Object.entries(TONE_STYLES)) {
      const out = path.join(dir, `${name}.wav`);
      await synthesizeMusic(runner, { durationSec: BED_SEC, seed: 7, mood: style.music, out });
      expect((await probe(runner, out)).durationSec, name).to.be.closeTo(BED_SEC, 0.05);
    }
  });

  it('is brighter for playful than for serious', async () => {
    const serious = path.join(dir, 'serious.wav');
    const playful = path.join(dir, 'playful.wav');
    await synthesizeMusic(runner, { durationSec: BED_SEC, seed: 7, mood: TONE_STYLES.serious.music, out: serious });
    await synthesizeMusic(runner, { durationSec: BED_SEC, seed: 7, mood: TONE_STYLES.playful.music, out: playful });
    const [bright, dark] = [await levelAbove(playful, 1000), await levelAbove(serious, 1000)];
    expect(bright).to.be.greaterThan(dark + 6);
  });
});
