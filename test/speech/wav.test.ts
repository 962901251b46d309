import { expect } from 'chai';
import { execa } from 'execa';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EspeakNgProvider } from '../../src/providers/speech/espeak-ng.ts';
import { MespeakProvider } from '../../src/providers/speech/mespeak.ts';
import {
  concatWav,
  normalizeWav,
  parseWavHeader,
  readWavInfo,
  silenceWav,
  WavError,
  WavFormatMismatchError,
  wavHeader,
  writeWav,
  type WavFormat,
} from '../../src/providers/speech/wav.ts';
import { skipWithReason, useTempDir } from './helpers.ts';

const MONO_22K: WavFormat = { audioFormat: 1, sampleRate: 22050, channels: 1, bitsPerSample: 16 };

/** RIFF header, fmt, a LIST chunk of odd size (with its pad byte), then data with the given size field. */
function headerWithList(dataSizeField: number, samples: Buffer): Buffer {
  const canonical = wavHeader(MONO_22K, samples.length);
  const info = Buffer.from('INFOISFT\u0005\u0000\u0000\u0000test\u0000', 'latin1'); // 17 bytes
  const list = Buffer.concat([Buffer.from('LIST'), Buffer.alloc(4), info, Buffer.alloc(1)]);
  list.writeUInt32LE(info.length, 4);
  const data = Buffer.concat([Buffer.from('data'), Buffer.alloc(4)]);
  data.writeUInt32LE(dataSizeField >>> 0, 4);
  return Buffer.concat([canonical.subarray(0, 36), list, data, samples]);
}

describe('WAV headers', () => {
  const tmp = useTempDir('wav');
  const espeak = new EspeakNgProvider();

  it('skips a LIST chunk with its pad byte and cuts a 0xFFFFFFFF data size to the bytes present', () => {
    const samples = Buffer.alloc(22050 * 2 + 1); // one second, plus half a frame
    const info = parseWavHeader(headerWithList(0xffffffff, samples));
    expect(info).to.include({ sampleRate: 22050, channels: 1, bitsPerSample: 16, blockAlign: 2, dataOffset: 36 + 26 + 8, dataBytes: 44100 });
    expect(info.durationSec).to.equal(1);
  });

  it('reads a real espeak-ng WAV, written to a file and written to stdout with a placeholder size', async function () {
    if (!(await espeak.available())) skipWithReason(this, 'espeak-ng is not installed on this machine');
    const file = join(tmp(), 'espeak-file.wav');
    await execa('espeak-ng', ['-v', 'en-us', '-w', file, '--stdin'], { input: 'Testing the header.' });
    const piped = await execa('espeak-ng', ['-v', 'en-us', '--stdout', '--stdin'], { input: 'Testing the header.', encoding: 'buffer' });
    const stdoutWav = Buffer.from(piped.stdout);
    const declared = stdoutWav.readUInt32LE(40);

    const fromFile = await readWavInfo(file);
    const fromStdout = parseWavHeader(stdoutWav);
    expect(fromFile).to.include({ audioFormat: 1, sampleRate: 22050, channels: 1, bitsPerSample: 16 });
    expect(fromFile.durationSec).to.be.greaterThan(0.5);
    expect(declared).to.be.greaterThan(stdoutWav.length); // the placeholder this parser must not trust
    expect(fromStdout.dataBytes).to.equal(fromFile.dataBytes);
    expect(fromStdout.durationSec).to.equal(fromFile.durationSec);

    await writeFile(join(tmp(), 'stdout.wav'), stdoutWav);
    const normalized = await normalizeWav(join(tmp(), 'stdout.wav'), join(tmp(), 'fixed.wav'));
    expect((await readFile(join(tmp(), 'fixed.wav'))).readUInt32LE(40)).to.equal(normalized.dataBytes);
  });

  it('reads a real meSpeak WAV', async () => {
    const out = join(tmp(), 'mespeak.wav');
    const result = await new MespeakProvider().synthesize({ text: 'Header check.', language: 'en' }, out);
    const info = await readWavInfo(out);
    expect(info).to.include({ audioFormat: 1, sampleRate: 22050, channels: 1, bitsPerSample: 16, dataOffset: 44 });
    expect(info.dataBytes).to.equal((await stat(out)).size - 44);
    expect(info.durationSec).to.equal(result.durationSec);
  });

  it('refuses what is not a PCM WAV', async () => {
    expect(() => parseWavHeader(Buffer.from('not a wav file at all'))).to.throw(WavError, /not a RIFF/);
    const noData = wavHeader(MONO_22K, 0).subarray(0, 36);
    expect(() => parseWavHeader(noData)).to.throw(WavError, /no data chunk/);
    const adpcm = wavHeader(MONO_22K, 0);
    adpcm.writeUInt16LE(2, 20);
    expect(() => parseWavHeader(adpcm)).to.throw(WavError, /unsupported audio format 2/);
  });
});

describe('concatWav and silenceWav', () => {
  const tmp = useTempDir('concat');

  it("starts each part where the previous ones' durations end and totals them", async () => {
    const mespeak = new MespeakProvider();
    const parts = [join(tmp(), 'a.wav'), join(tmp(), 'gap.wav'), join(tmp(), 'b.wav')];
    const a = await mespeak.synthesize({ text: 'First sentence.', language: 'en' }, parts[0]!);
    const gap = await silenceWav(0.25, await readWavInfo(a.file), parts[1]!);
    const b = await mespeak.synthesize({ text: 'And the second one.', language: 'en' }, parts[2]!);

    const out = join(tmp(), 'all.wav');
    const result = await concatWav(parts, out);
    expect(result.parts.map((p) => p.startSec)).to.deep.equal([0, a.durationSec, a.durationSec + gap.durationSec]);
    expect(gap.durationSec).to.be.closeTo(0.25, 1 / 22050); // whole frames
    expect(result.parts.map((p) => p.durationSec)).to.deep.equal([a.durationSec, gap.durationSec, b.durationSec]);
    expect(result.durationSec).to.be.closeTo(a.durationSec + gap.durationSec + b.durationSec, 1e-9);

    const info = await readWavInfo(out);
    expect(info.durationSec).to.equal(result.durationSec);
    expect((await stat(out)).size).to.equal(44 + info.dataBytes + (info.dataBytes % 2));
    // The samples are the parts' samples, in order.
    const bytes = await readFile(out);
    const first = await readFile(parts[0]!);
    expect(bytes.subarray(44, 44 + first.length - 44).equals(first.subarray(44))).to.equal(true);
  });

  it('refuses parts of different formats, and an empty list', async () => {
    const a = join(tmp(), 'mono.wav');
    const b = join(tmp(), 'stereo.wav');
    await silenceWav(0.1, MONO_22K, a);
    await silenceWav(0.1, { ...MONO_22K, channels: 2 }, b);
    let error: unknown;
    try {
      await concatWav([a, b], join(tmp(), 'never.wav'));
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(WavFormatMismatchError).and.include({ file: b, code: 'wav-format-mismatch' });
    expect((error as Error).message).to.include('2 ch');
    await concatWav([], join(tmp(), 'x.wav')).then(
      () => expect.fail('expected a WavError'),
      (e: unknown) => expect(e).to.be.instanceOf(WavError),
    );
  });

  it('writes silence of the asked duration, zero for 16-bit and the midpoint for 8-bit', async () => {
    const s16 = await silenceWav(1.5, MONO_22K, join(tmp(), 's16.wav'));
    expect(s16.durationSec).to.equal(1.5);
    expect((await readFile(join(tmp(), 's16.wav'))).subarray(44).every((b) => b === 0)).to.equal(true);
    const s8 = await silenceWav(0.01, { audioFormat: 1, sampleRate: 8000, channels: 1, bitsPerSample: 8 }, join(tmp(), 's8.wav'));
    expect(s8.dataBytes).to.equal(80);
    expect((await readFile(join(tmp(), 's8.wav'))).subarray(44, 124).every((b) => b === 0x80)).to.equal(true);
  });

  it('round-trips samples through writeWav', async () => {
    const samples = Buffer.from([1, 2, 3, 4, 5, 6]);
    const info = await writeWav(join(tmp(), 'w.wav'), MONO_22K, samples);
    expect(info).to.include({ dataOffset: 44, dataBytes: 6 });
    expect((await readFile(join(tmp(), 'w.wav'))).subarray(44)).to.deep.equal(samples);
  });
});
