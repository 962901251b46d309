/**
 * Joining: segments concatenated without re-encoding, then the final mix
 * (the music ducked under the voice, fast start).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AUDIO_SAMPLE_RATE, audioOutputArgs, checkDuration, num, samples } from './encoding.ts';
import { concatListEntry, escapeFilterValue } from './escape.ts';
import { probe, type ProbeResult } from './probe.ts';
import type { FfmpegRunner, RunOptions } from './run.ts';
import { withScratch } from './scratch.ts';

/** Ducking: the voice, as sidechain, pushes the music down by this ratio above the threshold. */
const DUCK_THRESHOLD = 0.03;
const DUCK_RATIO = 8;
const DUCK_ATTACK_MS = 20;
const DUCK_RELEASE_MS = 400;


/** What must match between segments for `-c copy` to give a valid file. */
function streamShape(info: ProbeResult): string {
  const v = info.video;
  const a = info.audio;
  return `video ${v ? `${v.codec} ${v.width}x${v.height} ${num(v.fps)} fps` : 'none'}, audio ${a ? `${a.codec} ${a.sampleRate} Hz ${a.channels} ch` : 'none'}`;
}

/**
 * Joins segments made by this module with the concat demuxer, without
 * re-encoding. Each segment's length is written into the list, so the joined
 * video is the sum of its segments (plus one AAC priming frame, 21 ms, at the
 * start). Segments whose stream parameters differ are refused: copied
 * together they would make a file that players break on.
 */
export async function concatSegments(runner: FfmpegRunner, segments: readonly string[], out: string, options: RunOptions = {}): Promise<void> {
  if (segments.length === 0) throw new RangeError('concatSegments needs at least one segment');
  const entries: string[] = [];
  let shape: string | undefined;
  const probed = await Promise.all(segments.map((segment) => probe(runner, segment, options)));
  for (const [i, segment] of segments.entries()) {
    const info = probed[i]!;
    const segmentShape = streamShape(info);
    shape ??= segmentShape;
    if (segmentShape !== shape) {
      throw new RangeError(`segment ${segment} has ${segmentShape}, but the first segment has ${shape}; they cannot be joined without re-encoding`);
    }
    entries.push(concatListEntry(segment), `duration ${num(info.durationSec)}`);
  }
  await withScratch(async (dir) => {
    const list = path.join(dir, 'segments.ffconcat');
    await writeFile(list, ['ffconcat version 1.0', ...entries, ''].join('\n'));
    await runner.ffmpeg(['-f', 'concat', '-safe', '0', '-i', list, '-map', '0', '-c', 'copy', '-f', 'mp4', path.resolve(out)], { signal: options.signal });
  });
}


export interface MixOptions extends RunOptions {
  /** The concatenated video; its audio is the voice. */
  video: string;
  /** Looped or cut to the video's length. Without it the video is only remuxed for fast start. */
  music?: string;
  /** Music gain before ducking, 0..1. */
  musicVolume: number;
  /** Music fade-in and fade-out length. */
  fadeSec: number;
  out: string;
}

/**
 * The final MP4: video copied, the voice kept, the music ducked under the
 * voice (the voice is the sidechain), `+faststart` so playback starts before
 * the download ends.
 */
export async function mixFinal(runner: FfmpegRunner, options: MixOptions): Promise<void> {
  const { video, music, musicVolume, fadeSec, out } = options;
  const input = path.resolve(video);
  if (!music) {
    await runner.ffmpeg(['-i', input, '-map', '0:v:0', '-map', '0:a?', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', path.resolve(out)], { signal: options.signal });
    return;
  }
  const { durationSec } = await probe(runner, input, { signal: options.signal });
  checkDuration(durationSec, 'the video duration');
  const fade = Math.min(Math.max(fadeSec, 0), durationSec / 2);
  runner.requireFilters('music ducked under the voice', 'sidechaincompress', 'amerge');
  const format = `aformat=sample_fmts=fltp:sample_rates=${AUDIO_SAMPLE_RATE}:channel_layouts=stereo`;
  const graph = [
    `[0:a]aresample=${AUDIO_SAMPLE_RATE},${format},asplit=2[voice][key]`,
    `[1:a]${[
      `aresample=${AUDIO_SAMPLE_RATE}`,
      format,
      `atrim=end_sample=${samples(durationSec)}`,
      'asetpts=PTS-STARTPTS',
      `volume=${num(Math.max(0, musicVolume))}`,
      ...(fade > 0 ? [`afade=t=in:d=${num(fade)}`, `afade=t=out:st=${num(durationSec - fade)}:d=${num(fade)}`] : []),
    ].join(',')}[bed]`,
    // The format is named again after the compressor: from 5.0 on amerge cannot settle on one for its inputs otherwise.
    `[bed][key]sidechaincompress=threshold=${DUCK_THRESHOLD}:ratio=${DUCK_RATIO}:attack=${DUCK_ATTACK_MS}:release=${DUCK_RELEASE_MS},${format}[ducked]`,
    // amerge + pan adds the two at unity gain (amix would halve the voice).
    `[voice][ducked]amerge=inputs=2,pan=${escapeFilterValue('stereo|c0=c0+c2|c1=c1+c3')}[mix]`,
  ].join(';');
  await runner.ffmpeg(
    [
      '-i', input,
      '-stream_loop', '-1', '-i', path.resolve(music),
      '-filter_complex', graph,
      '-map', '0:v:0', '-c:v', 'copy',
      '-map', '[mix]', ...audioOutputArgs(),
      '-t', num(durationSec),
      '-movflags', '+faststart',
      '-f', 'mp4',
      path.resolve(out),
    ],
    { signal: options.signal },
  );
}

