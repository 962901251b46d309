/**
 * Encoding settings, in one place, shared by every segment.
 *
 * Every segment (title card, scene, benchmark floor) is encoded with the same
 * stream parameters (`segmentOutputArgs`): codec, profile, pixel format,
 * frame rate, time base, colour tags, audio codec, rate and channels. Only
 * the resolution comes from the caller, and one video uses one resolution.
 * That is what lets `concatSegments` join them with `-c copy`.
 */
import { escapeFilterValue } from './escape.ts';

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
/**
 * x264's motion search, cheaper than the preset's (`hex`, subpel refinement 2): the pictures here move slowly and
 * evenly (a Ken Burns move, a drawn scale-and-crop, a crossfade, a still title), so a diamond search with one
 * subpel pass finds as good a vector. Neither option is in the SPS or PPS (checked with `trace_headers` when the
 * join windows took it first), so segments made before and after this setting still join by stream copy.
 * Measured on the sample's eight 1080×1920 scenes against a lossless encode of the same frames: 10–25 % less CPU
 * per scene (x264 is about 70 % of a scene's run), PSNR within ±0.05 dB, 2–5 % more bytes.
 *
 * `sync-lookahead=0` runs x264's lookahead on the encoding threads instead of a thread of its own with a buffer of
 * frames: the same bytes (checked on a photo scene's stream), 23–30 MB less memory for a 1080×1920 scene encode,
 * and the same CPU time (5.2 s for that scene, alone).
 */
export const X264_PARAMS = 'me=dia:subme=1:sync-lookahead=0';
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
 * The AAC coder of segments. Their sound is decoded again and encoded once more by the final mix
 * (`mixFinal`, with ffmpeg's default `twoloop`), so it is an intermediate: `fast` takes a third of the
 * CPU (0.53 instead of 1.53 cpu s for 44 s of stereo at 128 kb/s) and came out closer to its input
 * (29.8 dB SNR against 26.5 for `twoloop`, which spends its effort on shaping the noise to the ear).
 */
const SEGMENT_AAC_CODER = 'fast';

/**
 * ffmpeg's AAC encoder starts every stream with one frame of priming
 * samples, which the MP4 edit list hides. Joined with `-c copy`, each
 * segment's priming frame would overlap the end of the previous segment's
 * audio, so segments carry this many fewer samples of audio than of video
 * (21 ms, inside the fade-out): the priming frame of the next segment fills
 * exactly that gap, and audio and video stay contiguous and in sync.
 */
const AAC_PRIMING_SAMPLES = 1024;

export function checkSize(width: number, height: number): void {
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(value) || value < 16 || value % 2 !== 0) {
      throw new RangeError(`${name} must be an even integer of at least 16 (yuv420p), got ${value}`);
    }
  }
}

export function checkDuration(durationSec: number, name = 'durationSec'): void {
  if (!Number.isFinite(durationSec) || durationSec <= 0) throw new RangeError(`${name} must be a positive number, got ${durationSec}`);
}

/** A number for an ffmpeg argument: plain decimal, at most 6 places, never exponent notation. */
export function num(value: number): string {
  return Number(value.toFixed(6)).toString();
}

export function samples(durationSec: number, rate = AUDIO_SAMPLE_RATE): number {
  return Math.round(durationSec * rate);
}


/**
 * The stream parameters of every segment. Changing one here changes them all, which is the point.
 * `threads` caps the encoder's threads (see `EncodeSlots.encoderThreads`); it changes the speed, not the stream parameters.
 */
export function segmentOutputArgs(durationSec: number, threads?: number): string[] {
  return [...videoOutputArgs(threads), ...audioOutputArgs(), '-aac_coder', SEGMENT_AAC_CODER, '-t', num(durationSec), '-f', 'mp4'];
}

/** The video half of `segmentOutputArgs`, for the pieces of a join that carry no sound (see `transitions.ts`). */
export function videoOutputArgs(threads?: number): string[] {
  return [
    '-map_metadata', '-1',
    '-map_chapters', '-1',
    '-c:v', VIDEO_CODEC,
    ...(threads === undefined ? [] : ['-threads', String(threads)]),
    '-preset', X264_PRESET,
    '-x264-params', X264_PARAMS,
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
  ];
}

export function audioOutputArgs(): string[] {
  return ['-c:a', AUDIO_CODEC, '-b:a', AUDIO_BITRATE, '-ar', String(AUDIO_SAMPLE_RATE), '-ac', String(AUDIO_CHANNELS)];
}

/**
 * Cover the frame (never letterbox): centre-crop to the frame's shape, then scale, square pixels, BT.709 YUV. The
 * crop comes first so the scaler makes only the frame's pixels: a 640×360 photo scaled to cover an oversampled
 * 2160×3840 frame was 6,827×3,840 before its crop (39 MB a frame, about 55 MB of a scene encode's peak).
 */
export function coverFilters(width: number, height: number): string[] {
  return [
    // Makes anamorphic sources square-pixelled; a no-op (no scaling) for the usual sar 1.
    `scale=${escapeFilterValue('trunc(iw*sar/2)*2')}:ih`,
    `crop=w=${escapeFilterValue(`min(iw,trunc(ih*${width}/${height}/2)*2)`)}:h=${escapeFilterValue(`min(ih,trunc(iw*${height}/${width}/2)*2)`)}`,
    `scale=${width}:${height}:out_color_matrix=${COLOR_MATRIX}:out_range=tv`,
    'setsar=1',
    `format=${PIX_FMT}`,
  ];
}

export function fadeFilters(durationSec: number, fadeSec: number): string[] {
  const fade = Math.min(Math.max(fadeSec, 0), durationSec / 2);
  if (fade <= 0) return [];
  return [`fade=t=in:st=0:d=${num(fade)}`, `fade=t=out:st=${num(durationSec - fade)}:d=${num(fade)}`];
}

/**
 * The input's audio as 48 kHz stereo, padded with silence or cut to the
 * length of a segment of `durationSec` (see `AAC_PRIMING_SAMPLES`).
 */
export function fitAudioFilters(durationSec: number): string[] {
  const n = segmentAudioSamples(durationSec);
  return [
    `aresample=${AUDIO_SAMPLE_RATE}`,
    `aformat=sample_fmts=fltp:sample_rates=${AUDIO_SAMPLE_RATE}:channel_layouts=stereo`,
    `apad=whole_len=${n}`,
    `atrim=end_sample=${n}`,
    'asetpts=PTS-STARTPTS',
  ];
}

export function silenceSource(durationSec: number): string {
  return `anullsrc=r=${AUDIO_SAMPLE_RATE}:cl=stereo,atrim=end_sample=${segmentAudioSamples(durationSec)}`;
}

export function segmentAudioSamples(durationSec: number): number {
  return Math.max(1, samples(durationSec) - AAC_PRIMING_SAMPLES);
}

/**
 * Segment lengths are whole frames: the requested duration rounded to the
 * nearest frame (at least one). Then every segment's video ends exactly where
 * its declared duration does, and the audio sample count is an integer.
 */
export function frameExact(durationSec: number): { frames: number; durationSec: number } {
  checkDuration(durationSec);
  const frames = Math.max(1, Math.round(durationSec * FPS));
  return { frames, durationSec: frames / FPS };
}

