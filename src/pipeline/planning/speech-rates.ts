import { DEFAULT_CHARS_PER_SEC, DEFAULT_WORDS_PER_SEC } from '../text/script.ts';
import type { SpeechRate } from './scene-plan.ts';

/**
 * How fast each speech provider's default voice speaks, measured on the
 * planner's own lines with the pauses the narration puts between
 * sentences: what the planners size narration by. A provider not listed
 * speaks at the script's default rate (about 155 words a minute).
 */
export const VOICE_RATES: Readonly<Record<string, SpeechRate>> = {
  festival: { wordsPerSec: 3.0, charsPerSec: DEFAULT_CHARS_PER_SEC },
  flite: { wordsPerSec: 3.0, charsPerSec: DEFAULT_CHARS_PER_SEC },
  // espeak-ng's Mandarin voice says about 2.3 characters a second, half the script's default rate.
  'espeak-ng': { wordsPerSec: 2.8, charsPerSec: 2.3 },
  mespeak: { wordsPerSec: 2.8, charsPerSec: 2.3 },
};

export const DEFAULT_RATE: SpeechRate = { wordsPerSec: DEFAULT_WORDS_PER_SEC, charsPerSec: DEFAULT_CHARS_PER_SEC };

export function rateOf(provider: string): SpeechRate {
  return VOICE_RATES[provider] ?? DEFAULT_RATE;
}
