/**
 * Which speech provider narrates an article, and a sentence saying why, for
 * `slotflow render` to print. Two passes over the providers, the preferred
 * one first: the first that speaks the language well (`supports`) wins;
 * failing that, the first that can run at all (an optional `available()`),
 * with a reason that says it is a fallback. Providers without `available()`
 * are not guessed to run.
 */

import type { Language, SpeechProvider } from '../types.ts';
import { SlotflowError } from '../../core/errors.ts';

/** What a provider may offer beyond `SpeechProvider` to be chosen and described well. */
export interface DescribedSpeechProvider extends SpeechProvider {
  /** Whether it can run here at all, whatever the language. */
  available?(): Promise<boolean>;
  /** The voice it would pick for the language. */
  voiceFor?(language: Language): string | undefined;
  /** A human-readable name of provider and voice: "espeak-ng (Mandarin voice cmn)". */
  describeVoice?(language: Language): string;
}

export interface SpeechChoice {
  provider: SpeechProvider;
  /** Human-readable: which provider and voice, and why when it is not the obvious one. */
  reason: string;
  /** The voice the provider will pick, when it says. */
  voice?: string;
  /** False when no provider speaks the language well and this one is a fallback. */
  fluent: boolean;
}

export class NoSpeechProviderError extends SlotflowError {
  override name = 'NoSpeechProviderError';
  constructor(
    readonly language: Language,
    readonly tried: string[],
  ) {
    super(`no speech provider can speak ${languageName(language)} (tried: ${tried.join(', ') || 'none'})`, { code: 'no-speech-provider' });
  }
}

const LANGUAGE_NAMES: Record<string, string> = {
  en: 'English',
  'en-us': 'American English',
  'en-gb': 'British English',
  zh: 'Chinese',
  'zh-cn': 'Chinese',
  cmn: 'Mandarin',
  'zh-cmn': 'Mandarin',
  yue: 'Cantonese',
  'zh-yue': 'Cantonese',
};

/** An English name for a language tag or voice language ("cmn" → "Mandarin"); the tag itself when unknown. */
export function languageName(tag: string): string {
  const key = tag.toLowerCase().replace(/_/g, '-');
  const known = LANGUAGE_NAMES[key];
  if (known) return known;
  try {
    return new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' }).of(key) ?? tag;
  } catch {
    return tag;
  }
}

export async function chooseSpeech(language: Language, providers: readonly SpeechProvider[], preferred?: string): Promise<SpeechChoice> {
  const wanted = preferred ? providers.find((p) => p.name === preferred) : undefined;
  const ordered = wanted ? [wanted, ...providers.filter((p) => p !== wanted)] : [...providers];
  const notes: string[] = [];
  if (preferred && !wanted) notes.push(`preferred ${preferred} is not configured`);

  for (const provider of ordered) {
    if (await provider.supports(language)) {
      if (wanted && provider !== wanted) notes.push(`preferred ${preferred} does not speak ${languageName(language)} here`);
      return choice(provider, language, true, notes);
    }
  }
  for (const provider of ordered) {
    const p = provider as DescribedSpeechProvider;
    if (typeof p.available === 'function' && (await p.available())) {
      notes.push(`fallback: no provider here speaks ${languageName(language)} well`);
      return choice(provider, language, false, notes);
    }
  }
  throw new NoSpeechProviderError(language, ordered.map((p) => p.name));
}

function choice(provider: SpeechProvider, language: Language, fluent: boolean, notes: readonly string[]): SpeechChoice {
  const p = provider as DescribedSpeechProvider;
  const voice = p.voiceFor?.(language);
  const described = p.describeVoice?.(language) ?? `${provider.name} (${languageName(language)}${voice ? ` voice ${voice}` : ''})`;
  const reason = notes.length > 0 ? `${described}; ${notes.join('; ')}` : described;
  return voice === undefined ? { provider, reason, fluent } : { provider, reason, voice, fluent };
}
