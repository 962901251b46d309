/**
 * What each tone (`options.tone`) changes, in one table: how fast and how
 * high the narrator speaks, the music bed's tempo, key and brightness, and
 * the caption style when `options.captions` does not name one. With no tone
 * asked for, everything stays as it was: `NEUTRAL_DELIVERY`.
 *
 * Speech `rate` multiplies the voice's own speed (1.1 is 10 % faster) and
 * `pitchSemitones` shifts its pitch; each provider maps them onto its own
 * controls where it has them (see docs/task-json.md). The duration fitting
 * (`duration-fit.ts`) counts the rate in, so a faster tone fits more of a
 * long article into the same target.
 */

import { type CaptionStyle, DEFAULT_MUSIC_MOOD, type MusicMoodOptions } from '../adapters/ffmpeg/index.ts';
import { TONES } from './submission.ts';

export type ToneName = (typeof TONES)[number];

export interface SpeechDelivery {
  rate: number;
  pitchSemitones: number;
}

/** The music bed's character (`synthesizeMusic`): chord length, major or minor, brightness and register. */
export type MusicMood = MusicMoodOptions;

export interface ToneStyle {
  speech: SpeechDelivery;
  music: MusicMood;
  captions: CaptionStyle;
}

export const TONE_STYLES: Readonly<Record<ToneName, ToneStyle>> = {
  calm: { speech: { rate: 0.92, pitchSemitones: -1 }, music: { chordStretch: 1.4, minor: false, brightnessHz: 1800, octave: 0 }, captions: 'sentence' },
  upbeat: { speech: { rate: 1.08, pitchSemitones: 2 }, music: { chordStretch: 0.6, minor: false, brightnessHz: 4000, octave: 1 }, captions: 'pop' },
  serious: { speech: { rate: 0.96, pitchSemitones: -2 }, music: { chordStretch: 1.2, minor: true, brightnessHz: 1500, octave: 0 }, captions: 'sentence' },
  playful: { speech: { rate: 1.1, pitchSemitones: 3 }, music: { chordStretch: 0.5, minor: false, brightnessHz: 5000, octave: 1 }, captions: 'pop' },
};

export const NEUTRAL_DELIVERY: SpeechDelivery = { rate: 1, pitchSemitones: 0 };
export const NEUTRAL_MOOD: MusicMood = DEFAULT_MUSIC_MOOD;

/** The style of a tone from a task's options (validated at submission); undefined for none. */
export function toneStyle(tone: unknown): ToneStyle | undefined {
  return typeof tone === 'string' && Object.hasOwn(TONE_STYLES, tone) ? TONE_STYLES[tone as ToneName] : undefined;
}
