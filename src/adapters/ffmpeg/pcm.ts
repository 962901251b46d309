/**
 * Speech as numbers, and speech at another pitch: a voice sample (WAV, MP3,
 * OGG) decoded to 16 kHz mono 16-bit PCM for measuring, and a file shifted
 * by some semitones at its own length (resampled up or down, then `atempo`
 * brings the duration back), which is how a sample voice is made from a
 * local one and how a pitch measure is checked.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { num } from './encoding.ts';
import type { FfmpegRunner, RunOptions } from './run.ts';
import { MAX_TEMPO, MIN_TEMPO } from './tempo.ts';

/** What `decodePcm` resamples to: enough for pitch and syllables, little to scan. */
export const PCM_SAMPLE_RATE = 16_000;

export interface Pcm {
  /** Samples in −1…1. */
  samples: Float32Array;
  sampleRate: number;
}

/** The first audio stream of `file` as mono PCM at `PCM_SAMPLE_RATE`; `scratch` is a raw file it may write and removes. */
export async function decodePcm(runner: FfmpegRunner, file: string, scratch: string, options: RunOptions = {}): Promise<Pcm> {
  const out = path.resolve(scratch);
  try {
    await runner.ffmpeg(
      ['-i', path.resolve(file), '-map', '0:a:0', '-ac', '1', '-ar', String(PCM_SAMPLE_RATE), '-c:a', 'pcm_s16le', '-f', 's16le', out],
      { signal: options.signal },
    );
    const bytes = await readFile(out);
    const samples = new Float32Array(Math.floor(bytes.length / 2));
    for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2) / 32768;
    return { samples, sampleRate: PCM_SAMPLE_RATE };
  } finally {
    await rm(out, { force: true });
  }
}

export interface VoiceShiftOptions extends RunOptions {
  input: string;
  /** WAV, 16-bit PCM. */
  out: string;
  /** Up is positive. */
  semitones: number;
  /** Speed after the shift: above 1 is faster (shorter). Default 1. */
  tempo?: number;
}

/** `input` `semitones` higher (or lower) and `tempo` times as fast, at the input's sample rate. */
export async function shiftVoice(runner: FfmpegRunner, options: VoiceShiftOptions): Promise<void> {
  const factor = 2 ** (options.semitones / 12);
  const tempo = (options.tempo ?? 1) / factor;
  if (!Number.isFinite(tempo) || tempo < MIN_TEMPO || tempo > MAX_TEMPO) {
    throw new RangeError(`a shift of ${options.semitones} semitones at tempo ${options.tempo ?? 1} needs atempo ${tempo}, outside ${MIN_TEMPO}–${MAX_TEMPO}`);
  }
  const input = path.resolve(options.input);
  const rate = Number((await runner.ffprobe(['-select_streams', 'a:0', '-show_entries', 'stream=sample_rate', '-of', 'csv=p=0', input])).trim());
  if (!Number.isFinite(rate) || rate <= 0) throw runner.failed('ffprobe', [input], 'no audio stream with a sample rate');
  await runner.ffmpeg(
    ['-i', input, '-map', '0:a:0', '-af', `asetrate=${num(rate * factor)},aresample=${num(rate)},atempo=${num(tempo)}`, '-c:a', 'pcm_s16le', '-f', 'wav', path.resolve(options.out)],
    { signal: options.signal },
  );
}
