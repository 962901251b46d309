/**
 * How fast each local voice speaks, measured, so that a script can be cut
 * to a target length before anything is synthesized. Figures are words a
 * second for everything but Han, and Han characters a second, of the audio
 * each provider writes for one sentence (edges trimmed as it trims them,
 * without the pipeline's pauses), at its default speed, measured on the
 * first 30 sentences of examples/long-article.md (English) and the first
 * 40 of test/fixtures/articles/zh-long.md (Chinese). Remote voices get the script's general
 * estimate; the check after synthesis (`duration-fit.ts`) corrects what an
 * estimate misses.
 */

import { DEFAULT_CHARS_PER_SEC, DEFAULT_WORDS_PER_SEC } from './text/script.ts';

export interface SpeechPace {
  wordsPerSec: number;
  charsPerSec: number;
}

/** espeak-ng's Mandarin, also meSpeak's (the same engine): its pauses at commas included, which Chinese prose has many of. */
const ESPEAK_HAN_PER_SEC = 2.47;

export const PROVIDER_PACE: Readonly<Record<string, SpeechPace>> = {
  festival: { wordsPerSec: 3.25, charsPerSec: DEFAULT_CHARS_PER_SEC },
  flite: { wordsPerSec: 3.41, charsPerSec: DEFAULT_CHARS_PER_SEC },
  'espeak-ng': { wordsPerSec: 3.4, charsPerSec: ESPEAK_HAN_PER_SEC },
  mespeak: { wordsPerSec: 3.39, charsPerSec: ESPEAK_HAN_PER_SEC },
};

export const DEFAULT_PACE: SpeechPace = { wordsPerSec: DEFAULT_WORDS_PER_SEC, charsPerSec: DEFAULT_CHARS_PER_SEC };

/** The pace of a provider speaking at `rate` times its own speed. */
export function paceOf(provider: string, rate = 1): SpeechPace {
  const base = PROVIDER_PACE[provider] ?? DEFAULT_PACE;
  return { wordsPerSec: base.wordsPerSec * rate, charsPerSec: base.charsPerSec * rate };
}
