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

/**
 * Ducking: the voice, as sidechain, pushes the music down by this ratio above the threshold. The voice is first
 * measured and the sidechain brought to `DUCK_KEY_LUFS`, so the music goes down as far under a quiet voice as
 * under a loud one. Measured (test/media/ffmpeg/ducking.test.ts): the music's momentary loudness is 12 dB or more
 * lower inside speech than in its pauses. The old fixed sidechain (threshold 0.03, ratio 8) gave 10.7 dB under
 * ordinary speech and 1 dB under quiet speech.
 */
const DUCK_KEY_LUFS = -20;
const DUCK_THRESHOLD = 0.01;
const DUCK_RATIO = 20;
const DUCK_ATTACK_MS = 20;
const DUCK_RELEASE_MS = 400;
/** sidechaincompress's range for `level_sc`. */
const KEY_GAIN_RANGE = [1 / 64, 64] as const;


/** What must match between segments for `-c copy` to give a valid file. */
export function streamShape(info: ProbeResult): string {
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

/** Loudness the platforms play at: −14 LUFS integrated, true peak at most −1 dBTP (aimed lower, for the AAC encoder's overshoot). */
export const TARGET_LUFS = -14;
export const TARGET_TRUE_PEAK_DB = -1;
const LIMIT_DB = -2;
/** A quiet mix is raised at most this much: silence stays silence. */
const MAX_GAIN_DB = 30;

/** Integrated loudness (LUFS) of a filter graph's output `[label]`, by `ebur128`. */
async function measureLoudness(runner: FfmpegRunner, inputs: string[], graph: string, options: RunOptions, label = 'mix'): Promise<{ lufs: number }> {
  const out = await runner.ffmpeg(
    [...inputs, '-filter_complex', `${graph};[${label}]ebur128=metadata=1,ametadata=mode=print:file=-[measured]`, '-map', '[measured]', '-f', 'null', '-'],
    { signal: options.signal },
  );
  let lufs = -70;
  // Printed per frame; the last value is the whole mix's.
  for (const line of out.split('\n')) {
    const i = /lavfi\.r128\.I=(-?[\d.]+)/.exec(line);
    if (i) lufs = Number(i[1]);
  }
  return { lufs };
}

/**
 * The final MP4: video copied, the voice kept, the music ducked under the
 * voice (the voice is the sidechain), the mix brought to −14 LUFS with its
 * true peak under −1 dBTP, `+faststart` so playback starts before the
 * download ends. Loudness takes passes over the audio only (`leveledMix`);
 * the video is copied.
 */
export async function mixFinal(runner: FfmpegRunner, options: MixOptions): Promise<void> {
  const { video, music, out } = options;
  const input = path.resolve(video);
  const { durationSec, audio } = await probe(runner, input, { signal: options.signal });
  if (!audio && !music) {
    await runner.ffmpeg(['-i', input, '-map', '0:v:0', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', path.resolve(out)], { signal: options.signal });
    return;
  }
  const { inputs, graph } = await leveledMix(runner, ['-i', input], durationSec, options);
  await runner.ffmpeg(
    [
      ...inputs,
      '-filter_complex', graph,
      '-map', '0:v:0', '-c:v', 'copy',
      '-map', '[out]', ...audioOutputArgs(),
      '-t', num(durationSec),
      '-movflags', '+faststart',
      '-f', 'mp4',
      path.resolve(out),
    ],
    { signal: options.signal },
  );
}

/** The sound of segments joined end to end: ffmpeg input arguments that read it, and the joined video's length. */
export interface JoinedSound {
  input: string[];
  durationSec: number;
}

export interface SoundMixOptions extends RunOptions {
  sound: JoinedSound;
  music?: string;
  musicVolume: number;
  fadeSec: number;
  /** An MP4 holding the mixed sound alone, AAC. */
  out: string;
}

/**
 * The sound half of `mixFinal`, made from the segments' sound while their picture is still being joined (see
 * `joinSegments`' `alongside`): the same passes and the same AAC, so `muxFinal` of the two gives what `mixFinal`
 * of the joined file would.
 */
export async function mixSound(runner: FfmpegRunner, options: SoundMixOptions): Promise<void> {
  const { sound, out } = options;
  const { inputs, graph } = await leveledMix(runner, sound.input, sound.durationSec, options);
  await runner.ffmpeg(
    [...inputs, '-filter_complex', graph, '-map', '[out]', ...audioOutputArgs(), '-t', num(sound.durationSec), '-f', 'mp4', path.resolve(out)],
    { signal: options.signal },
  );
}

/** The joined picture and the mixed sound (`mixSound`) in one MP4, both copied, `+faststart`. */
export async function muxFinal(runner: FfmpegRunner, options: RunOptions & { video: string; sound: string; durationSec: number; out: string }): Promise<void> {
  await runner.ffmpeg(
    [
      '-i', path.resolve(options.video), '-i', path.resolve(options.sound),
      '-map', '0:v:0', '-map', '1:a:0', '-c', 'copy',
      '-t', num(options.durationSec),
      '-movflags', '+faststart',
      '-f', 'mp4',
      path.resolve(options.out),
    ],
    { signal: options.signal },
  );
}

/**
 * The voice (input 0's sound) with the music (when given) looped or cut to `durationSec` and ducked under it, then
 * brought to −14 LUFS: the inputs and the filter graph ending in `[out]`. Loudness takes passes over the audio only:
 * one measures the voice for the sidechain, one the mix (`ebur128`), one the mix again through the gain and a
 * true-peak limiter; the graph applies them with the gain corrected, so the mix keeps its dynamics.
 */
async function leveledMix(
  runner: FfmpegRunner,
  voiceInput: string[],
  durationSec: number,
  options: RunOptions & { music?: string; musicVolume: number; fadeSec: number },
): Promise<{ inputs: string[]; graph: string }> {
  const { music, musicVolume, fadeSec } = options;
  checkDuration(durationSec, 'the video duration');
  const format = `aformat=sample_fmts=fltp:sample_rates=${AUDIO_SAMPLE_RATE}:channel_layouts=stereo`;
  const inputs = [...voiceInput, ...(music ? ['-stream_loop', '-1', '-i', path.resolve(music)] : [])];
  let graph: string;
  if (music) {
    const fade = Math.min(Math.max(fadeSec, 0), durationSec / 2);
    runner.requireFilters('music ducked under the voice', 'sidechaincompress', 'amerge', 'ebur128');
    const voice = await measureLoudness(runner, voiceInput, `[0:a]aresample=${AUDIO_SAMPLE_RATE},${format}[mix]`, options);
    const keyGain = Math.min(KEY_GAIN_RANGE[1], Math.max(KEY_GAIN_RANGE[0], 10 ** ((DUCK_KEY_LUFS - voice.lufs) / 20)));
    graph = [
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
      `[bed][key]sidechaincompress=threshold=${DUCK_THRESHOLD}:ratio=${DUCK_RATIO}:level_sc=${num(keyGain)}:attack=${DUCK_ATTACK_MS}:release=${DUCK_RELEASE_MS},${format}[ducked]`,
      // amerge + pan adds the two at unity gain (amix would halve the voice).
      `[voice][ducked]amerge=inputs=2,pan=${escapeFilterValue('stereo|c0=c0+c2|c1=c1+c3')}[mix]`,
    ].join(';');
  } else {
    graph = `[0:a]aresample=${AUDIO_SAMPLE_RATE},${format}[mix]`;
  }
  runner.requireFilters('loudness normalisation', 'ebur128', 'alimiter');
  const leveled = (gainDb: number) =>
    `[mix]volume=${num(gainDb)}dB,alimiter=limit=${num(10 ** (LIMIT_DB / 20))}:level=disabled:attack=5:release=50,${format}`;
  // The limiter takes a little loudness off peaky speech: measured once more through it, the gain makes up for that.
  const raw = await measureLoudness(runner, inputs, graph, options);
  const first = Math.min(MAX_GAIN_DB, TARGET_LUFS - raw.lufs);
  const through = await measureLoudness(runner, inputs, `${graph};${leveled(first)}[leveled]`, options, 'leveled');
  const gainDb = Math.min(MAX_GAIN_DB, first + (TARGET_LUFS - through.lufs));
  return { inputs, graph: `${graph};${leveled(gainDb)}[out]` };
}
