/**
 * Segments: the title card, a scene, and the benchmark floor, each one
 * H.264 + AAC file with the shared stream parameters of `encoding.ts`, so
 * that `concatSegments` can join them without re-encoding. Title cards and
 * scenes hold an encode slot (`EncodeSlots`) from their first step.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { seedOf } from '../../core/random.ts';
import { preparedFonts } from '../fonts.ts';
import { type CaptionOptions, captionsAss, type Cue, titleAss } from './ass.ts';
import type { EncodeSlots } from './encode-slots.ts';
import {
  AUDIO_SAMPLE_RATE, checkSize, COLOR_MATRIX, coverFilters, fadeFilters, fitAudioFilters, FPS, frameExact, num, PIX_FMT, segmentOutputArgs, silenceSource,
} from './encoding.ts';
import { escapeFilterPath } from './escape.ts';
import { FfmpegError } from './errors.ts';
import { handheldFilters, kenBurnsFilters, pushInFilters } from './ken-burns.ts';
import type { FfmpegRunner, RunOptions } from './run.ts';
import { libassEnv, stageImage, withScratch } from './scratch.ts';
import { gradientSource } from './sources.ts';
import { joinKeyframeArgs } from './transitions.ts';

/** Darkens a caller's background image so that white title text stays readable. */
const TITLE_BACKGROUND_DIM = 'black@0.35';
export const TITLE_FADE_SEC = 0.5;

const WATERMARK_FONT_RATIO = 0.038;
const WATERMARK_MARGIN_RATIO = 0.035;
/** Watermark image width as a fraction of the frame width. */
const WATERMARK_IMAGE_WIDTH_RATIO = 0.16;
const WATERMARK_OPACITY = 0.85;

/** Voice fade-in: long enough to avoid a click, short enough to keep the first syllable. */
const VOICE_EDGE_FADE_SEC = 0.02;

/** What a title card or scene needs: something to run ffmpeg with, and the slots that pace the encodes. */
export interface SegmentEncoder {
  runner: FfmpegRunner;
  slots: EncodeSlots;
}

/** Runs `work` holding an encode slot; an abort while waiting is a cancelled `FfmpegError`, like an abort while running. */
async function asSegment<T>(encoder: SegmentEncoder, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await encoder.slots.hold(signal, work);
  } catch (e) {
    if (signal?.aborted && !(e instanceof FfmpegError)) throw encoder.runner.cancelled('ffmpeg', e);
    throw e;
  }
}

export interface TitleCardOptions extends RunOptions {
  width: number;
  height: number;
  durationSec: number;
  title: string;
  out: string;
  /** An image to fill the frame behind the title; a generated gradient (seeded by the title) when absent. */
  background?: string;
  /** Fade from and to black; default `TITLE_FADE_SEC`. */
  fadeSec?: number;
}

/** An H.264 + AAC segment (duration rounded to whole frames): the title big and centred over a background, silent audio, faded in and out. */
export async function renderTitleCard(encoder: SegmentEncoder, options: TitleCardOptions): Promise<void> {
  const { width, height, title, out, background } = options;
  checkSize(width, height);
  const { durationSec } = frameExact(options.durationSec);
  encoder.runner.requireFilters('the title card', 'ass');
  // The slot is given back as soon as ffmpeg is done: the scratch files are removed after.
  await withScratch((dir) => asSegment(encoder, options.signal, async () => {
    const fonts = await libassEnv();
    const assFile = path.join(dir, 'title.ass');
    await writeFile(assFile, titleAss(width, height, title, fonts.family, durationSec));

    const inputs: string[] = [];
    let backgroundChain: string;
    if (background) {
      inputs.push('-framerate', String(FPS), '-i', await stageImage(background, dir, 'background'));
      backgroundChain = ['[0:v]' + coverFilters(width, height).join(','), `drawbox=c=${TITLE_BACKGROUND_DIM}:t=fill`].join(',');
    } else {
      backgroundChain = `${gradientSource(width, height, seedOf(title))},format=${PIX_FMT}`;
    }
    const graph = [
      // One picture with the title on it, cloned for the whole card: the scaling and the title happen once.
      [
        backgroundChain,
        `ass=filename=${escapeFilterPath(assFile)}:fontsdir=${escapeFilterPath(fonts.fontsDir)}`,
        `tpad=stop_mode=clone:stop_duration=${num(durationSec)}`,
        `fps=${FPS}`,
        ...fadeFilters(durationSec, options.fadeSec ?? TITLE_FADE_SEC),
        `format=${PIX_FMT}`,
      ].join(',') + '[v]',
      `${silenceSource(durationSec)}[a]`,
    ].join(';');
    await encoder.runner.ffmpeg(
      [...inputs, '-filter_complex', graph, '-map', '[v]', '-map', '[a]', ...segmentOutputArgs(durationSec, encoder.slots.encoderThreads()), path.resolve(out)],
      { signal: options.signal, env: fonts.env },
    );
  }));
}

export interface SceneOptions extends RunOptions {
  width: number;
  height: number;
  durationSec: number;
  /**
   * How a still is moved (`ken-burns.ts`): `smooth`, an image without fine detail such as a generated gradient;
   * `drawn`, a picture drawn at the frame's size (an illustration, typography); neither, a photo.
   */
  visual: { path: string; kind: 'image' | 'video'; smooth?: boolean; drawn?: boolean };
  /** The narration (WAV or any audio), placed at t=0, padded with silence or cut to `durationSec`. */
  audio: string;
  cues: readonly Cue[];
  /** How the cues are shown (style and layout); default the sentence style. */
  captions?: CaptionOptions;
  watermark?: { text?: string; image?: string };
  /** Fade from and to black at both ends, for the transition to the neighbouring scenes. */
  fadeSec: number;
  out: string;
  /** Picks the Ken Burns direction (or the handheld sway); default: derived from the visual's path. */
  motionSeed?: number;
  /**
   * How an image moves (`ken-burns.ts`): a Ken Burns move (default); for a composed picture with text near its
   * edges, a centred push-in or a handheld camera's sway, which crop only a few percent of any edge.
   */
  motion?: 'ken-burns' | 'push' | 'handheld';
  /** Keep the captions' ASS document at this path (default: a scratch file, removed afterwards). */
  subtitlesFile?: string;
  /**
   * Also write one frame of the scene as composed before the captions (visual, move, watermark) to this PNG, from
   * the same run: what a cover is made from (`renderCover`). The frame half-way through the scene.
   */
  stillFile?: string;
  /**
   * Also write the same middle frame as shown (captions and all) to this JPEG, from the same run: a thumbnail (a
   * thumbnail made after the run from the segment's keyframe cost an ffmpeg run of 0.13 cpu s a scene, 0.21–0.29 at
   * load 20). With a still of an image, the still's frame finished like the scene's at that frame's time; otherwise a
   * branch of the finished picture after every filter that draws on it.
   */
  thumbnailFile?: string;
}

/**
 * An H.264 + AAC segment `durationSec` long (rounded to whole frames): the visual covering the
 * frame (an image with a slow Ken Burns move, a video trimmed or looped), the
 * narration, burned-in captions, an optional watermark, faded in and out.
 */
export async function renderScene(encoder: SegmentEncoder, options: SceneOptions): Promise<void> {
  const { width, height, visual, cues, watermark, out } = options;
  checkSize(width, height);
  const { frames, durationSec } = frameExact(options.durationSec);

  // The slot is given back as soon as ffmpeg is done: the scratch files are removed after.
  await withScratch((dir) => asSegment(encoder, options.signal, async () => {
    const fonts = await libassEnv();
    const inputs: string[] = [];
    const chains: string[] = [];

    const stillFrame = Math.floor(frames / 2);
    /** The still's own chain from a second reading of the image, up to the watermark; none: a branch of the scene's picture. */
    let stillBase: string | undefined;
    let stillInput: string | undefined;
    if (visual.kind === 'image') {
      const staged = await stageImage(visual.path, dir, 'visual');
      inputs.push('-i', staged);
      // By the file's name, not its whole path: stored assets are named by their content, so the move is the same
      // whichever data directory holds it.
      const seed = options.motionSeed ?? seedOf(path.basename(visual.path));
      const still = visual.smooth ? 'smooth' : visual.drawn ? 'drawn' : 'photo';
      const move = (at?: number) => options.motion === 'handheld'
        ? handheldFilters(width, height, frames + 1, seed, at)
        : options.motion === 'push'
          ? pushInFilters(width, height, frames + 1, at)
          : kenBurnsFilters(encoder.runner.capabilities, still, width, height, frames + 1, seed, at);
      chains.push(`[0:v]${move().join(',')}[base]`);
      if (options.stillFile && !watermark?.image) {
        // The still frame alone, from the image again: a split of the scene's picture for it cost ~0.25 cpu s a 1080×1920
        // scene (every frame copied before the captions are drawn on it), this ~0.05. The pixels are the same.
        stillBase = `[2:v]${move(stillFrame).join(',')}`;
        stillInput = staged;
      }
    } else {
      inputs.push('-stream_loop', '-1', '-i', path.resolve(visual.path));
      chains.push(`[0:v]${['setpts=PTS-STARTPTS', `fps=${FPS}`, ...coverFilters(width, height)].join(',')}[base]`);
    }
    inputs.push('-i', path.resolve(options.audio));
    // Input 2, before any logo: the logo's input comes only when the still is a branch of the scene's picture.
    if (stillInput) inputs.push('-i', stillInput);
    chains.push(
      `[1:a]${[...fitAudioFilters(durationSec), `afade=t=in:d=${num(Math.min(VOICE_EDGE_FADE_SEC, durationSec / 2))}`, ...audioFadeOut(durationSec, options.fadeSec)].join(',')}[a]`,
    );

    let current = 'base';
    const short = Math.min(width, height);
    const margin = Math.round(short * WATERMARK_MARGIN_RATIO);
    if (watermark?.image) {
      inputs.push('-i', await stageImage(watermark.image, dir, 'logo'));
      const logoWidth = Math.round(width * WATERMARK_IMAGE_WIDTH_RATIO);
      chains.push(`[2:v]scale=${logoWidth}:-1,format=rgba,colorchannelmixer=aa=${WATERMARK_OPACITY}[logo]`);
      chains.push(`[${current}][logo]overlay=x=main_w-overlay_w-${margin}:y=${margin}[logoed]`);
      current = 'logoed';
    }
    if (watermark?.text?.trim()) {
      const textFile = path.join(dir, 'watermark.txt');
      await writeFile(textFile, watermark.text.trim());
      const fontSize = Math.round(short * WATERMARK_FONT_RATIO);
      // Top right alone; top left when a logo already holds the right corner.
      const x = watermark.image ? `${margin}` : `w-tw-${margin}`;
      const drawtext = `drawtext=${[
        `fontfile=${escapeFilterPath((await preparedFonts()).regular)}`,
        `textfile=${escapeFilterPath(textFile)}`,
        'expansion=none',
        `fontsize=${fontSize}`,
        `fontcolor=white@${WATERMARK_OPACITY}`,
        `borderw=${Math.max(1, Math.round(fontSize * 0.06))}`,
        'bordercolor=black@0.6',
        `x=${x}`,
        `y=${margin}`,
      ].join(':')}`;
      chains.push(`[${current}]${drawtext}[marked]`);
      current = 'marked';
      if (stillBase) stillBase += `,${drawtext}`;
    }

    // What draws on the finished frames: the captions, the fades. Applied to the scene's picture and to the thumbnail.
    const finish: string[] = [];
    if (cues.some((cue) => cue.text.trim() !== '')) {
      encoder.runner.requireFilters('burned-in captions', 'ass');
      const assFile = options.subtitlesFile ? path.resolve(options.subtitlesFile) : path.join(dir, 'captions.ass');
      await writeFile(assFile, captionsAss(width, height, cues, fonts.family, durationSec, options.captions));
      finish.push(`ass=filename=${escapeFilterPath(assFile)}:fontsdir=${escapeFilterPath(fonts.fontsDir)}`);
    }
    finish.push(...fadeFilters(durationSec, options.fadeSec), `format=${PIX_FMT}`);

    const stillArgs: string[] = [];
    /** The thumbnail is finished from the still's own frame (see below) rather than cut from the scene's picture. */
    let thumbnailFromStill = false;
    if (options.stillFile) {
      if (stillBase && options.thumbnailFile) {
        // The thumbnail from the still's frame, finished at the middle frame's time so the captions and fades are those
        // shown there. Cut from the scene's picture instead (a split and a trim to the middle frame), it made ffmpeg hold
        // every frame before the middle in memory: the move makes all its frames from one decoded image, so the graph
        // ran on to the thumbnail's frame before the encoder took any. Measured at 1080×1920: 551–563 MB for the scene's
        // run with that branch, 351 MB with this one (a second libass instance, one frame).
        chains.push(
          `${stillBase},split=2[stillsrc][thumbsrc]`,
          `[stillsrc]${stillFilters().join(',')}[still]`,
          `[thumbsrc]settb=1/${FPS},setpts=${stillFrame},${finish.join(',')}[thumb]`,
        );
        thumbnailFromStill = true;
      } else if (stillBase) {
        chains.push(`${stillBase},${stillFilters().join(',')}[still]`);
      } else {
        chains.push(`[${current}]split=2[composed][stillsrc]`, `[stillsrc]${[stillTrim(stillFrame), ...stillFilters()].join(',')}[still]`);
        current = 'composed';
      }
      stillArgs.push('-map', '[still]', '-frames:v', '1', '-f', 'image2', '-update', '1', path.resolve(options.stillFile));
    }

    const thumbnailArgs: string[] = [];
    if (options.thumbnailFile && !thumbnailFromStill) {
      // After the last filter that writes into the frames: the encoder and the trim only read them, so the split copies none.
      chains.push(`[${current}]${finish.join(',')},split=2[v][thumbsrc]`, `[thumbsrc]${stillTrim(stillFrame)}[thumb]`);
    } else {
      chains.push(`[${current}]${finish.join(',')}[v]`);
    }
    if (options.thumbnailFile) thumbnailArgs.push('-map', '[thumb]', '-frames:v', '1', '-f', 'image2', '-update', '1', path.resolve(options.thumbnailFile));

    await encoder.runner.ffmpeg(
      [
        ...inputs, '-filter_complex', chains.join(';'), '-map', '[v]', '-map', '[a]',
        // Keyframes where a transition to a neighbour would start or end, so the rest of the scene is copied, not encoded again.
        ...joinKeyframeArgs(frames),
        ...segmentOutputArgs(durationSec, encoder.slots.encoderThreads()), path.resolve(out),
        ...stillArgs,
        ...thumbnailArgs,
      ],
      { signal: options.signal, env: fonts.env },
    );
  }));
}

/** Frame `frame` alone, out of a branch of the scene's picture. */
function stillTrim(frame: number): string {
  return `trim=start_frame=${frame}:end_frame=${frame + 1}`;
}

/** The still as full-range RGB converted with the segments' own matrix (not swscale's BT.601 default). */
function stillFilters(): string[] {
  return [`scale=in_color_matrix=${COLOR_MATRIX}:in_range=tv`, 'format=rgb24'];
}

function audioFadeOut(durationSec: number, fadeSec: number): string[] {
  const fade = Math.min(Math.max(fadeSec, 0), durationSec / 2);
  return fade > 0 ? [`afade=t=out:st=${num(durationSec - fade)}:d=${num(fade)}`] : [];
}

export interface FloorOptions extends RunOptions {
  width: number;
  height: number;
  durationSec: number;
  out: string;
  /** `testsrc2` (default) moves and has detail like real footage; `color` is the encoder's absolute minimum. */
  pattern?: 'testsrc2' | 'color';
}

/**
 * The benchmark floor: a generated source and silence, encoded with the
 * segment settings and no filters. It runs alone, so x264 picks its own
 * threads, as for a segment encode that starts alone.
 */
export async function encodeFloor(runner: FfmpegRunner, options: FloorOptions): Promise<void> {
  const { width, height, out } = options;
  checkSize(width, height);
  const { durationSec } = frameExact(options.durationSec);
  const source = options.pattern === 'color' ? `color=c=0x336699:s=${width}x${height}:r=${FPS}` : `testsrc2=s=${width}x${height}:r=${FPS}`;
  await runner.ffmpeg(
    [
      '-f', 'lavfi', '-i', source,
      '-f', 'lavfi', '-i', `anullsrc=r=${AUDIO_SAMPLE_RATE}:cl=stereo`,
      '-map', '0:v', '-map', '1:a',
      ...segmentOutputArgs(durationSec),
      path.resolve(out),
    ],
    { signal: options.signal },
  );
}

