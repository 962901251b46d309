import { SlotflowError } from '../core/errors.ts';
import type { SpeechProvider, VoiceInfo } from '../providers/types.ts';
import { defaultVoices, rankSpeech } from '../providers/speech/choose.ts';

/**
 * Which voice a request asks for, checked against the voices the speech
 * providers here offer. `options.voice` names a provider (`espeak-ng`), a
 * voice (`en-us`, `en-us+f3`), or both (`espeak-ng:en-us+f3`). A voice that
 * is not offered is refused, never replaced by another: at submit (400 /
 * exit 2) and again when speech runs on a worker that lacks it (the
 * component fails at once; retrying cannot install a voice).
 *
 * An espeak-ng voice may carry a variant (`+f3`): the base voice must be
 * installed, the variant is passed on as given. A provider that cannot list
 * its voices (no `voices()`) takes any voice addressed to it by name.
 */

/** How many voice ids a refusal's message names; the error's `available` field has them all. */
export const VOICES_IN_MESSAGE = 40;
const VARIANT = /^[A-Za-z0-9_]{1,32}$/;

export interface VoiceChoice {
  provider: string;
  /** Undefined when only the provider was named: it picks its voice for the language. */
  voice?: string;
}

export class UnknownVoiceError extends SlotflowError {
  override name = 'UnknownVoiceError';
  declare readonly code: 'unknown-voice';
  constructor(
    readonly voice: string,
    readonly available: readonly string[],
  ) {
    const shown = available.slice(0, VOICES_IN_MESSAGE).join(', ');
    const more = available.length > VOICES_IN_MESSAGE ? ` and ${available.length - VOICES_IN_MESSAGE} more (GET /v1/meta lists them all)` : '';
    super(`voice ${JSON.stringify(voice.slice(0, 100))} is not available here; available: ${shown || 'none'}${more}`, { code: 'unknown-voice', retryable: false });
  }
}

/** A voice offered here, with its place in the quality order and the languages it speaks when none is asked for. */
export interface RankedVoice extends VoiceInfo {
  /** 1 for the best provider here, then 2, …: `SPEECH_RANKING` over the providers that list a voice; one provider's voices share it. */
  rank: number;
  /** The narrated languages (`en`, `zh`) that get this voice when the task names none. */
  default_for: string[];
}

/** The voices of the speech providers here, best provider first; `slotflow voices` lists the same. */
export async function installedVoices(speech: readonly SpeechProvider[]): Promise<RankedVoice[]> {
  const ranked = rankSpeech(speech);
  const [lists, defaults] = await Promise.all([
    Promise.all(ranked.map((p) => p.voices?.().catch(() => []) ?? Promise.resolve([]))),
    defaultVoices(ranked),
  ]);
  const voices: RankedVoice[] = [];
  let rank = 0;
  for (const list of lists) {
    if (list.length > 0) rank += 1;
    for (const v of list) voices.push({ ...v, rank, default_for: [] });
  }
  const primary = (tag: string) => tag.toLowerCase().split(/[-_]/)[0];
  for (const [language, chosen] of Object.entries(defaults)) {
    if (!chosen) continue;
    // A provider that does not say which voice it picks (a remote one) is marked on its first voice of the
    // language, else on the voice it speaks any language with (`mul`).
    const own = voices.filter((v) => v.provider === chosen.provider);
    const voice = chosen.voice !== undefined
      ? own.find((v) => v.id === `${chosen.provider}:${chosen.voice}`)
      : own.find((v) => primary(v.language) === language) ?? own.find((v) => v.language === 'mul');
    voice?.default_for.push(language);
  }
  return voices;
}

/** The provider and voice `voice` names, or UnknownVoiceError listing what there is. */
export async function chooseVoice(voice: string, speech: readonly SpeechProvider[]): Promise<VoiceChoice> {
  const listed = await Promise.all(speech.map(async (p) => ({ provider: p, voices: p.voices ? await p.voices().catch(() => []) : undefined })));
  const colon = voice.indexOf(':');
  const wantedProvider = colon > 0 ? voice.slice(0, colon) : undefined;
  const wantedVoice = colon > 0 ? voice.slice(colon + 1) : voice;

  for (const { provider, voices } of listed) {
    if (wantedProvider !== undefined && provider.name !== wantedProvider) continue;
    if (wantedProvider === undefined && wantedVoice === provider.name) {
      if (voices === undefined || voices.length > 0) return { provider: provider.name };
      continue;
    }
    if (voices === undefined) {
      if (wantedProvider !== undefined && wantedVoice) return { provider: provider.name, voice: wantedVoice };
      continue;
    }
    if (wantedVoice && offers(provider.name, voices, wantedVoice)) return { provider: provider.name, voice: wantedVoice };
  }
  throw new UnknownVoiceError(voice, listed.flatMap((l) => l.voices ?? []).map((v) => v.id));
}

function offers(provider: string, voices: readonly VoiceInfo[], voice: string): boolean {
  const ids = new Set(voices.map((v) => v.id));
  if (ids.has(`${provider}:${voice}`)) return true;
  const plus = voice.indexOf('+');
  return provider === 'espeak-ng' && plus > 0 && ids.has(`${provider}:${voice.slice(0, plus)}`) && VARIANT.test(voice.slice(plus + 1));
}
