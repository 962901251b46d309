/**
 * The one module in slotflow that talks to ffmpeg, one concept per file:
 *
 *   run.ts           locating the binaries and running them (the only place that spawns ffmpeg or ffprobe)
 *   errors.ts        `FfmpegError`
 *   probe.ts         what ffprobe says about a file
 *   encode-slots.ts  how many segments encode at once, and with how many threads
 *   encoding.ts      the stream parameters every segment shares
 *   escape.ts        text and paths for filter graphs, ASS and concat lists
 *   line-break.ts    wrapping captions and titles (pure)
 *   ass.ts           ASS documents for captions and titles
 *   sources.ts       generated sources: background gradient, music bed
 *   segments.ts      title card, scene, benchmark floor
 *   assembly.ts      concatenation and the final mix
 *   cover.ts         the cover: a still with the title in the caption style
 *   transitions.ts   crossfade, slide and wipe between segments, only the joins encoded again
 *   analysis.ts      a frame out of a video, the silences in its audio
 *   tempo.ts         speech made a little faster or slower, same pitch
 *   pcm.ts           speech decoded to PCM for measuring; speech shifted in pitch
 *   presenter.ts     speech loudness, a still moved by keyframes (presenter scenes), the enhancement pass
 *
 * Whoever composes the application makes one `FfmpegRunner` and one
 * `EncodeSlots` (`createMedia`) and hands them to the functions here; the
 * module keeps no state of its own and reads no environment.
 */
import { EncodeSlots } from './encode-slots.ts';
import { type FfmpegPaths, FfmpegRunner, locateFfmpeg } from './run.ts';
import type { SegmentEncoder } from './segments.ts';

export { detectSilence, grabFrame, grabKeyframe, type SilenceOptions } from './analysis.ts';
export {
  CAPTION_LAYOUT_PRESETS, CAPTION_LAYOUTS, type CaptionLayoutName, type CaptionOptions, type CaptionStyle, captionsAss, type Cue, type CueWord,
  coverTitleAss, DEFAULT_CAPTION_LAYOUT, kineticAss, type KineticWord, MIDDLE_BAND, resolveCaptionLayout, titleAss,
} from './ass.ts';
export { concatSegments, type JoinedSound, mixFinal, type MixOptions, mixSound, muxFinal, type SoundMixOptions } from './assembly.ts';
export { COVER_JPEG_QUALITY, type CoverOptions, renderCover } from './cover.ts';
export { EncodeSlots, SEGMENT_ENCODER_THREADS } from './encode-slots.ts';
export {
  AUDIO_BITRATE, AUDIO_CHANNELS, AUDIO_CODEC, AUDIO_SAMPLE_RATE, COLOR_MATRIX, CRF, FPS, GOP_FRAMES, PIX_FMT, VIDEO_CODEC, VIDEO_TIMESCALE,
  X264_PRESET, X264_PROFILE,
} from './encoding.ts';
export { FfmpegError, type MediaProgram } from './errors.ts';
export { assText, concatListEntry, escapeFilterPath, escapeFilterValue } from './escape.ts';
export { textEm, wrapText } from './line-break.ts';
export {
  audioLevels, type CameraKeys, ENHANCE_HQDN3D, ENHANCE_UNSHARP, type EnhanceOptions, enhanceVideo, keyframeExpression, type PresenterSceneOptions,
  renderPresenterScene,
} from './presenter.ts';
export { probe, type ProbeResult } from './probe.ts';
export {
  type Binaries, type BinarySource, COMMON_ARGS, type FfmpegPaths, FfmpegRunner, KILL_GRACE_MS, locateFfmpeg, PROBE_COMMON_ARGS, type RunOptions,
} from './run.ts';
export {
  encodeFloor, type FloorOptions, renderScene, renderTitleCard, type SceneOptions, type SegmentEncoder, TITLE_FADE_SEC, type TitleCardOptions,
} from './segments.ts';
export {
  CUT, DEFAULT_TRANSITION_SEC, JOIN_HANDLE_FRAMES, type JoinEncoder, joinSegments, type JoinOptions, MAX_TRANSITION_SEC, type Transition, TRANSITION_KINDS,
  type TransitionKind,
} from './transitions.ts';
export { type BackgroundOptions, DEFAULT_MUSIC_MOOD, generateBackground, type MusicMoodOptions, type MusicOptions, synthesizeMusic } from './sources.ts';
export { decodePcm, type Pcm, PCM_SAMPLE_RATE, shiftVoice, type VoiceShiftOptions } from './pcm.ts';
export { changeTempo, MAX_TEMPO, MIN_TEMPO, type TempoOptions } from './tempo.ts';

/** A runner for the located binaries and a fresh set of encode slots: what the pipeline's handlers encode with. */
export function createMedia(paths: FfmpegPaths = {}, slots: EncodeSlots = new EncodeSlots()): SegmentEncoder {
  return { runner: new FfmpegRunner(locateFfmpeg(paths)), slots };
}
