/**
 * Presenter scenes: the speech's loudness in windows (what drives the motion), a still moved by per-frame zoom and
 * place keyframes with captions and kinetic type over it, and the enhancement pass (sharpen, light denoise, loudness).
 *
 * The motion is given as keyframes (`MotionKeys`, a few per second) and drawn as ffmpeg expressions of the frame
 * number: linear between keyframes, so it is smooth at every frame. As for a drawn Ken Burns still
 * (`ken-burns.ts`), the still is repeated, scaled per frame and cut at whole output pixels; builds before 5.0,
 * whose scale filter has no frame number, move it with zoompan instead.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type CaptionOptions, captionsAss, type Cue } from './ass.ts';
import {
  checkSize, COLOR_MATRIX, CRF, fadeFilters, fitAudioFilters, FPS, frameExact, GOP_FRAMES, num, PIX_FMT, segmentOutputArgs, VIDEO_CODEC, X264_PRESET, X264_PROFILE,
} from './encoding.ts';
import { escapeFilterPath, escapeFilterValue } from './escape.ts';
import { FfmpegError } from './errors.ts';
import { mixFinal } from './assembly.ts';
import type { FfmpegRunner, RunOptions } from './run.ts';
import { libassEnv, stageImage, withScratch } from './scratch.ts';
import type { SegmentEncoder } from './segments.ts';
import { joinKeyframeArgs } from './transitions.ts';

/** Audio is read at this rate for its loudness: enough for speech's energy, little to decode. */
const LEVEL_SAMPLE_RATE = 16_000;
/** A window with no sound at all: well under any silence threshold. */
const SILENT_DB = -120;
/** libavcodec of ffmpeg 5.0: the scale filter's frame number under `eval=frame` (see `ken-burns.ts`). */
const SCALE_FRAME_NUMBER_SINCE: readonly [number, number] = [59, 18];

/** The RMS level (dBFS) of each window of `1/hz` seconds of a file's audio, mixed to mono. */
export async function audioLevels(runner: FfmpegRunner, audio: string, hz: number, options: RunOptions = {}): Promise<number[]> {
  if (!(hz > 0)) throw new RangeError(`hz must be positive, got ${hz}`);
  return withScratch(async (dir) => {
    const raw = path.join(dir, 'levels.raw');
    await runner.ffmpeg(['-i', path.resolve(audio), '-map', '0:a:0', '-ac', '1', '-ar', String(LEVEL_SAMPLE_RATE), '-f', 's16le', '-acodec', 'pcm_s16le', raw], { signal: options.signal });
    const pcm = await readFile(raw);
    const count = Math.floor(pcm.length / 2);
    const per = LEVEL_SAMPLE_RATE / hz;
    const levels: number[] = [];
    for (let w = 0; w * per < count; w++) {
      const from = Math.round(w * per);
      const to = Math.min(count, Math.round((w + 1) * per));
      let sum = 0;
      for (let i = from; i < to; i++) {
        const s = pcm.readInt16LE(i * 2) / 32768;
        sum += s * s;
      }
      const rms = Math.sqrt(sum / Math.max(1, to - from));
      levels.push(rms > 0 ? Math.max(SILENT_DB, 20 * Math.log10(rms)) : SILENT_DB);
    }
    return levels;
  });
}

/** Camera keyframes: zoom ≥ 1 and the crop window's place as a share (0..1) of its room, `hz` per second. */
export interface CameraKeys {
  hz: number;
  zoom: readonly number[];
  x: readonly number[];
  y: readonly number[];
}

/** Keyframe values as an expression of `frame` (a variable name): linear between keyframes, held after the last. */
export function keyframeExpression(values: readonly number[], hz: number, frame: string): string {
  if (values.length === 0) throw new RangeError('no keyframes');
  const step = FPS / hz;
  const at = (i: number) => num(i * step);
  const terms: string[] = [];
  for (let i = 0; i < values.length - 1; i++) {
    const [a, b] = [values[i]!, values[i + 1]!];
    const value = a === b ? num(a) : `${num(a)}+${num(b - a)}*(${frame}-${at(i)})/${num(step)}`;
    terms.push(`gte(${frame},${at(i)})*lt(${frame},${at(i + 1)})*(${value})`);
  }
  terms.push(`gte(${frame},${at(values.length - 1)})*${num(values.at(-1)!)}`);
  return terms.join('+');
}

function scalesPerFrame(runner: FfmpegRunner): boolean {
  const build = runner.capabilities;
  const [major, minor] = build.libavcodec;
  return build.known && (major > SCALE_FRAME_NUMBER_SINCE[0] || (major === SCALE_FRAME_NUMBER_SINCE[0] && minor >= SCALE_FRAME_NUMBER_SINCE[1]));
}

/** The chain from a still of the frame's size to `frames` frames moved by the keyframes. */
function cameraFilters(runner: FfmpegRunner, width: number, height: number, frames: number, keys: CameraKeys): string[] {
  if (scalesPerFrame(runner)) {
    const z = keyframeExpression(keys.zoom, keys.hz, 'n');
    const sw = `ceil(${width}*(${z})/2)*2`;
    const sh = `ceil(${height}*(${z})/2)*2`;
    return [
      `loop=loop=${frames - 1}:size=1:start=0`, `settb=1/${FPS}`, 'setpts=N',
      `scale=w=${escapeFilterValue(sw)}:h=${escapeFilterValue(sh)}:eval=frame:flags=bicubic`,
      `crop=w=${width}:h=${height}:x=${escapeFilterValue(`(${sw}-${width})*(${keyframeExpression(keys.x, keys.hz, 'n')})`)}:y=${escapeFilterValue(`(${sh}-${height})*(${keyframeExpression(keys.y, keys.hz, 'n')})`)}:exact=1`,
      'setsar=1',
    ];
  }
  const z = keyframeExpression(keys.zoom, keys.hz, 'on');
  const x = `(iw-iw/zoom)*(${keyframeExpression(keys.x, keys.hz, 'on')})`;
  const y = `(ih-ih/zoom)*(${keyframeExpression(keys.y, keys.hz, 'on')})`;
  return [`zoompan=z=${escapeFilterValue(z)}:x=${escapeFilterValue(x)}:y=${escapeFilterValue(y)}:d=${frames}:s=${width}x${height}:fps=${FPS}`, 'setsar=1'];
}

export interface PresenterSceneOptions extends RunOptions {
  width: number;
  height: number;
  durationSec: number;
  /** The framed picture (PNG), `width`×`height`. */
  still: string;
  camera: CameraKeys;
  /** The narration, placed at t=0, padded with silence or cut to `durationSec`. */
  audio: string;
  cues: readonly Cue[];
  captions?: CaptionOptions;
  /** An ASS document drawn over the moving picture and under the captions (kinetic type), at the frame's size. */
  overlayAss?: string;
  fadeSec: number;
  out: string;
}

/** An H.264 + AAC segment like `renderScene`'s: the still moved by the camera keyframes, the narration, kinetic type and captions. */
export async function renderPresenterScene(encoder: SegmentEncoder, options: PresenterSceneOptions): Promise<void> {
  const { width, height, cues, out } = options;
  checkSize(width, height);
  const { frames, durationSec } = frameExact(options.durationSec);
  await withScratch(async (dir) => {
    try {
      await encoder.slots.hold(options.signal, async () => {
        const fonts = await libassEnv();
        const still = await stageImage(options.still, dir, 'still');
        const picture = [`format=${PIX_FMT}`, ...cameraFilters(encoder.runner, width, height, frames, options.camera)];
        const overlays: string[] = [];
        if (options.overlayAss) {
          encoder.runner.requireFilters('kinetic type', 'ass');
          const file = path.join(dir, 'kinetic.ass');
          await writeFile(file, options.overlayAss);
          overlays.push(`ass=filename=${escapeFilterPath(file)}:fontsdir=${escapeFilterPath(fonts.fontsDir)}`);
        }
        if (cues.some((cue) => cue.text.trim() !== '')) {
          encoder.runner.requireFilters('burned-in captions', 'ass');
          const file = path.join(dir, 'captions.ass');
          await writeFile(file, captionsAss(width, height, cues, fonts.family, durationSec, options.captions));
          overlays.push(`ass=filename=${escapeFilterPath(file)}:fontsdir=${escapeFilterPath(fonts.fontsDir)}`);
        }
        const graph = [
          `[0:v]${[...picture, ...overlays, ...fadeFilters(durationSec, options.fadeSec), `format=${PIX_FMT}`].join(',')}[v]`,
          `[1:a]${fitAudioFilters(durationSec).join(',')}[a]`,
        ].join(';');
        await encoder.runner.ffmpeg(
          ['-i', still, '-i', path.resolve(options.audio), '-filter_complex', graph, '-map', '[v]', '-map', '[a]', ...joinKeyframeArgs(frames),
            ...segmentOutputArgs(durationSec, encoder.slots.encoderThreads()), path.resolve(out)],
          { signal: options.signal, env: fonts.env },
        );
      });
    } catch (e) {
      if (options.signal?.aborted && !(e instanceof FfmpegError)) throw encoder.runner.cancelled('ffmpeg', e);
      throw e;
    }
  });
}

/** Sharpening of the enhancement pass: a 5×5 luma unsharp mask, mild. */
export const ENHANCE_UNSHARP = { size: 5, amount: 0.8 } as const;
/** Light spatial and temporal denoise, under the sharpening so it does not sharpen noise. */
export const ENHANCE_HQDN3D = { luma: 1.5, chroma: 1.5, lumaTemporal: 3, chromaTemporal: 3 } as const;

export interface EnhanceOptions extends RunOptions {
  input: string;
  out: string;
}

/**
 * The final enhancement of a presenter video: light denoise (hqdn3d) then sharpening (unsharp), the picture encoded
 * again with the segments' parameters and the audio copied; then the final mix's loudness passes (`mixFinal`, no
 * music): −14 LUFS integrated, true peak at most −1 dBTP, fast start.
 */
export async function enhanceVideo(encoder: SegmentEncoder, options: EnhanceOptions): Promise<void> {
  encoder.runner.requireFilters('the enhancement pass', 'hqdn3d', 'unsharp');
  const d = ENHANCE_HQDN3D;
  const u = ENHANCE_UNSHARP;
  await withScratch(async (dir) => {
    const filtered = path.join(dir, 'filtered.mp4');
    await encoder.slots.hold(options.signal, () => encoder.runner.ffmpeg(
      [
        '-i', path.resolve(options.input),
        '-vf', [`hqdn3d=${d.luma}:${d.chroma}:${d.lumaTemporal}:${d.chromaTemporal}`, `unsharp=${u.size}:${u.size}:${u.amount}:${u.size}:${u.size}:0`, `format=${PIX_FMT}`].join(','),
        '-map', '0:v:0', '-map', '0:a:0?',
        '-c:v', VIDEO_CODEC, '-threads', String(encoder.slots.encoderThreads()), '-preset', X264_PRESET, '-profile:v', X264_PROFILE, '-crf', String(CRF),
        '-pix_fmt', PIX_FMT, '-r', String(FPS), '-g', String(GOP_FRAMES),
        '-colorspace', COLOR_MATRIX, '-color_primaries', COLOR_MATRIX, '-color_trc', COLOR_MATRIX, '-color_range', 'tv',
        '-c:a', 'copy', '-f', 'mp4', filtered,
      ],
      { signal: options.signal },
    ));
    await mixFinal(encoder.runner, { video: filtered, musicVolume: 0, fadeSec: 0, out: options.out, signal: options.signal });
  });
}
