/** Reading a finished file: one frame out of a video, the silences in its audio. */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { num } from './encoding.ts';
import type { FfmpegRunner, RunOptions } from './run.ts';

/** One frame at `atSec` as an image; the format follows the extension (`.png`, `.jpg`, `.bmp`). */
export async function grabFrame(runner: FfmpegRunner, video: string, atSec: number, outPng: string, options: RunOptions = {}): Promise<void> {
  await writeFrame(runner, video, atSec, outPng, ['-ss', num(Math.max(0, atSec))], options);
}

/**
 * The last keyframe at or before `atSec` as an image, decoded alone: the demuxer seeks to it and the decoder skips
 * every other frame. Where a segment's keyframes fall depends on the encoder (a forced keyframe restarts the GOP,
 * see `joinKeyframeArgs`), so a frame at a chosen time is usually some way past one: on a 1080×1920 scene, decoding
 * the frames up to it made a thumbnail cost 0.28 cpu s, the keyframe alone 0.13.
 */
export async function grabKeyframe(runner: FfmpegRunner, video: string, atSec: number, out: string, options: RunOptions = {}): Promise<void> {
  await writeFrame(runner, video, atSec, out, ['-skip_frame', 'nokey', '-noaccurate_seek', '-ss', num(Math.max(0, atSec))], options);
}

async function writeFrame(runner: FfmpegRunner, video: string, atSec: number, outFile: string, seek: string[], options: RunOptions): Promise<void> {
  const out = path.resolve(outFile);
  await rm(out, { force: true });
  const args = [...seek, '-i', path.resolve(video), '-frames:v', '1', '-f', 'image2', '-update', '1', out];
  await runner.ffmpeg(args, { signal: options.signal });
  if (!existsSync(out)) {
    // ffmpeg exits 0 when the seek lands past the last frame.
    throw runner.failed('ffmpeg', args, `no frame at ${atSec} s in ${video}`);
  }
}

export interface SilenceOptions extends RunOptions {
  /** Quieter than this counts as silence. */
  noiseDb?: number;
  /** Shorter stretches are ignored. */
  minSec?: number;
}

/**
 * The stretches of silence in a file's audio (`silencedetect`, printed by
 * `ametadata` on stdout). Where one ends, sound starts: tests use this to
 * check that subtitles start with the speech in the finished video.
 */
export async function detectSilence(runner: FfmpegRunner, file: string, options: SilenceOptions = {}): Promise<Array<{ startSec: number; endSec: number }>> {
  const noise = options.noiseDb ?? -35;
  const min = options.minSec ?? 0.15;
  const out = await runner.ffmpeg(
    ['-i', path.resolve(file), '-map', '0:a:0', '-af', `silencedetect=noise=${num(noise)}dB:d=${num(min)},ametadata=mode=print:file=-`, '-f', 'null', '-'],
    { signal: options.signal },
  );
  const stretches: Array<{ startSec: number; endSec: number }> = [];
  let start: number | undefined;
  for (const line of out.split('\n')) {
    const m = /lavfi\.silence_(start|end)=(-?[\d.]+)/.exec(line);
    if (!m) continue;
    const at = Number(m[2]);
    if (m[1] === 'start') start = Math.max(0, at);
    else {
      stretches.push({ startSec: start ?? 0, endSec: at });
      start = undefined;
    }
  }
  if (start !== undefined) stretches.push({ startSec: start, endSec: Infinity });
  return stretches;
}
