/**
 * Which speech provider narrates an article, and a sentence saying why, for
 * `slotflow render` to print. The providers are tried best first
 * (`SPEECH_RANKING`), the preferred one before all. Two passes: the first
 * that speaks the language well (`supports`) wins;
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

/**
 * Starts every provider's check that it can run (Festival's voice list takes about a second), without waiting:
 * a render calls this first, so the checks run beside its reading and planning, and `chooseSpeech` finds them done.
 * Each provider keeps its answer, so nothing is asked twice.
 */
export function warmSpeech(providers: readonly SpeechProvider[]): void {
  for (const provider of providers) void (provider as DescribedSpeechProvider).available?.().catch(() => false);
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

/**
 * Speech providers by how natural they sound, best first: the remote voices
 * a deployment turned on with a setting, then Festival with an HTS voice,
 * Flite, espeak-ng, and meSpeak, which needs nothing installed. Each speaks
 * only the languages it does well (`supports`): for Mandarin that leaves
 * espeak-ng first of the local ones. A provider not named here comes after
 * these, in the order given.
 */
export const SPEECH_RANKING: readonly string[] = ['openai-speech', 'edge-tts', 'festival', 'flite', 'espeak-ng', 'mespeak'];

/** The providers best first by `SPEECH_RANKING`, keeping the given order among equals. */
export function rankSpeech<T extends { name: string }>(providers: readonly T[]): T[] {
  const place = (p: T) => {
    const i = SPEECH_RANKING.indexOf(p.name);
    return i < 0 ? SPEECH_RANKING.length : i;
  };
  return providers.map((p, i) => ({ p, i })).sort((a, b) => place(a.p) - place(b.p) || a.i - b.i).map(({ p }) => p);
}

export async function chooseSpeech(language: Language, providers: readonly SpeechProvider[], preferred?: string): Promise<SpeechChoice> {
  const ranked = rankSpeech(providers);
  const wanted = preferred ? ranked.find((p) => p.name === preferred) : undefined;
  const ordered = wanted ? [wanted, ...ranked.filter((p) => p !== wanted)] : ranked;
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

/** The languages the pipeline narrates (`detectLanguage`), for which a default voice is reported and keyed. */
export const NARRATED_LANGUAGES: readonly Language[] = ['en', 'zh'];

/** The provider and voice a language gets here when the user names none; undefined when nothing can speak it. */
export interface DefaultVoice {
  provider: string;
  voice: string | undefined;
}

/** What `chooseSpeech` picks for each language with no preference: the voices `slotflow voices` marks and the speech cache is keyed on. */
export async function defaultVoices(providers: readonly SpeechProvider[], languages: readonly Language[] = NARRATED_LANGUAGES): Promise<Record<string, DefaultVoice | undefined>> {
  const entries = await Promise.all(languages.map(async (language) => {
    const choice = await chooseSpeech(language, providers).catch((e: unknown) => {
      if (e instanceof NoSpeechProviderError) return undefined;
      throw e;
    });
    return [language, choice && { provider: choice.provider.name, voice: choice.voice }] as const;
  }));
  return Object.fromEntries(entries);
}
