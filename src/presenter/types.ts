import type { AssetRef, Box } from '../product/types.ts';

/**
 * Presenter videos: the shapes the presenter identity shares.
 *
 * A presenter is a task of the `presenter-identity` flow whose input is the
 * presenter-creation snapshot (`PresenterSnapshot`); its components build the
 * identity (neutral portrait and views, character sheet, voice profile), each
 * recorded as an asset of the graph. Every output copies a
 * `PresenterIdentityRef` into its own snapshot, so no output rebuilds them.
 */

export type { Box } from '../product/types.ts';

/** The presenter-creation request as stored: the only thing a presenter identity is built from. */
export interface PresenterSnapshot {
  contract: 'presenter-creation/1';
  name: string;
  /** The portrait photos, in the order given: the file name the user gave and the stored asset (`<sha256>.<ext>`). */
  photos: Array<{ file: string; asset: string }>;
  /** The voice sample (WAV, MP3 or OGG), stored as an asset. */
  voice_sample: { file: string; asset: string };
  voice?: { language?: string };
}

/** One photo framed head-and-shoulders at 4:5, exposure normalised, at one size for every photo. */
export interface NeutralPortrait {
  /** PNG in the asset store. */
  path: string;
  hash: string;
  width: number;
  height: number;
  /** The subject (head and shoulders) in the portrait, in its pixels. */
  face: Box;
  /** The `file` of the photo it was made from. */
  source: string;
}

/** What was measured on a voice: the sample's, or a local voice's on the reference sentence. */
export interface VoiceMeasure {
  /** Median fundamental frequency of the voiced frames. */
  f0_hz: number;
  /** Spread of f0 over the voiced frames, in semitones (interquartile range). */
  f0_spread: number;
  /** Syllable nuclei per second of speech (pauses left out). */
  speech_rate_sps: number;
  duration_s: number;
}

export const MATCH_NOTE = 'matched to the nearest local voice, not a clone';

/**
 * The presenter's voice: offline, the nearest installed voice with the rate
 * and pitch that bring it closer to the sample (`kind: 'match'`); with a
 * voice-cloning provider set, the voice it cloned from the sample (`kind: 'clone'`).
 */
export interface VoiceProfile {
  kind: 'match' | 'clone';
  /** The speech provider that speaks it (`festival`, `espeak-ng`, or the cloning provider's name). */
  provider: string;
  /** An installed voice id as `slotflow voices` lists it (`provider:voice`), or the cloning provider's voice id. */
  voice: string;
  language: string;
  /** Speed multiplier handed to the provider (1 = the voice's own). */
  rate: number;
  pitch_semitones: number;
  /** The sample's own measures. */
  measured: VoiceMeasure;
  /** How far the chosen voice with its settings is from the sample (0 = same pitch and rate; see `voice-profile.ts`). */
  distance: number;
  note: string;
}

/** The presenter identity an output is made from, copied into its snapshot when the output is requested. */
export interface PresenterIdentityRef {
  presenter: string;
  name: string;
  portrait: AssetRef & { width: number; height: number; face: Box };
  views: Array<AssetRef & { width: number; height: number; face: Box }>;
  sheet: AssetRef & { width: number; height: number };
  voice: AssetRef & { profile: VoiceProfile };
}
