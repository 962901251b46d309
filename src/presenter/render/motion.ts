/**
 * Speech-driven motion (pure): the speech's loudness, measured in windows (`audioLevels` in the ffmpeg adapter),
 * becomes an envelope from 0 (silence) to 1 (the scene's loudest), smoothed with a quick attack and a slower
 * release; the envelope pushes the picture in a little and lifts it (a bob on every stressed syllable), over a
 * slow push-in and sideways drift across the whole scene. In a pause the envelope falls to 0 and only the drift
 * moves, so the picture is still when the presenter is silent.
 */

/** Loudness windows per second: the keyframes of the motion. */
export const MOTION_HZ = 10;
/** At most this many keyframes in a scene (long scenes are sampled more coarsely): each is a term of ffmpeg's expressions. */
export const MAX_MOTION_KEYS = 200;
/** Quieter than this (dBFS RMS) counts as silence… */
export const SILENCE_DB = -45;
/** …and this far under the scene's loudest window is the envelope's floor. */
const RANGE_DB = 30;
/** Share of the gap closed per window on the way up and on the way down. */
const ATTACK = 0.8;
const RELEASE = 0.45;
/** Zoom added at full loudness. */
export const BOB_ZOOM = 0.025;
/** Zoom added over the whole scene. */
export const DRIFT_ZOOM = 0.03;
/** Vertical place of the crop window (share of its room) added at full loudness: the picture rises. */
const BOB_LIFT = 0.35;
/** Horizontal travel of the crop window over the scene, as a share of its room. */
const DRIFT_X = 0.5;

/** The envelope (0..1) of loudness windows in dBFS. */
export function speechEnvelope(levelsDb: readonly number[]): number[] {
  const loudest = Math.max(SILENCE_DB, ...levelsDb);
  const floor = Math.max(SILENCE_DB, loudest - RANGE_DB);
  let e = 0;
  return levelsDb.map((db) => {
    const target = db <= floor ? 0 : Math.min(1, (db - floor) / Math.max(1e-6, loudest - floor));
    e += (target - e) * (target > e ? ATTACK : RELEASE);
    return Math.round(e * 1000) / 1000;
  });
}

/** The camera at each keyframe: zoom (≥ 1) and the crop window's place as a share (0..1) of its room. */
export interface MotionKeys {
  hz: number;
  zoom: number[];
  x: number[];
  y: number[];
}

export function motionKeys(envelope: readonly number[], hz: number): MotionKeys {
  const n = envelope.length;
  const progress = (i: number) => (n <= 1 ? 0 : i / (n - 1));
  const r = (v: number) => Math.round(v * 10000) / 10000;
  return {
    hz,
    zoom: envelope.map((e, i) => r(1 + DRIFT_ZOOM * progress(i) + BOB_ZOOM * e)),
    x: envelope.map((_, i) => r(0.5 + DRIFT_X * (progress(i) - 0.5))),
    y: envelope.map((e) => r(Math.min(1, 0.5 + BOB_LIFT * e))),
  };
}

/** The window rate for a scene: `MOTION_HZ`, lower when the scene is long enough to exceed `MAX_MOTION_KEYS`. */
export function motionHz(durationSec: number): number {
  return Math.min(MOTION_HZ, MAX_MOTION_KEYS / Math.max(durationSec, 1e-3));
}
