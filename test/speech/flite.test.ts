import { expect } from 'chai';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { detectSilence, FfmpegRunner } from '../../src/adapters/ffmpeg/index.ts';
import { edgePauses, FliteError, FliteProvider } from '../../src/providers/speech/flite.ts';
import { parseFliteVoices } from '../../src/providers/speech/voice-list.ts';
import { readWavInfo, SPEECH_EDGES } from '../../src/providers/speech/wav.ts';
import { skipWithReason, useTempDir } from './helpers.ts';

/**
 * Flite, for real (Debian `flite`, installed here and by `.ci/run`): speech
 * of a plausible length that is not silent, at the voice's rate; voices
 * checked before use, since Flite itself speaks with its default for a
 * name it lacks; nothing left running when cancelled.
 */

const runner = new FfmpegRunner();

async function childrenNamed(name: string): Promise<number[]> {
  const r = await execa('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { reject: false });
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter(([, comm]) => comm === name).map(([pid]) => Number(pid));
}

/** When the first and the last sample louder than -40 dBFS are, in a 16-bit mono WAV. */
async function audibleSpan(file: string): Promise<{ first: number; last: number }> {
  const info = await readWavInfo(file);
  const bytes = await readFile(file);
  const threshold = 32768 * 10 ** (-40 / 20);
  let first = -1;
  let last = -1;
  for (let i = 0; i < info.dataBytes / 2; i++) {
    if (Math.abs(bytes.readInt16LE(info.dataOffset + 2 * i)) < threshold) continue;
    if (first < 0) first = i;
    last = i;
  }
  return { first: first / info.sampleRate, last: (last + 1) / info.sampleRate };
}

describe('FliteProvider', function () {
  this.timeout(60000);
  const tmp = useTempDir('flite');
  const flite = new FliteProvider();
  let installed = false;

  before(async () => {
    installed = await flite.available();
  });

  function requireFlite(context: Mocha.Context): void {
    if (!installed) skipWithReason(context, 'flite is not installed (apt-get install flite)');
  }

  it('speaks English with slt: 16-bit mono at 16 kHz, 2 to 4 words a second, not silent', async function () {
    requireFlite(this);
    const text = 'Night trains are coming back to Europe, and the sleeper cars are full again this winter.';
    const out = join(tmp(), 'en.wav');
    const result = await flite.synthesize({ text, language: 'en' }, out);
    expect(result).to.include({ file: out, voice: 'slt' });
    expect(result.words, 'Flite gives no word timings').to.equal(undefined);
    const info = await readWavInfo(out);
    expect(info).to.include({ audioFormat: 1, sampleRate: 16000, channels: 1, bitsPerSample: 16 });
    expect(info.durationSec).to.equal(result.durationSec);
    const words = text.split(/\s+/).length;
    expect(words / result.durationSec, `${words} words in ${result.durationSec} s`).to.be.within(1.5, 4);
    const silent = (await detectSilence(runner, out)).reduce((sum, s) => sum + (Math.min(s.endSec, result.durationSec) - s.startSec), 0);
    expect(silent / result.durationSec, 'share of the audio that is silence').to.be.below(0.35);
  });

  it('cuts the pauses Flite opens and closes with, so that speech starts with the file', async function () {
    requireFlite(this);
    const out = join(tmp(), 'edges.wav');
    const result = await flite.synthesize({ text: 'Night trains are running again in Rome.', language: 'en' }, out);
    const { first, last } = await audibleSpan(out);
    // Uncut, Flite's pauses last 0.15 to 0.25 s; a sound fades in and out a little inside its segment.
    expect(first, 'silence before the speech').to.be.at.most(SPEECH_EDGES.leadSec + 0.05);
    expect(result.durationSec - last, 'silence after the speech').to.be.at.most(SPEECH_EDGES.tailSec + 0.05);
  });

  it('reads the pauses at the edges from the segments -psdur prints, one line per utterance', () => {
    const stdout = [
      'pau:0.164 hh:0.255 ax:0.304 l:0.412 ow:0.523 pau:1.011 ',
      'pau:0.100 hh:1.370 ih:1.482 r:1.683 pau:1.856 ',
    ].join('\n');
    const pauses = edgePauses(stdout);
    expect(pauses.leadSec).to.equal(0.164);
    expect(pauses.tailSec).to.be.closeTo(0.173, 1e-9);
    expect(edgePauses('hh:0.2 ow:0.5\n')).to.deep.equal({ leadSec: 0, tailSec: 0 });
    expect(edgePauses('no segments here\n')).to.deep.equal({ leadSec: 0, tailSec: 0 });
  });

  it('speaks with the voice asked for, and reads text that is not ASCII', async function () {
    requireFlite(this);
    const result = await flite.synthesize({ text: '“Café” — it’s déjà vu…', language: 'en', voice: 'rms' }, join(tmp(), 'rms.wav'));
    expect(result.voice).to.equal('rms');
    expect(result.durationSec).to.be.within(0.8, 5);
  });

  it('lists its voices best first, never the limited-domain ones, and describes the voice', async function () {
    requireFlite(this);
    const voices = await flite.voices();
    expect(voices[0]).to.deep.equal({ id: 'flite:slt', provider: 'flite', language: 'en-us', name: 'American English slt' });
    expect(voices.map((v) => v.id)).to.not.include('flite:awb_time');
    expect(await flite.supports('en')).to.equal(true);
    expect(await flite.supports('zh')).to.equal(false);
    expect(flite.describeVoice('en')).to.equal('flite (American English voice slt)');
  });

  it('stops flite and rejects when the caller aborts, leaving no process behind', async function () {
    requireFlite(this);
    const text = 'A sentence that goes on and on, and then on some more. '.repeat(3000);
    const controller = new AbortController();
    const run = flite.synthesize({ text, language: 'en' }, join(tmp(), 'aborted.wav'), { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 300));
    expect(await childrenNamed('flite'), 'flite is running').to.have.length(1);
    controller.abort(new Error('timed out'));
    const error = await run.catch((e: unknown) => e);
    expect(error).to.be.instanceOf(FliteError).and.include({ code: 'speech-failed' });
    expect((error as Error).message).to.match(/cancelled/);
    expect(await childrenNamed('flite')).to.deep.equal([]);
    expect(existsSync(join(tmp(), 'aborted.wav.txt')), 'the text file is removed').to.equal(false);
  });

  it('refuses a voice it does not have instead of speaking with its default', async function () {
    requireFlite(this);
    const out = join(tmp(), 'v.wav');
    for (const voice of ['nosuchvoice', 'awb_time', '-lv']) {
      const error = await flite.synthesize({ text: 'Hi there.', language: 'en', voice }, out).catch((e: unknown) => e);
      expect(error, voice).to.be.instanceOf(FliteError).and.include({ code: 'unknown-voice', provider: 'flite' });
    }
    expect(existsSync(out)).to.equal(false);
  });

  it('is unavailable, supports nothing and refuses to synthesize when the program is missing', async () => {
    const missing = new FliteProvider({ command: 'flite-not-installed-here' });
    expect(await missing.available()).to.equal(false);
    expect(await missing.supports('en')).to.equal(false);
    expect(await missing.voices()).to.deep.equal([]);
    const error = await missing.synthesize({ text: 'Hi.', language: 'en' }, join(tmp(), 'none.wav')).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(FliteError).and.include({ code: 'speech-unavailable' });
  });

  it('refuses empty text', async () => {
    const error = await flite.synthesize({ text: ' \n ', language: 'en' }, join(tmp(), 'empty.wav')).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(FliteError).and.include({ code: 'speech-empty-text' });
  });

  it('reads the voice list of flite -lv', () => {
    expect(parseFliteVoices('Voices available: kal awb_time kal16 awb rms slt cmu_us_aew odd-name\n')).to.deep.equal([
      { name: 'kal', language: 'en-us' }, { name: 'kal16', language: 'en-us' }, { name: 'awb', language: 'en-gb' },
      { name: 'rms', language: 'en-us' }, { name: 'slt', language: 'en-us' }, { name: 'cmu_us_aew', language: 'en-us' },
    ]);
    expect(parseFliteVoices('usage: flite ...')).to.deep.equal([]);
  });
});
