/**
 * Transitions between segments (crossfade, slide, wipe), made without
 * encoding any segment twice.
 *
 * Every scene is encoded with two extra keyframes, `JOIN_HANDLE_FRAMES`
 * from each end (`joinKeyframeArgs`, closed GOPs: x264's default). A join
 * with a transition then takes three kinds of pieces, all video only:
 *
 *   - the untouched middle of each segment, cut at those keyframes with
 *     the segment muxer and stream-copied (between two IDR frames the frames
 *     in decode order are exactly those in display order, so a cut there
 *     loses and shares nothing);
 *   - for each join, a window of 2 × `JOIN_HANDLE_FRAMES` frames (the last
 *     handle of one segment, the first of the next) decoded, blended and
 *     encoded again with the segments' own stream parameters. Each side is
 *     held on its edge frame (`tpad` clone) for the half of the window where
 *     it has no picture of its own, so the window keeps its length and the
 *     transition is centred on the join;
 *   - the sound, untouched: the audio of the hard-cut join (the segments'
 *     AAC copied end to end, as `concatSegments` does), muxed with the new
 *     picture in the same run that joins the video pieces.
 *
 * So the timeline, the narration and the subtitle times are exactly those of
 * the hard cut; only 2 × `JOIN_HANDLE_FRAMES` frames per join are encoded
 * again. Builds with `xfade` (ffmpeg 4.3 on) blend with it; older builds
 * (the packaged 4.1) make the same three kinds with `fade`, `hstack`, `crop`
 * and `overlay`. Both are deterministic: decoding is, the filters are, and
 * x264 runs with a fixed thread count.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { settleAll } from '../../core/settle-all.ts';
import { concatSegments, type JoinedSound, streamShape } from './assembly.ts';
import type { EncodeSlots } from './encode-slots.ts';
import { FPS, num, PIX_FMT, VIDEO_TIMESCALE, videoOutputArgs } from './encoding.ts';
import { concatListEntry, escapeFilterValue } from './escape.ts';
import { FfmpegError } from './errors.ts';
import { probe } from './probe.ts';
import type { FfmpegRunner, RunOptions } from './run.ts';
import { withScratch } from './scratch.ts';

export const TRANSITION_KINDS = ['cut', 'crossfade', 'slide', 'wipe'] as const;
export type TransitionKind = (typeof TRANSITION_KINDS)[number];

/** Frames at each end of a scene that a transition may re-encode: where the scenes' extra keyframes sit. */
export const JOIN_HANDLE_FRAMES = 8;
/** The longest transition the handles allow: the whole window. */
export const MAX_TRANSITION_SEC = (2 * JOIN_HANDLE_FRAMES) / FPS;
export const DEFAULT_TRANSITION_SEC = 0.5;
/**
 * x264 threads for a window, fixed (the stream depends on the count). A
 * 16-frame encode gains nothing from frame threads: measured at 1080×1920,
 * one thread costs 0.84 cpu s a window, two 1.25 (mostly system time). Two
 * windows still run at once, one per encode slot.
 */
const WINDOW_ENCODER_THREADS = 1;
/**
 * H.264 decoder threads for each of a window's two inputs. By default ffmpeg gives each decoder a frame thread per
 * core and one more, for pieces of 8 frames: measured at 1080×1920, one thread each takes 24 MB less (289 against
 * 313 MB) and about 7 % less CPU a window (0.88 against 0.95 cpu s, 6 alternating runs each at load 9), with the
 * window's bytes unchanged (decoding does not depend on the thread count).
 */
const WINDOW_DECODER_THREADS = 1;

/** What `xfade` calls each kind: the new scene fades in, pushes in from the right, is wiped in from the right. */
const XFADE_NAMES: Readonly<Record<Exclude<TransitionKind, 'cut'>, string>> = { crossfade: 'fade', slide: 'slideleft', wipe: 'wipeleft' };

export interface Transition {
  kind: TransitionKind;
  /** Rounded to whole frames, at least one, at most `MAX_TRANSITION_SEC`. */
  durationSec: number;
}

export const CUT: Transition = { kind: 'cut', durationSec: 0 };

/**
 * `-force_key_frames` for a segment of `frames` frames: keyframes where a
 * transition's window starts and ends. A segment too short for two handles
 * and a middle gets none, and joins to it are cut.
 */
export function joinKeyframeArgs(frames: number): string[] {
  if (!hasHandles(frames)) return [];
  return ['-force_key_frames', `expr:eq(n,${JOIN_HANDLE_FRAMES})+eq(n,${frames - JOIN_HANDLE_FRAMES})`];
}

function hasHandles(frames: number): boolean {
  return frames > 2 * JOIN_HANDLE_FRAMES;
}

/** A transition's length in frames; a length the handles cannot hold is refused. */
export function transitionFrames(transition: Transition): number {
  const frames = Math.round(transition.durationSec * FPS);
  if (transition.kind !== 'cut' && (!Number.isFinite(frames) || frames < 1 || frames > 2 * JOIN_HANDLE_FRAMES)) {
    throw new RangeError(`a ${transition.kind} lasts 1/${FPS} s to ${num(MAX_TRANSITION_SEC)} s, got ${transition.durationSec}`);
  }
  return frames;
}

export interface JoinOptions extends RunOptions {
  /** The segments in order, as made by `segments.ts`. */
  segments: readonly string[];
  /** One per join: `joins[i]` goes between `segments[i]` and `segments[i + 1]`. */
  joins: readonly Transition[];
  out: string;
  /**
   * Work on the joined sound while the picture is being joined (the final mix's passes, `mixSound`): called once
   * with input arguments that read the segments' sound end to end, exactly the sound `out` gets, and `out`'s length.
   * `joinSegments` settles when both are done. With cuts alone it is called once `out` is made, on `out`.
   */
  alongside?: (sound: JoinedSound) => Promise<void>;
}

/** What joining needs: something to run ffmpeg with, and the slots that pace the window encodes. */
export interface JoinEncoder {
  runner: FfmpegRunner;
  slots: EncodeSlots;
}

/**
 * The segments joined into one MP4 as long as their sum, with the transition
 * of each join (see the file header). All cuts: `concatSegments`. A join
 * whose segments are too short for their handles is cut.
 */
/**
 * Probes run this many at a time: one process per segment at once took a few hundred MB for a sample's nine
 * segments, beside the encodes of the join windows.
 */
const JOIN_PROCESSES_AT_ONCE = 2;

export async function joinSegments(encoder: JoinEncoder, options: JoinOptions): Promise<void> {
  const { segments, joins, signal } = options;
  if (joins.length !== Math.max(0, segments.length - 1)) throw new RangeError(`${segments.length} segments have ${segments.length - 1} joins, got ${joins.length}`);
  const { runner } = encoder;
  const probed = await settleAll(segments, JOIN_PROCESSES_AT_ONCE, (s) => probe(runner, s, { signal }));
  const frames = probed.map((p) => Math.round(p.durationSec * FPS));
  const blended = joins.map((t, i) => t.kind !== 'cut' && transitionFrames(t) > 0 && hasHandles(frames[i]!) && hasHandles(frames[i + 1]!));
  if (!blended.some(Boolean)) {
    await concatSegments(runner, segments, options.out, { signal });
    if (options.alongside) await options.alongside({ input: ['-i', path.resolve(options.out)], durationSec: (await probe(runner, options.out, { signal })).durationSec });
    return;
  }
  const shape = streamShape(probed[0]!);
  for (const [i, info] of probed.entries()) {
    if (streamShape(info) !== shape) throw new RangeError(`segment ${segments[i]} has ${streamShape(info)}, but the first segment has ${shape}; they cannot be joined without re-encoding`);
  }
  const { width, height } = probed[0]!.video!;

  await withScratch(async (dir) => {
    const audio = segments.flatMap((s, i) => [concatListEntry(s), `duration ${num(probed[i]!.durationSec)}`]);
    const audioList = path.join(dir, 'audio.ffconcat');
    await writeFile(audioList, ['ffconcat version 1.0', ...audio, ''].join('\n'));
    // ffmpeg moves each input by its own start. The sound's starts before zero, by the first segment's AAC priming (see
    // encoding.ts); the picture is moved by as much, so the two keep the alignment the hard cut has.
    const soundStart = Number(JSON.parse(await runner.ffprobe(['-print_format', 'json', '-show_format', '-f', 'concat', '-safe', '0', audioList], { signal }))?.format?.start_time);
    const offset = Number.isFinite(soundStart) && soundStart < 0 ? -soundStart : 0;
    // The sound's work runs beside the picture's; both end before the scratch directory goes.
    let soundDone: Promise<unknown> = Promise.resolve();
    if (options.alongside) {
      // The segments' AAC copied end to end, as the joined file gets it: decoded from the list instead, each segment's
      // priming would be dropped and the voice would run ahead of the picture by 21 ms a segment.
      const copied = path.join(dir, 'sound.mp4');
      await runner.ffmpeg(['-f', 'concat', '-safe', '0', '-i', audioList, '-map', '0:a:0', '-c', 'copy', '-f', 'mp4', copied], { signal });
      soundDone = options.alongside({ input: ['-i', copied], durationSec: offset + frames.reduce((sum, n) => sum + n, 0) / FPS });
    }
    const picture = joinedPicture(encoder, { segments, joins, frames, blended, width, height, dir, signal });
    const [video = []] = await allFinished([picture, soundDone.then((): string[] => [])]);
    const videoList = path.join(dir, 'video.ffconcat');
    await writeFile(videoList, ['ffconcat version 1.0', ...video, ''].join('\n'));
    await runner.ffmpeg(
      [
        '-itsoffset', num(offset), '-f', 'concat', '-safe', '0', '-i', videoList,
        '-f', 'concat', '-safe', '0', '-i', audioList,
        '-map', '0:v:0', '-map', '1:a:0?', '-c', 'copy', '-f', 'mp4', path.resolve(options.out),
      ],
      { signal },
    );
  });
}

/**
 * The picture's pieces in order, as ffconcat entries: each segment cut at its join keyframes (`splitSegments`), the
 * middles copied, a window encoded for each blended join (holding an encode slot, two at a time with the defaults).
 */
async function joinedPicture(encoder: JoinEncoder, plan: {
  segments: readonly string[];
  joins: readonly Transition[];
  frames: readonly number[];
  blended: readonly boolean[];
  width: number;
  height: number;
  dir: string;
  signal: AbortSignal | undefined;
}): Promise<string[]> {
  const { runner } = encoder;
  const { segments, joins, frames, blended, width, height, dir, signal } = plan;
  // Each segment's picture in up to three pieces: the head handle (when a transition comes in), the middle, the tail handle.
  const pieces = await splitSegments(runner, segments.map((segment, i) => ({
    segment, frames: frames[i]!, cut: { head: blended[i - 1] === true, tail: blended[i] === true }, prefix: path.join(dir, `s${i}`),
  })), signal);
  const windows = await allFinished(joins.map(async (t, i) => {
    if (!blended[i]) return undefined;
    const out = path.join(dir, `w${i}.mp4`);
    const window = { from: pieces[i]!.tail!, to: pieces[i + 1]!.head!, transition: t, width, height, out, threads: WINDOW_ENCODER_THREADS, signal };
    try {
      await encoder.slots.hold(signal, () => encodeWindow(runner, window));
    } catch (e) {
      // An abort while waiting for a slot is reported like one while ffmpeg runs.
      if (signal?.aborted && !(e instanceof FfmpegError)) throw runner.cancelled('ffmpeg', e);
      throw e;
    }
    return out;
  }));
  const video: string[] = [];
  const entry = (file: string, frameCount: number) => video.push(concatListEntry(file), `duration ${num(frameCount / FPS)}`);
  for (const [i, piece] of pieces.entries()) {
    entry(piece.middle, piece.middleFrames);
    const window = windows[i];
    if (window) entry(window, 2 * JOIN_HANDLE_FRAMES);
  }
  return video;
}

/** Like `Promise.all`, but settles only once every run has ended, so none still writes into the scratch directory as it is removed. */
async function allFinished<T>(runs: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(runs);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

interface Pieces {
  /** The segment's picture between the handles that a transition replaces (the whole segment when none does). */
  middle: string;
  middleFrames: number;
  head?: string;
  tail?: string;
}

interface SplitPlan {
  segment: string;
  frames: number;
  /** Which handles a transition replaces. */
  cut: { head: boolean; tail: boolean };
  /** The pieces are `${prefix}-0.mp4`, `${prefix}-1.mp4`, … */
  prefix: string;
}

/**
 * Each segment's video stream-copied into pieces at its join keyframes, all in one ffmpeg run (an input and an
 * output per segment: a run a segment cost a process start each, 0.13–0.15 cpu s at load 25, for a copy of a few
 * hundred packets). The segment muxer cuts at the first keyframe at or after each frame number, so the pieces'
 * lengths are checked: a segment without the keyframes (one not made by `renderScene`) is refused rather than
 * joined out of step.
 */
async function splitSegments(runner: FfmpegRunner, plans: readonly SplitPlan[], signal: AbortSignal | undefined): Promise<Pieces[]> {
  const cutsOf = ({ frames, cut }: SplitPlan) => [...(cut.head ? [JOIN_HANDLE_FRAMES] : []), ...(cut.tail ? [frames - JOIN_HANDLE_FRAMES] : [])];
  const args = plans.flatMap((plan) => ['-i', path.resolve(plan.segment)]);
  for (const [i, plan] of plans.entries()) {
    const at = cutsOf(plan);
    const copy = ['-map', `${i}:v:0`, '-c', 'copy', '-map_metadata', '-1'];
    args.push(...(at.length === 0
      ? [...copy, '-video_track_timescale', String(VIDEO_TIMESCALE), '-f', 'mp4', `${plan.prefix}-0.mp4`]
      : [
        ...copy, '-f', 'segment', '-segment_format', 'mp4', '-segment_format_options', `video_track_timescale=${VIDEO_TIMESCALE}`,
        '-segment_frames', at.join(','), '-reset_timestamps', '1', '-segment_list', `${plan.prefix}.csv`, '-segment_list_type', 'csv', `${plan.prefix}-%d.mp4`,
      ]));
  }
  await runner.ffmpeg(args, { signal });
  return Promise.all(plans.map(async (plan) => {
    const { segment, frames, cut, prefix } = plan;
    const at = cutsOf(plan);
    if (at.length === 0) return { middle: `${prefix}-0.mp4`, middleFrames: frames };
    // The list's times are those of the copied packets, moved later by the decoding delay (the B-frames') so that no
    // timestamp is negative; the first piece starts at 0 all the same. The last piece's end, a whole segment late, gives the delay.
    const rows = (await readFile(`${prefix}.csv`, 'utf8')).trim().split('\n').map((line) => line.split(',').slice(1, 3).map((t) => Math.round(Number(t) * FPS)));
    const delay = (rows.at(-1)?.[1] ?? frames) - frames;
    const starts = rows.map(([start], i) => (i === 0 ? start! : start! - delay));
    const expected = [0, ...at];
    if (starts.length !== expected.length || starts.some((s, i) => s !== expected[i])) {
      throw runner.failed('ffmpeg', [], `${segment} has no keyframes at frames ${at.join(' and ')} (pieces start at ${starts.join(', ')}): it was not made for transitions`);
    }
    const files = expected.map((_, i) => `${prefix}-${i}.mp4`);
    const bounds = [...expected, frames];
    const m = cut.head ? 1 : 0;
    return {
      middle: files[m]!,
      middleFrames: bounds[m + 1]! - bounds[m]!,
      ...(cut.head ? { head: files[0]! } : {}),
      ...(cut.tail ? { tail: files[files.length - 1]! } : {}),
    };
  }));
}

interface WindowOptions {
  /** The first segment's tail handle and the second's head handle, `JOIN_HANDLE_FRAMES` frames each. */
  from: string;
  to: string;
  transition: Transition;
  width: number;
  height: number;
  out: string;
  threads: number;
  signal: AbortSignal | undefined;
}

/** The 2 × `JOIN_HANDLE_FRAMES` frames around a join, blended, encoded with the segments' video parameters. */
async function encodeWindow(runner: FfmpegRunner, options: WindowOptions): Promise<void> {
  const { transition } = options;
  const kind = transition.kind as Exclude<TransitionKind, 'cut'>;
  const h = JOIN_HANDLE_FRAMES;
  const d = transitionFrames(transition);
  // The transition is centred on the join: it starts `start` frames into the window.
  const start = h - Math.floor(d / 2);
  const graph = runner.hasFilter('xfade') ? xfadeGraph(kind, h, d, start) : fallbackGraph(kind, h, d, start, options.width);
  await runner.ffmpeg(
    [
      '-threads', String(WINDOW_DECODER_THREADS), '-i', path.resolve(options.from),
      '-threads', String(WINDOW_DECODER_THREADS), '-i', path.resolve(options.to),
      '-filter_complex', graph, '-map', '[v]', '-an',
      ...videoOutputArgs(options.threads), '-frames:v', String(2 * h), '-f', 'mp4', path.resolve(options.out),
    ],
    { signal: options.signal },
  );
}

/** Both handles at the window's length: the outgoing one held on its last frame after, the incoming one on its first before. */
function paddedHandles(h: number, before: number, after: number): string[] {
  return [
    `[0:v]trim=end_frame=${h},setpts=PTS-STARTPTS,tpad=stop_mode=clone:stop=${after}[a]`,
    `[1:v]trim=end_frame=${h},setpts=PTS-STARTPTS,tpad=start_mode=clone:start=${before}[b]`,
  ];
}

/** `xfade` consumes the second input from the transition's start, so that side is padded only by what falls inside it. */
function xfadeGraph(kind: Exclude<TransitionKind, 'cut'>, h: number, d: number, start: number): string {
  return [
    ...paddedHandles(h, h - start, start + d - h),
    `[a][b]xfade=transition=${XFADE_NAMES[kind]}:duration=${num(d / FPS)}:offset=${num(start / FPS)},format=${PIX_FMT}[v]`,
  ].join(';');
}

/**
 * The same three transitions with filters ffmpeg 4.1 has, on two inputs
 * padded to the whole window. `p` runs from 0 to 1 over the transition's
 * frames. Crossfade: the new picture's alpha faded in over the old. Slide:
 * a window the frame's width moving across the two side by side. Wipe: the
 * new picture's part right of an edge moving left, laid over the old.
 */
function fallbackGraph(kind: Exclude<TransitionKind, 'cut'>, h: number, d: number, start: number, width: number): string {
  // By the frame's time, not `n`: overlay's `n` runs ahead of crop's, and the two edges must meet.
  const p = `clip((round(t*${FPS})-${start})/${d},0,1)`;
  const chains = paddedHandles(h, h, h);
  switch (kind) {
    case 'crossfade':
      chains.push(`[b]format=yuva420p,fade=t=in:s=${start}:n=${d}:alpha=1[bf]`, `[a][bf]overlay=format=yuv420,format=${PIX_FMT}[v]`);
      break;
    case 'slide':
      chains.push(`[a][b]hstack,crop=w=${width}:x=${escapeFilterValue(`2*floor(${width}*${p}/2)`)}:y=0,format=${PIX_FMT}[v]`);
      break;
    case 'wipe': {
      const edge = escapeFilterValue(`2*floor(${width}*(1-${p})/2)`);
      chains.push(`[b]pad=w=${2 * width}:x=0:y=0,crop=w=${width}:x=${edge}:y=0[bc]`, `[a][bc]overlay=x=${edge}:y=0,format=${PIX_FMT}[v]`);
      break;
    }
  }
  return chains.join(';');
}
