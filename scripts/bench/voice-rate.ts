/**
 * `npx tsx scripts/bench/voice-rate.ts`: how close the voice profile's speaking-rate measure (`measureVoice`,
 * syllable nuclei per second of speech) comes on speech of known rate. A text of known syllable count is spoken by
 * espeak-ng at several words-per-minute settings and by Flite at several duration stretches; the true rate is the
 * syllables over the speech time (the duration less the pauses ffmpeg's `silencedetect` finds at −35 dB, 0.15 s),
 * the measured rate is `speech_rate_sps`. Prints one row per take: setting, true and measured syllables a second,
 * their ratio. No assertion: a figure for a person to read.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { createMedia, decodePcm, detectSilence, probe } from '../../src/adapters/ffmpeg/index.ts';
import { measureVoice } from '../../src/presenter/identity/voice-measure.ts';

/** 34 syllables: 13, 10 and 11. */
const TEXT = 'We make light bikes by hand in a small shop near the sea. Each frame is cut, bent and welded with care. Come and ride one on the coast road this summer.';
const SYLLABLES = 34;
const ESPEAK_WPM = [110, 140, 175, 210, 260];
const FLITE_STRETCH = [1.6, 1.25, 1, 0.8];

const media = createMedia();
const dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-voice-rate-'));
const rows: string[][] = [];
try {
  const takes: Array<{ label: string; file: string }> = [];
  for (const wpm of ESPEAK_WPM) {
    const file = path.join(dir, `espeak-${wpm}.wav`);
    await execa('espeak-ng', ['-s', String(wpm), '-w', file, TEXT]);
    takes.push({ label: `espeak-ng -s ${wpm}`, file });
  }
  for (const stretch of FLITE_STRETCH) {
    const file = path.join(dir, `flite-${stretch}.wav`);
    await execa('flite', ['-voice', 'slt', '--setf', `duration_stretch=${stretch}`, '-t', TEXT, '-o', file]);
    takes.push({ label: `flite slt stretch ${stretch}`, file });
  }
  for (const take of takes) {
    const { durationSec } = await probe(media.runner, take.file);
    const pauses = (await detectSilence(media.runner, take.file, { noiseDb: -35, minSec: 0.15 }))
      .reduce((sum, s) => sum + Math.min(durationSec, s.endSec) - Math.max(0, s.startSec), 0);
    const truth = SYLLABLES / (durationSec - pauses);
    const measured = measureVoice(await decodePcm(media.runner, take.file, path.join(dir, 'pcm.raw'))).speech_rate_sps;
    rows.push([take.label, durationSec.toFixed(2), (durationSec - pauses).toFixed(2), truth.toFixed(2), measured.toFixed(2), (measured / truth).toFixed(2)]);
  }
} finally {
  await media.runner.settled();
  await rm(dir, { recursive: true, force: true });
}
const head = ['take', 'duration s', 'speech s', 'true syl/s', 'measured syl/s', 'measured/true'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
