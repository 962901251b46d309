/**
 * Speeding speech up or slowing it down a little without changing its
 * pitch (`atempo`, in both ffmpeg builds): how a narration that missed its
 * target length is brought back to it. WAV in, 16-bit PCM WAV out at the
 * input's rate and channels.
 */
import path from 'node:path';
import { num } from './encoding.ts';
import type { FfmpegRunner, RunOptions } from './run.ts';

/** `atempo`'s own bounds for one instance of the filter. */
export const MIN_TEMPO = 0.5;
export const MAX_TEMPO = 2;

export interface TempoOptions extends RunOptions {
  input: string;
  out: string;
  /** Above 1 is faster (shorter), below 1 slower. */
  tempo: number;
}

export async function changeTempo(runner: FfmpegRunner, options: TempoOptions): Promise<void> {
  const { tempo } = options;
  if (!Number.isFinite(tempo) || tempo < MIN_TEMPO || tempo > MAX_TEMPO) throw new RangeError(`tempo must be from ${MIN_TEMPO} to ${MAX_TEMPO}, got ${tempo}`);
  await runner.ffmpeg(
    ['-i', path.resolve(options.input), '-map', '0:a:0', '-af', `atempo=${num(tempo)}`, '-c:a', 'pcm_s16le', '-f', 'wav', path.resolve(options.out)],
    { signal: options.signal },
  );
}
