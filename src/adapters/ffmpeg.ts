/**
 * The only module in slotflow that runs ffmpeg or ffprobe.
 *
 * - Programs run through execa with argument arrays, never a shell string,
 *   and always with `COMMON_ARGS`.
 * - Every failure is an `FfmpegError` carrying the arguments and the tail of
 *   stderr.
 * - Text never reaches a filter graph. Titles, cues and watermarks go through
 *   files (an ASS document for libass, a text file for drawtext) and are
 *   escaped for ASS here, once (`assText`). File paths inside filter graphs go
 *   through `escapeFilterPath`, once.
 * - Every segment (title card, scene, benchmark floor) is encoded with the same
 *   stream parameters (`segmentOutputArgs`): codec, profile, pixel format,
 *   frame rate, time base, colour tags, audio codec, rate and channels. Only
 *   the resolution comes from the caller, and one video uses one resolution.
 *   That is what lets `concatSegments` join them with `-c copy`.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { access, copyFile, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { execa, ExecaError } from 'execa';
import { preparedFonts } from './fonts.ts';

// ---------------------------------------------------------------------------
// Encoding settings: one place, shared by every segment.

/** Arguments every ffmpeg run starts with. */
export const COMMON_ARGS: readonly string[] = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error'];
/** Arguments every ffprobe run starts with. */
export const PROBE_COMMON_ARGS: readonly string[] = ['-hide_banner', '-loglevel', 'error'];

export const VIDEO_CODEC = 'libx264';
/**
 * x264 speed/size trade-off. Every segment of one video must use the same
 * preset (it shapes the SPS). Measured on 5 s 1080×1920 scenes (Ken Burns,
 * captions, one x264 thread): `veryfast` 3.3–5.0 cpu s, 340–440 kB;
 * `superfast` 15–30 % less CPU but twice the bytes at the same CRF; `faster`
 * more CPU and more bytes than `veryfast`.
 */
export const X264_PRESET = 'veryfast';
export const X264_PROFILE = 'high';
export const CRF = 23;
export const PIX_FMT = 'yuv420p';
export const FPS = 30;
/** A keyframe every two seconds, so players can seek in the final video. */
export const GOP_FRAMES = 2 * FPS;
/** MP4 video time scale: 512 ticks per frame at 30 fps, the value ffmpeg would pick, pinned. */
export const VIDEO_TIMESCALE = 512 * FPS;
/** Colour tags written on every segment (and the matrix used to convert RGB input). */
export const COLOR_MATRIX = 'bt709';
export const AUDIO_CODEC = 'aac';
export const AUDIO_BITRATE = '128k';
export const AUDIO_SAMPLE_RATE = 48_000;
export const AUDIO_CHANNELS = 2;

/**
 * ffmpeg's AAC encoder starts every stream with one frame of priming
 * samples, which the MP4 edit list hides. Joined with `-c copy`, each
 * segment's priming frame would overlap the end of the previous segment's
 * audio, so segments carry this many fewer samples of audio than of video
 * (21 ms, inside the fade-out): the priming frame of the next segment fills
 * exactly that gap, and audio and video stay contiguous and in sync.
 */
const AAC_PRIMING_SAMPLES = 1024;
/** The last this many characters of stderr are kept on an `FfmpegError`. */
const STDERR_TAIL_CHARS = 4000;
/** ffprobe prints JSON on stdout; a long file with many streams stays well under this. */
const PROBE_MAX_BUFFER = 16 * 1024 * 1024;

// ---------------------------------------------------------------------------
// Layout and motion defaults. Sizes are fractions of the frame so that 16:9,
// 9:16 and 1:1 all read well.

/** Subtitle font size as a fraction of the shorter side (70 px on 1080×1920). */
const CAPTION_FONT_RATIO = 0.065;
/** Caption left/right margin as a fraction of the width. */
const CAPTION_MARGIN_X_RATIO = 0.06;
/** Caption distance from the bottom edge: higher on portrait, where app controls cover the bottom. */
const CAPTION_MARGIN_BOTTOM_PORTRAIT = 0.2;
const CAPTION_MARGIN_BOTTOM_LANDSCAPE = 0.08;
const CAPTION_OUTLINE_RATIO = 0.08;
const CAPTION_SHADOW_RATIO = 0.035;

const TITLE_FONT_RATIO = 0.085;
const TITLE_MIN_FONT_RATIO = 0.045;
/** Titles longer than this many lines are set smaller. */
const TITLE_MAX_LINES = 4;
const TITLE_WIDTH_RATIO = 0.84;
const TITLE_OUTLINE_RATIO = 0.035;
const TITLE_SHADOW_RATIO = 0.05;
/** Darkens a caller's background image so that white title text stays readable. */
const TITLE_BACKGROUND_DIM = 'black@0.35';
export const TITLE_FADE_SEC = 0.5;

const WATERMARK_FONT_RATIO = 0.038;
const WATERMARK_MARGIN_RATIO = 0.035;
/** Watermark image width as a fraction of the frame width. */
const WATERMARK_IMAGE_WIDTH_RATIO = 0.16;
const WATERMARK_OPACITY = 0.85;

/** Ken Burns: the zoom travels between 1 and 1 + this over a scene. */
const KEN_BURNS_ZOOM = 0.1;
/**
 * zoompan moves its crop window in steps of two pixels on yuv420p. Cropping
 * from an image twice the output size makes a step one output pixel, so the
 * motion does not judder. Measured on 1080×1920: 1 is about a third faster
 * for image scenes, with visible two-pixel steps on slow pans.
 *
 * A smooth picture (`SceneOptions.visual.smooth`) is moved at output size:
 * a two-pixel step cannot be seen on it. Measured on the generated
 * backgrounds: shifted by 2 px they differ from themselves by 55–60 dB PSNR
 * (under half a level), photos by 30–40 dB; a 5 s scene takes 2.7 instead of
 * 3.2 cpu s, at the same size, 51 dB from the oversampled render.
 */
const KEN_BURNS_OVERSAMPLE = 2;
const KEN_BURNS_OVERSAMPLE_SMOOTH = 1;
/** Voice fade-in: long enough to avoid a click, short enough to keep the first syllable. */
const VOICE_EDGE_FADE_SEC = 0.02;

/** Backgrounds are computed this many times smaller, then scaled up: smooth and cheap. */
const BACKGROUND_DOWNSCALE = 8;

/** Ducking: the voice, as sidechain, pushes the music down by this ratio above the threshold. */
const DUCK_THRESHOLD = 0.03;
const DUCK_RATIO = 8;
const DUCK_ATTACK_MS = 20;
const DUCK_RELEASE_MS = 400;

/** Music: chords of this length, this many to a loop; frequencies snap to the loop so it repeats seamlessly. */
const MUSIC_CHORD_SEC = 4;
const MUSIC_CHORDS = 4;
/**
 * The bed's expression is evaluated at this rate, then resampled. Its highest
 * partial is under 2 kHz (the second harmonic of a note at most 31 semitones
 * above E3), so 8 kHz holds it without aliasing; measured against 24 kHz:
 * 0.27 instead of 0.66 cpu s for a 16 s loop, 45 dB SNR between the two.
 */
const MUSIC_SYNTH_RATE = 8_000;
const MUSIC_GAIN = 1;
const MUSIC_TREMOLO_HZ = 0.25;
const MUSIC_FADE_IN_SEC = 2;
const MUSIC_FADE_OUT_SEC = 3;

// ---------------------------------------------------------------------------
// Errors

export type MediaProgram = 'ffmpeg' | 'ffprobe';

/** ffmpeg or ffprobe failed, could not start, or was cancelled. */
export class FfmpegError extends Error {
  override name = 'FfmpegError';
  readonly code = 'EFFMPEG';
  readonly program: MediaProgram;
  readonly binary: string;
  readonly args: readonly string[];
  /** The last `STDERR_TAIL_CHARS` characters of stderr. */
  readonly stderrTail: string;
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  /** True when the caller's AbortSignal stopped the run. */
  readonly canceled: boolean;

  constructor(
    fields: {
      program: MediaProgram;
      binary: string;
      args: readonly string[];
      stderrTail: string;
      exitCode?: number;
      signal?: string;
      canceled?: boolean;
      reason?: string;
    },
    options?: ErrorOptions,
  ) {
    const lastLine = fields.stderrTail.trim().split('\n').pop() ?? '';
    const how = fields.canceled
      ? 'was cancelled'
      : fields.exitCode !== undefined
        ? `exited with code ${fields.exitCode}`
        : fields.signal
          ? `was killed by ${fields.signal}`
          : `failed${fields.reason ? ` (${fields.reason})` : ''}`;
    super(`${fields.program} ${how}${lastLine ? `: ${lastLine}` : ''}`, options);
    this.program = fields.program;
    this.binary = fields.binary;
    this.args = fields.args;
    this.stderrTail = fields.stderrTail;
    this.exitCode = fields.exitCode;
    this.signal = fields.signal;
    this.canceled = fields.canceled ?? false;
  }
}

// ---------------------------------------------------------------------------
// Binaries

export type BinarySource = 'env' | 'ffmpeg-static' | '@ffmpeg-installer/ffmpeg' | '@ffprobe-installer/ffprobe';

export interface Binaries {
  ffmpeg: string;
  ffprobe: string;
  /** Where `ffmpeg` came from. */
  source: BinarySource;
  /** Where `ffprobe` came from. */
  ffprobeSource: BinarySource;
}

/**
 * ffmpeg: `FFMPEG_PATH`, else `ffmpeg-static` when it is installed and its
 * binary exists, else `@ffmpeg-installer/ffmpeg`. ffprobe: `FFPROBE_PATH`,
 * else `@ffprobe-installer/ffprobe`. Read on every call, so a changed
 * environment takes effect.
 */
export async function binaries(): Promise<Binaries> {
  const require = createRequire(import.meta.url);
  const ffmpeg = resolveFfmpeg(require);
  const ffprobe = resolveFfprobe(require);
  return { ffmpeg: ffmpeg.path, ffprobe: ffprobe.path, source: ffmpeg.source, ffprobeSource: ffprobe.source };
}

function resolveFfmpeg(require: NodeJS.Require): { path: string; source: BinarySource } {
  const fromEnv = process.env.FFMPEG_PATH;
  if (fromEnv) return { path: fromEnv, source: 'env' };
  try {
    // An optional dependency: absent here, and it exports null on platforms it has no build for.
    const staticPath: unknown = require('ffmpeg-static');
    if (typeof staticPath === 'string' && existsSync(staticPath)) return { path: staticPath, source: 'ffmpeg-static' };
  } catch {
    // not installed
  }
  const installer = require('@ffmpeg-installer/ffmpeg') as { path: string };
  return { path: installer.path, source: '@ffmpeg-installer/ffmpeg' };
}

function resolveFfprobe(require: NodeJS.Require): { path: string; source: BinarySource } {
  const fromEnv = process.env.FFPROBE_PATH;
  if (fromEnv) return { path: fromEnv, source: 'env' };
  const installer = require('@ffprobe-installer/ffprobe') as { path: string };
  return { path: installer.path, source: '@ffprobe-installer/ffprobe' };
}

// ---------------------------------------------------------------------------
// Running

export interface RunOptions {
  /** Aborting it stops ffmpeg (SIGTERM); the call then rejects with a cancelled `FfmpegError`. */
  signal?: AbortSignal;
}

interface RunRequest extends RunOptions {
  env?: Record<string, string>;
}

async function run(program: MediaProgram, args: readonly string[], request: RunRequest = {}): Promise<string> {
  const bins = await binaries();
  const binary = program === 'ffmpeg' ? bins.ffmpeg : bins.ffprobe;
  const fullArgs = [...(program === 'ffmpeg' ? COMMON_ARGS : PROBE_COMMON_ARGS), ...args];
  try {
    const result = await execa(binary, fullArgs, {
      stdin: 'ignore',
      env: request.env,
      cancelSignal: request.signal,
      maxBuffer: PROBE_MAX_BUFFER,
      stripFinalNewline: false,
    });
    return result.stdout;
  } catch (error) {
    if (error instanceof ExecaError) {
      const stderr = typeof error.stderr === 'string' ? error.stderr : '';
      throw new FfmpegError(
        {
          program,
          binary,
          args: fullArgs,
          stderrTail: stderr.slice(-STDERR_TAIL_CHARS),
          exitCode: error.exitCode,
          signal: error.signal,
          canceled: error.isCanceled,
          reason: error.exitCode === undefined ? error.originalMessage : undefined,
        },
        { cause: error },
      );
    }
    throw error;
  }
}

const ffmpeg = (args: readonly string[], request?: RunRequest): Promise<string> => run('ffmpeg', args, request);

/**
 * Segments (title cards, scenes) this process makes at once: one per core.
 * More would only share the same cores, and each holds about 200 MB of
 * frames at 1080×1920; the rest wait their turn, first come first served.
 */
const SEGMENT_SLOTS = os.availableParallelism();
/** Segments holding a slot, counted from their first step. */
let segmentsInProgress = 0;
const segmentWaiters: Array<() => void> = [];

async function acquireSegmentSlot(signal: AbortSignal | undefined): Promise<void> {
  const bins = await binaries();
  const cancelled = () => new FfmpegError({ program: 'ffmpeg', binary: bins.ffmpeg, args: [], stderrTail: '', canceled: true });
  if (signal?.aborted) throw cancelled();
  if (segmentsInProgress < SEGMENT_SLOTS) {
    segmentsInProgress++;
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      segmentWaiters.splice(segmentWaiters.indexOf(granted), 1);
      reject(cancelled());
    };
    const granted = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    segmentWaiters.push(granted);
  });
}

/** Hands the slot to the next waiting segment, if any. */
function releaseSegmentSlot(): void {
  const next = segmentWaiters.shift();
  if (next) next();
  else segmentsInProgress--;
}

/**
 * Runs `work` holding a segment slot, from before its preparation, so that
 * segments started together (scenes rendered in parallel) all see each other
 * when their encoders start.
 */
async function asSegment<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  await acquireSegmentSlot(signal);
  try {
    return await work();
  } finally {
    releaseSegmentSlot();
  }
}

/**
 * x264 threads for a segment encode starting now. Alone, x264 chooses (1.5
 * threads per core), so one encode uses every core. Alongside others, each
 * gets its share of the cores: more threads than cores add no speed there,
 * only frame-threading overhead (about 7 % more CPU on a 1080×1920 scene)
 * and about 70 MB of frame buffers per encode.
 */
function encoderThreads(): number | undefined {
  if (segmentsInProgress <= 1) return undefined;
  return Math.max(1, Math.floor(SEGMENT_SLOTS / segmentsInProgress));
}

/** Environment for runs that use libass: our fontconfig file, so lookups are quiet and find the bundled faces. */
async function libassEnv(): Promise<{ env: Record<string, string>; fontsDir: string; family: string }> {
  const fonts = await preparedFonts();
  return { env: { FONTCONFIG_FILE: fonts.fontconfigFile }, fontsDir: fonts.dir, family: fonts.family };
}

/** A private scratch directory for list, subtitle and text files, removed afterwards. */
async function withScratch<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-ffmpeg-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * An image input, linked into the scratch directory under a plain name. The
 * image2 demuxer reads `%d` and glob characters in a file name as a sequence
 * pattern, and there is no option that turns that off for every image
 * demuxer; a plain name sidesteps it. The extension is kept so that ffmpeg
 * still picks the decoder by it.
 */
async function stageImage(file: string, dir: string, name: string): Promise<string> {
  const source = path.resolve(file);
  await access(source); // a missing input fails here with ENOENT and its real path
  const ext = path.extname(source);
  const link = path.join(dir, /^\.[A-Za-z0-9]{1,8}$/.test(ext) ? name + ext : name);
  try {
    await symlink(source, link);
  } catch {
    await copyFile(source, link);
  }
  return link;
}

// ---------------------------------------------------------------------------
// Escaping

/**
 * Escapes a value for a filter option inside a filter graph. Two parsers
 * read it: the graph parser (special: `\ ' [ ] , ;`) and then the filter's
 * option parser (special: `\ ' :`). Whitespace is escaped too, so that
 * neither parser trims it.
 */
export function escapeFilterValue(value: string): string {
  const forOptions = value.replace(/[\\':\s]/g, (c) => `\\${c}`);
  return forOptions.replace(/[\\'[\],;\s]/g, (c) => `\\${c}`);
}

/** A file path as a filter option value (`ass=filename=…`, `drawtext=textfile=…`). Made absolute first. */
export function escapeFilterPath(file: string): string {
  return escapeFilterValue(path.resolve(file));
}

/** U+2060 WORD JOINER: invisible, and stops libass reading `\N`, `\n`, `\h` as commands. */
const WORD_JOINER = '\u2060';

/**
 * Text for the Text field of an ASS Dialogue line, shown literally by libass:
 * `{` and `}` (override blocks) become `\{` and `\}`; a backslash that would
 * form `\N`, `\n` or `\h` gets an invisible word joiner after it; every other
 * backslash is already literal. Line breaks become `\N`.
 */
export function assText(text: string): string {
  return text
    .replace(/\\(?=[Nnh])/g, `\\${WORD_JOINER}`)
    .replace(/[{}]/g, (c) => `\\${c}`)
    .replace(/\r\n|\r|\n/g, '\\N');
}

/** One `file` line of a concat demuxer list: single-quoted, a quote written as `'\''`. */
export function concatListEntry(file: string): string {
  const absolute = path.resolve(file);
  if (/[\r\n]/.test(absolute)) throw new RangeError(`a concat segment path cannot contain a line break: ${JSON.stringify(absolute)}`);
  return `file '${absolute.replace(/'/g, "'\\''")}'`;
}

// ---------------------------------------------------------------------------
// Validation and number formatting

function checkSize(width: number, height: number): void {
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(value) || value < 16 || value % 2 !== 0) {
      throw new RangeError(`${name} must be an even integer of at least 16 (yuv420p), got ${value}`);
    }
  }
}

function checkDuration(durationSec: number, name = 'durationSec'): void {
  if (!Number.isFinite(durationSec) || durationSec <= 0) throw new RangeError(`${name} must be a positive number, got ${durationSec}`);
}

/** A number for an ffmpeg argument: plain decimal, at most 6 places, never exponent notation. */
function num(value: number): string {
  return Number(value.toFixed(6)).toString();
}

function samples(durationSec: number, rate = AUDIO_SAMPLE_RATE): number {
  return Math.round(durationSec * rate);
}

/** `H:MM:SS.cc`, as ASS wants it. */
function assTime(seconds: number): string {
  const cs = Math.max(0, Math.round(seconds * 100));
  const h = Math.floor(cs / 360_000);
  const m = Math.floor((cs % 360_000) / 6000);
  const s = Math.floor((cs % 6000) / 100);
  const c = cs % 100;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(c).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------
// Shared argument and graph pieces

/**
 * The stream parameters of every segment. Changing one here changes them all, which is the point.
 * `threads` caps the encoder's threads (see `encoderThreads`); it changes the speed, not the stream parameters.
 */
function segmentOutputArgs(durationSec: number, threads?: number): string[] {
  return [
    '-map_metadata', '-1',
    '-map_chapters', '-1',
    '-c:v', VIDEO_CODEC,
    ...(threads === undefined ? [] : ['-threads', String(threads)]),
    '-preset', X264_PRESET,
    '-profile:v', X264_PROFILE,
    '-crf', String(CRF),
    '-pix_fmt', PIX_FMT,
    '-r', String(FPS),
    '-g', String(GOP_FRAMES),
    '-colorspace', COLOR_MATRIX,
    '-color_primaries', COLOR_MATRIX,
    '-color_trc', COLOR_MATRIX,
    '-color_range', 'tv',
    '-video_track_timescale', String(VIDEO_TIMESCALE),
    ...audioOutputArgs(),
    '-t', num(durationSec),
    '-f', 'mp4',
  ];
}

function audioOutputArgs(): string[] {
  return ['-c:a', AUDIO_CODEC, '-b:a', AUDIO_BITRATE, '-ar', String(AUDIO_SAMPLE_RATE), '-ac', String(AUDIO_CHANNELS)];
}

/** Scale to cover the frame (never letterbox), centre-crop, square pixels, BT.709 YUV. */
function coverFilters(width: number, height: number): string[] {
  return [
    // Makes anamorphic sources square-pixelled; a no-op (no scaling) for the usual sar 1.
    `scale=${escapeFilterValue('trunc(iw*sar/2)*2')}:ih`,
    `scale=${width}:${height}:force_original_aspect_ratio=increase:out_color_matrix=${COLOR_MATRIX}:out_range=tv`,
    `crop=${width}:${height}`,
    'setsar=1',
    `format=${PIX_FMT}`,
  ];
}

function fadeFilters(durationSec: number, fadeSec: number): string[] {
  const fade = Math.min(Math.max(fadeSec, 0), durationSec / 2);
  if (fade <= 0) return [];
  return [`fade=t=in:st=0:d=${num(fade)}`, `fade=t=out:st=${num(durationSec - fade)}:d=${num(fade)}`];
}

/**
 * The input's audio as 48 kHz stereo, padded with silence or cut to the
 * length of a segment of `durationSec` (see `AAC_PRIMING_SAMPLES`).
 */
function fitAudioFilters(durationSec: number): string[] {
  const n = segmentAudioSamples(durationSec);
  return [
    `aresample=${AUDIO_SAMPLE_RATE}`,
    `aformat=sample_fmts=fltp:sample_rates=${AUDIO_SAMPLE_RATE}:channel_layouts=stereo`,
    `apad=whole_len=${n}`,
    `atrim=end_sample=${n}`,
    'asetpts=PTS-STARTPTS',
  ];
}

function silenceSource(durationSec: number): string {
  return `anullsrc=r=${AUDIO_SAMPLE_RATE}:cl=stereo,atrim=end_sample=${segmentAudioSamples(durationSec)}`;
}

function segmentAudioSamples(durationSec: number): number {
  return Math.max(1, samples(durationSec) - AAC_PRIMING_SAMPLES);
}

/**
 * Segment lengths are whole frames: the requested duration rounded to the
 * nearest frame (at least one). Then every segment's video ends exactly where
 * its declared duration does, and the audio sample count is an integer.
 */
function frameExact(durationSec: number): { frames: number; durationSec: number } {
  checkDuration(durationSec);
  const frames = Math.max(1, Math.round(durationSec * FPS));
  return { frames, durationSec: frames / FPS };
}

// ---------------------------------------------------------------------------
// Seeded colours and the background gradient

/** mulberry32: a tiny deterministic PRNG, so a seed always gives the same picture and music. */
function rng(seed: number): () => number {
  let a = Math.trunc(seed) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

type Rgb = [number, number, number];

function hsl(h: number, s: number, l: number): Rgb {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [Math.round(f(0) * 255), Math.round(f(8) * 255), Math.round(f(4) * 255)];
}

/**
 * A filter chain that produces one frame: two dark colours blended along a
 * seeded angle, with two soft light glows. Computed with `geq` on a frame
 * `BACKGROUND_DOWNSCALE` times smaller and scaled up, which keeps it smooth.
 */
function gradientSource(width: number, height: number, seed: number): string {
  const random = rng(seed);
  const hue = random() * 360;
  const from = hsl(hue, 0.55 + random() * 0.2, 0.18 + random() * 0.08);
  const to = hsl((hue + 40 + random() * 80) % 360, 0.5 + random() * 0.2, 0.34 + random() * 0.1);
  const glow = hsl((hue + 20 + random() * 40) % 360, 0.6, 0.62);
  const angle = random() * 2 * Math.PI;
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const glows = [0, 1].map(() => ({ x: 0.15 + random() * 0.7, y: 0.15 + random() * 0.7, r: 0.18 + random() * 0.2 }));
  const aspect = width / height;

  const lw = Math.max(8, Math.round(width / BACKGROUND_DOWNSCALE));
  const lh = Math.max(8, Math.round(height / BACKGROUND_DOWNSCALE));
  const t = `clip(0.5+((X/W-0.5)*${num(cos)}+(Y/H-0.5)*${num(sin)})*1.1,0,1)`;
  const smooth = `(${t})*(${t})*(3-2*(${t}))`;
  const light = glows
    .map((g) => `0.22*exp(-(pow((X/W-${num(g.x)})*${num(aspect)},2)+pow(Y/H-${num(g.y)},2))/${num(g.r * g.r)})`)
    .join('+');
  const channel = (i: 0 | 1 | 2) => {
    const base = `(${from[i]}+${to[i] - from[i]}*${smooth})`;
    return escapeFilterValue(`${base}+(${glow[i]}-${base})*(${light})`);
  };
  return [
    `nullsrc=s=${lw}x${lh}:r=${FPS}`,
    'trim=end_frame=1',
    'format=gbrp',
    `geq=r=${channel(0)}:g=${channel(1)}:b=${channel(2)}`,
    `scale=${width}:${height}:flags=bicubic`,
  ].join(',');
}

// ---------------------------------------------------------------------------
// Text layout. libass wraps only at spaces, so Chinese would never wrap; we
// wrap ourselves with a width estimate and let libass wrap further only if
// the estimate was short.

const NO_LINE_START = new Set([...'，。、．！？：；）」』》〉】〕”’…・ー～,.!?:;)]}%']);
const NO_LINE_END = new Set([...'（「『《〈【〔“‘([{']);

function isWide(codePoint: number): boolean {
  return (
    (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0xa4cf) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
    (codePoint >= 0x1f300 && codePoint <= 0x1faff) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd)
  );
}

/** Estimated advance of a character in em, in a bold sans. Errs wide, so lines come out short rather than long. */
function charEm(char: string): number {
  const cp = char.codePointAt(0) ?? 0;
  if (isWide(cp)) return 1;
  if (char === ' ') return 0.27;
  if (/[il.,:;'!|`]/.test(char)) return 0.3;
  if (/[A-Z0-9]/.test(char)) return 0.66;
  if (/[mwMW]/.test(char)) return 0.9;
  return 0.58;
}

function textEm(text: string): number {
  let em = 0;
  for (const char of text) em += charEm(char);
  return em;
}

interface Unit {
  text: string;
  spaceBefore: boolean;
}

/** Breakable units of one paragraph: words, single wide characters, with punctuation kept on the right side. */
function units(paragraph: string): Unit[] {
  const out: Unit[] = [];
  let word = '';
  let prefix = '';
  let spaceBefore = false;
  const flush = () => {
    if (!word) return;
    out.push({ text: word, spaceBefore });
    word = '';
    spaceBefore = false;
  };
  for (const char of paragraph) {
    if (/\s/.test(char)) {
      flush();
      spaceBefore = out.length > 0 || prefix !== '';
      continue;
    }
    const last = out[out.length - 1];
    if (NO_LINE_START.has(char) && !word && last && !spaceBefore) {
      last.text += char;
      continue;
    }
    if (NO_LINE_END.has(char) && isWide(char.codePointAt(0) ?? 0)) {
      flush();
      prefix += char;
      continue;
    }
    if (isWide(char.codePointAt(0) ?? 0) && !NO_LINE_START.has(char)) {
      flush();
      out.push({ text: prefix + char, spaceBefore });
      prefix = '';
      spaceBefore = false;
      continue;
    }
    word = prefix + word + char;
    prefix = '';
  }
  if (prefix) word += prefix;
  flush();
  return out;
}

function greedyLines(paragraph: string, maxEm: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const unit of units(paragraph)) {
    const joined = line && unit.spaceBefore ? `${line} ${unit.text}` : line + unit.text;
    if (!line || textEm(joined) <= maxEm) {
      line = joined;
    } else {
      lines.push(line);
      line = unit.text;
    }
    // A single unit wider than a line (a long URL) is cut by characters.
    while (textEm(line) > maxEm && [...line].length > 1) {
      const chars = [...line];
      let cut = 1;
      while (cut < chars.length && textEm(chars.slice(0, cut + 1).join('')) <= maxEm) cut++;
      lines.push(chars.slice(0, cut).join(''));
      line = chars.slice(cut).join('');
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * Wraps `text` to lines of at most `maxEm`, keeping its own line breaks, then
 * narrows the measure as far as the line count allows, so lines come out even
 * rather than one long line and a short tail.
 */
export function wrapText(text: string, maxEm: number): string[] {
  const paragraphs = text.split(/\r\n|\r|\n/);
  const wrap = (em: number) => paragraphs.flatMap((p) => (p.trim() ? greedyLines(p.trim(), em) : ['']));
  const lines = wrap(maxEm);
  let best = lines;
  for (let em = maxEm - 0.25; em > maxEm / 3; em -= 0.25) {
    const narrower = wrap(em);
    if (narrower.length !== lines.length) break;
    best = narrower;
  }
  return best;
}

// ---------------------------------------------------------------------------
// ASS documents

interface AssStyle {
  name: string;
  family: string;
  fontSize: number;
  outline: number;
  shadow: number;
  /** Numpad alignment: 2 bottom centre, 5 middle centre. */
  alignment: 2 | 5;
  marginX: number;
  marginV: number;
}

interface AssEvent {
  startSec: number;
  endSec: number;
  /** Already escaped with `assText`, lines joined with `\N`. */
  text: string;
}

function assDocument(width: number, height: number, style: AssStyle, events: AssEvent[]): string {
  const s = style;
  return [
    '[Script Info]',
    '; Written by slotflow',
    'ScriptType: v4.00+',
    `PlayResX: ${width}`,
    `PlayResY: ${height}`,
    'WrapStyle: 0',
    'ScaledBorderAndShadow: yes',
    'YCbCr Matrix: TV.709',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
    // White text, black outline, half-transparent black shadow (&HAABBGGRR).
    `Style: ${s.name},${s.family},${s.fontSize},&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,-1,0,0,0,100,100,0,0,1,${s.outline},${s.shadow},${s.alignment},${s.marginX},${s.marginX},${s.marginV},1`,
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
    ...events.map((e) => `Dialogue: 0,${assTime(e.startSec)},${assTime(e.endSec)},${s.name},,0,0,0,,${e.text}`),
    '',
  ].join('\n');
}

export interface Cue {
  text: string;
  startSec: number;
  endSec: number;
}

/** The captions of one scene as an ASS document: big bold text with an outline, bottom third, wrapped to the frame. */
export function captionsAss(width: number, height: number, cues: readonly Cue[], family: string, durationSec = Infinity): string {
  const fontSize = Math.round(Math.min(width, height) * CAPTION_FONT_RATIO);
  const marginX = Math.round(width * CAPTION_MARGIN_X_RATIO);
  const portrait = height > width;
  const style: AssStyle = {
    name: 'Caption',
    family,
    fontSize,
    outline: Math.max(1, Math.round(fontSize * CAPTION_OUTLINE_RATIO)),
    shadow: Math.max(1, Math.round(fontSize * CAPTION_SHADOW_RATIO)),
    alignment: 2,
    marginX,
    marginV: Math.round(height * (portrait ? CAPTION_MARGIN_BOTTOM_PORTRAIT : CAPTION_MARGIN_BOTTOM_LANDSCAPE)),
  };
  const maxEm = (width - 2 * marginX) / fontSize;
  const events = cues
    .filter((cue) => cue.text.trim() !== '' && cue.endSec > cue.startSec && cue.startSec < durationSec)
    .map((cue) => ({
      startSec: Math.max(0, cue.startSec),
      endSec: Math.min(cue.endSec, durationSec),
      text: wrapText(cue.text.trim(), maxEm).map(assText).join('\\N'),
    }));
  return assDocument(width, height, style, events);
}

/** A title as an ASS document: centred, as big as `TITLE_MAX_LINES` lines allow. */
export function titleAss(width: number, height: number, title: string, family: string, durationSec: number): string {
  const short = Math.min(width, height);
  const measure = width * TITLE_WIDTH_RATIO;
  let fontSize = Math.round(short * TITLE_FONT_RATIO);
  let lines = wrapText(title.trim(), measure / fontSize);
  while (lines.length > TITLE_MAX_LINES && fontSize > short * TITLE_MIN_FONT_RATIO) {
    fontSize = Math.max(Math.round(fontSize * 0.88), Math.round(short * TITLE_MIN_FONT_RATIO));
    lines = wrapText(title.trim(), measure / fontSize);
  }
  const style: AssStyle = {
    name: 'Title',
    family,
    fontSize,
    outline: Math.max(1, Math.round(fontSize * TITLE_OUTLINE_RATIO)),
    shadow: Math.max(1, Math.round(fontSize * TITLE_SHADOW_RATIO)),
    alignment: 5,
    marginX: Math.round((width - measure) / 2),
    marginV: 0,
  };
  return assDocument(width, height, style, [{ startSec: 0, endSec: durationSec, text: lines.map(assText).join('\\N') }]);
}

// ---------------------------------------------------------------------------
// Probe

export interface ProbeResult {
  durationSec: number;
  video?: { codec: string; width: number; height: number; fps: number };
  audio?: { codec: string; sampleRate: number; channels: number };
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
  duration?: string;
}

interface FfprobeOutput {
  format?: { duration?: string };
  streams?: FfprobeStream[];
}

function rate(value: string | undefined): number {
  const [n, d] = (value ?? '0/1').split('/').map(Number);
  return n !== undefined && d ? n / d : 0;
}

/** Duration and the first video and audio stream of a media file, from ffprobe's JSON. */
export async function probe(file: string, options: RunOptions = {}): Promise<ProbeResult> {
  const stdout = await run(
    'ffprobe',
    ['-print_format', 'json', '-show_format', '-show_streams', path.resolve(file)],
    options,
  );
  const data = JSON.parse(stdout) as FfprobeOutput;
  const streams = data.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  const durations = [data.format?.duration, ...streams.map((s) => s.duration)].map(Number).filter(Number.isFinite);
  const result: ProbeResult = { durationSec: durations[0] ?? 0 };
  if (video) {
    result.video = {
      codec: video.codec_name ?? 'unknown',
      width: video.width ?? 0,
      height: video.height ?? 0,
      fps: rate(video.avg_frame_rate) || rate(video.r_frame_rate),
    };
  }
  if (audio) {
    result.audio = { codec: audio.codec_name ?? 'unknown', sampleRate: Number(audio.sample_rate ?? 0), channels: audio.channels ?? 0 };
  }
  return result;
}

// ---------------------------------------------------------------------------
// Stills

export interface BackgroundOptions extends RunOptions {
  width: number;
  height: number;
  seed: number;
  out: string;
}

/** A PNG: a soft two-colour gradient with light glows, the same for the same seed. */
export async function generateBackground(options: BackgroundOptions): Promise<void> {
  const { width, height, seed, out } = options;
  checkSize(width, height);
  await ffmpeg(
    [
      '-filter_complex', `${gradientSource(width, height, seed)},format=rgb24[v]`,
      '-map', '[v]',
      '-frames:v', '1',
      '-f', 'image2',
      '-update', '1',
      path.resolve(out),
    ],
    options,
  );
}

/** One frame at `atSec` as an image; the format follows the extension (`.png`, `.jpg`, `.bmp`). */
export async function grabFrame(video: string, atSec: number, outPng: string, options: RunOptions = {}): Promise<void> {
  const out = path.resolve(outPng);
  await rm(out, { force: true });
  const args = ['-ss', num(Math.max(0, atSec)), '-i', path.resolve(video), '-frames:v', '1', '-f', 'image2', '-update', '1', out];
  await ffmpeg(args, options);
  if (!existsSync(out)) {
    // ffmpeg exits 0 when the seek lands past the last frame.
    const bins = await binaries();
    throw new FfmpegError({ program: 'ffmpeg', binary: bins.ffmpeg, args: [...COMMON_ARGS, ...args], stderrTail: `no frame at ${atSec} s in ${video}` });
  }
}

// ---------------------------------------------------------------------------
// Segments

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
export async function renderTitleCard(options: TitleCardOptions): Promise<void> {
  const { width, height, title, out, background } = options;
  checkSize(width, height);
  const { durationSec } = frameExact(options.durationSec);
  await asSegment(options.signal, () => withScratch(async (dir) => {
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
    await ffmpeg(
      [...inputs, '-filter_complex', graph, '-map', '[v]', '-map', '[a]', ...segmentOutputArgs(durationSec, encoderThreads()), path.resolve(out)],
      { ...options, env: fonts.env },
    );
  }));
}

export interface SceneOptions extends RunOptions {
  width: number;
  height: number;
  durationSec: number;
  /** `smooth`: an image without fine detail, such as a generated gradient; its motion is computed at output size (see `KEN_BURNS_OVERSAMPLE`). */
  visual: { path: string; kind: 'image' | 'video'; smooth?: boolean };
  /** The narration (WAV or any audio), placed at t=0, padded with silence or cut to `durationSec`. */
  audio: string;
  cues: readonly Cue[];
  watermark?: { text?: string; image?: string };
  /** Fade from and to black at both ends, for the transition to the neighbouring scenes. */
  fadeSec: number;
  out: string;
  /** Picks the Ken Burns direction; default: derived from the visual's path. */
  motionSeed?: number;
  /** Keep the captions' ASS document at this path (default: a scratch file, removed afterwards). */
  subtitlesFile?: string;
}

/** Zoom in or out and drift between two seeded points, over `frames` frames. */
function kenBurns(width: number, height: number, frames: number, seed: number): string {
  const random = rng(seed);
  const zoomIn = random() < 0.5;
  const [x0, y0, x1, y1] = [random(), random(), random(), random()].map((v) => 0.2 + v * 0.6) as [number, number, number, number];
  const progress = `on/${Math.max(1, frames - 1)}`;
  const zoom = zoomIn ? `1+${num(KEN_BURNS_ZOOM)}*${progress}` : `${num(1 + KEN_BURNS_ZOOM)}-${num(KEN_BURNS_ZOOM)}*${progress}`;
  const x = `(iw-iw/zoom)*(${num(x0)}+${num(x1 - x0)}*${progress})`;
  const y = `(ih-ih/zoom)*(${num(y0)}+${num(y1 - y0)}*${progress})`;
  return `zoompan=z=${escapeFilterValue(zoom)}:x=${escapeFilterValue(x)}:y=${escapeFilterValue(y)}:d=${frames}:s=${width}x${height}:fps=${FPS}`;
}

/**
 * An H.264 + AAC segment `durationSec` long (rounded to whole frames): the visual covering the
 * frame (an image with a slow Ken Burns move, a video trimmed or looped), the
 * narration, burned-in captions, an optional watermark, faded in and out.
 */
export async function renderScene(options: SceneOptions): Promise<void> {
  const { width, height, visual, cues, watermark, out } = options;
  checkSize(width, height);
  const { frames, durationSec } = frameExact(options.durationSec);

  await asSegment(options.signal, () => withScratch(async (dir) => {
    const fonts = await libassEnv();
    const inputs: string[] = [];
    const chains: string[] = [];

    if (visual.kind === 'image') {
      inputs.push('-i', await stageImage(visual.path, dir, 'visual'));
      const oversample = visual.smooth ? KEN_BURNS_OVERSAMPLE_SMOOTH : KEN_BURNS_OVERSAMPLE;
      const [ow, oh] = [width * oversample, height * oversample];
      const seed = options.motionSeed ?? seedOf(path.resolve(visual.path));
      chains.push(`[0:v]${[...coverFilters(ow, oh), kenBurns(width, height, frames + 1, seed), 'setsar=1'].join(',')}[base]`);
    } else {
      inputs.push('-stream_loop', '-1', '-i', path.resolve(visual.path));
      chains.push(`[0:v]${['setpts=PTS-STARTPTS', `fps=${FPS}`, ...coverFilters(width, height)].join(',')}[base]`);
    }
    inputs.push('-i', path.resolve(options.audio));
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
      chains.push(
        `[${current}]drawtext=${[
          `fontfile=${escapeFilterPath((await preparedFonts()).regular)}`,
          `textfile=${escapeFilterPath(textFile)}`,
          'expansion=none',
          `fontsize=${fontSize}`,
          `fontcolor=white@${WATERMARK_OPACITY}`,
          `borderw=${Math.max(1, Math.round(fontSize * 0.06))}`,
          'bordercolor=black@0.6',
          `x=${x}`,
          `y=${margin}`,
        ].join(':')}[marked]`,
      );
      current = 'marked';
    }

    const finish: string[] = [];
    if (cues.some((cue) => cue.text.trim() !== '')) {
      const assFile = options.subtitlesFile ? path.resolve(options.subtitlesFile) : path.join(dir, 'captions.ass');
      await writeFile(assFile, captionsAss(width, height, cues, fonts.family, durationSec));
      finish.push(`ass=filename=${escapeFilterPath(assFile)}:fontsdir=${escapeFilterPath(fonts.fontsDir)}`);
    }
    finish.push(...fadeFilters(durationSec, options.fadeSec), `format=${PIX_FMT}`);
    chains.push(`[${current}]${finish.join(',')}[v]`);

    await ffmpeg(
      [...inputs, '-filter_complex', chains.join(';'), '-map', '[v]', '-map', '[a]', ...segmentOutputArgs(durationSec, encoderThreads()), path.resolve(out)],
      { ...options, env: fonts.env },
    );
  }));
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
export async function encodeFloor(options: FloorOptions): Promise<void> {
  const { width, height, out } = options;
  checkSize(width, height);
  const { durationSec } = frameExact(options.durationSec);
  const source = options.pattern === 'color' ? `color=c=0x336699:s=${width}x${height}:r=${FPS}` : `testsrc2=s=${width}x${height}:r=${FPS}`;
  await ffmpeg(
    [
      '-f', 'lavfi', '-i', source,
      '-f', 'lavfi', '-i', `anullsrc=r=${AUDIO_SAMPLE_RATE}:cl=stereo`,
      '-map', '0:v', '-map', '1:a',
      ...segmentOutputArgs(durationSec),
      path.resolve(out),
    ],
    options,
  );
}

// ---------------------------------------------------------------------------
// Assembly

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
export async function concatSegments(segments: readonly string[], out: string, options: RunOptions = {}): Promise<void> {
  if (segments.length === 0) throw new RangeError('concatSegments needs at least one segment');
  const entries: string[] = [];
  let shape: string | undefined;
  const probed = await Promise.all(segments.map((segment) => probe(segment, options)));
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
    await ffmpeg(['-f', 'concat', '-safe', '0', '-i', list, '-map', '0', '-c', 'copy', '-f', 'mp4', path.resolve(out)], options);
  });
}

export interface MusicOptions extends RunOptions {
  durationSec: number;
  seed: number;
  /** `.wav` gives 16-bit PCM; any other extension AAC in MP4 (`.m4a`). */
  out: string;
}

/** Chord progressions as semitone offsets from the key's root, one triad per chord. */
const PROGRESSIONS: readonly (readonly (readonly number[])[])[] = [
  [[0, 4, 7], [7, 11, 14], [9, 12, 16], [5, 9, 12]], // I V vi IV
  [[9, 12, 16], [5, 9, 12], [0, 4, 7], [7, 11, 14]], // vi IV I V
  [[0, 4, 7], [9, 12, 16], [5, 9, 12], [7, 11, 14]], // I vi IV V
  [[0, 4, 11], [5, 9, 16], [9, 12, 19], [7, 11, 17]], // Imaj7-ish, IVmaj7-ish: airier
  [[2, 5, 9], [7, 11, 14], [0, 4, 7], [0, 5, 7]], // ii V I Isus4
];

/**
 * The ambient bed as one `aevalsrc` expression over one loop of
 * `MUSIC_CHORDS` chords. Each chord fades in and out with a raised-cosine
 * window that overlaps its neighbours (the windows sum to one), and every
 * frequency is snapped to a whole number of cycles per loop, so the loop
 * repeats without a seam.
 */
function musicExpression(seed: number): string {
  const random = rng(seed);
  const progression = PROGRESSIONS[Math.floor(random() * PROGRESSIONS.length)] ?? PROGRESSIONS[0]!;
  const rootMidi = 45 + Math.floor(random() * 8); // A2..E3
  const loopSec = MUSIC_CHORD_SEC * MUSIC_CHORDS;
  const snap = (hz: number) => Math.max(1, Math.round(hz * loopSec)) / loopSec;
  const hz = (midi: number) => snap(440 * 2 ** ((midi - 69) / 12));
  const tone = (f: number, amp: number) => `${num(amp)}*(sin(2*PI*${num(f)}*t)+0.2*sin(4*PI*${num(f)}*t))`;

  const chords = progression.slice(0, MUSIC_CHORDS).map((triad, k) => {
    const notes = [tone(hz(rootMidi + (triad[0] ?? 0) - 12), 0.5), ...triad.map((step) => tone(hz(rootMidi + 12 + step), 0.3))];
    // Distance from this chord's centre, in chord lengths, wrapped around the loop.
    // `;` sequences: store the distance in variable k, then use it.
    const distance = `st(${k},mod(t/${MUSIC_CHORD_SEC}-${k + 0.5}+${MUSIC_CHORDS / 2},${MUSIC_CHORDS})-${MUSIC_CHORDS / 2})`;
    return `(${distance};if(lt(abs(ld(${k})),1),pow(cos(PI*ld(${k})/2),2)*(${notes.join('+')}),0))`;
  });
  const tremolo = `(0.8+0.2*sin(2*PI*${num(snap(MUSIC_TREMOLO_HZ))}*t))`;
  return `${num(MUSIC_GAIN)}*${tremolo}*(${chords.join('+')})`;
}

/**
 * A soft generated ambient bed: slow sine chords with tremolo and echo, faded
 * in and out, the same for the same seed. It sits around -20 dBFS mean, -7
 * peak; `mixFinal`'s `musicVolume` sets it under the voice.
 */
export async function synthesizeMusic(options: MusicOptions): Promise<void> {
  const { durationSec, seed, out } = options;
  checkDuration(durationSec);
  const loopSec = MUSIC_CHORD_SEC * MUSIC_CHORDS;
  const fadeIn = Math.min(MUSIC_FADE_IN_SEC, durationSec / 2);
  const fadeOut = Math.min(MUSIC_FADE_OUT_SEC, durationSec / 2);
  const chain = [
    // The expression is evaluated per sample, which is slow: compute one loop at most and repeat it.
    `aevalsrc=${escapeFilterValue(musicExpression(seed))}:s=${MUSIC_SYNTH_RATE}:d=${num(Math.min(loopSec, durationSec))}`,
    ...(durationSec > loopSec ? [`aloop=loop=-1:size=${samples(loopSec, MUSIC_SYNTH_RATE)}`] : []),
    `atrim=end_sample=${samples(durationSec, MUSIC_SYNTH_RATE)}`,
    `aresample=${AUDIO_SAMPLE_RATE}`,
    'lowpass=f=2500',
    `aformat=sample_fmts=fltp:sample_rates=${AUDIO_SAMPLE_RATE}:channel_layouts=stereo`,
    `aecho=0.8:0.5:${escapeFilterValue('120|250')}:${escapeFilterValue('0.25|0.15')}`,
    `afade=t=in:d=${num(fadeIn)}`,
    `afade=t=out:st=${num(durationSec - fadeOut)}:d=${num(fadeOut)}`,
  ].join(',');
  const wav = path.extname(out).toLowerCase() === '.wav';
  await ffmpeg(
    [
      '-filter_complex', `${chain}[a]`,
      '-map', '[a]',
      ...(wav ? ['-c:a', 'pcm_s16le', '-ar', String(AUDIO_SAMPLE_RATE), '-ac', String(AUDIO_CHANNELS), '-f', 'wav'] : [...audioOutputArgs(), '-f', 'mp4']),
      '-t', num(durationSec),
      path.resolve(out),
    ],
    options,
  );
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
export async function mixFinal(options: MixOptions): Promise<void> {
  const { video, music, musicVolume, fadeSec, out } = options;
  const input = path.resolve(video);
  if (!music) {
    await ffmpeg(['-i', input, '-map', '0:v:0', '-map', '0:a?', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', path.resolve(out)], options);
    return;
  }
  const { durationSec } = await probe(input, options);
  checkDuration(durationSec, 'the video duration');
  const fade = Math.min(Math.max(fadeSec, 0), durationSec / 2);
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
    `[bed][key]sidechaincompress=threshold=${DUCK_THRESHOLD}:ratio=${DUCK_RATIO}:attack=${DUCK_ATTACK_MS}:release=${DUCK_RELEASE_MS}[ducked]`,
    // amerge + pan adds the two at unity gain (amix would halve the voice).
    `[voice][ducked]amerge=inputs=2,pan=${escapeFilterValue('stereo|c0=c0+c2|c1=c1+c3')}[mix]`,
  ].join(';');
  await ffmpeg(
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
    options,
  );
}

// ---------------------------------------------------------------------------
// Analysis

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
export async function detectSilence(file: string, options: SilenceOptions = {}): Promise<Array<{ startSec: number; endSec: number }>> {
  const noise = options.noiseDb ?? -35;
  const min = options.minSec ?? 0.15;
  const out = await ffmpeg(
    ['-i', path.resolve(file), '-map', '0:a:0', '-af', `silencedetect=noise=${num(noise)}dB:d=${num(min)},ametadata=mode=print:file=-`, '-f', 'null', '-'],
    options,
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
