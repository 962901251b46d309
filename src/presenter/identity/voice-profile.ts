import path from 'node:path';
import { decodePcm, type FfmpegRunner } from '../../adapters/ffmpeg/index.ts';
import { SlotflowError } from '../../core/errors.ts';
import { settleAll } from '../../core/settle-all.ts';
import { installedVoices } from '../../pipeline/voices.ts';
import type { SpeechProvider } from '../../providers/types.ts';
import { MATCH_NOTE, type VoiceMeasure, type VoiceProfile } from '../types.ts';
import { measureVoice } from './voice-measure.ts';

/**
 * The presenter's voice from a sample.
 *
 * Offline it is a match, never a clone: the sample's f0, f0 spread and
 * speaking rate (`voice-measure.ts`) against every installed voice of the
 * language, each measured once on `REFERENCE_TEXT` (kept in a `VoiceCatalog`
 * for the process). For each voice the settings that bring it closest are the
 * pitch shift and rate the gap asks for, inside what the provider can do
 * (`PROVIDER_LIMITS`: Festival and Flite have no pitch control, espeak-ng
 * and meSpeak have both). The distance is what is left of the gap (pitch in
 * units of `PITCH_SCALE` semitones, rate in `RATE_SCALE` octaves, spread in
 * `SPREAD_SCALE` semitones) plus `ADJUST_COST` of every unit the settings
 * move the voice: a voice that is near on its own beats one pushed far, which
 * sounds less like itself. The nearest voice wins.
 *
 * With a voice-cloning service set (`voice-clone.ts`), the sample is sent to
 * it and the profile is its cloned voice.
 */

export const REFERENCE_TEXT = 'Good morning. This short sentence is read once by every voice, so that its pitch and pace can be measured.';
export const PITCH_SCALE = 2;
export const RATE_SCALE = 0.25;
export const SPREAD_SCALE = 1.5;
export const ADJUST_COST = 0.5;
/** Voices synthesized at once while measuring the catalog: one a core on the two-core machines it runs on. */
export const MEASURE_CONCURRENCY = 2;

export interface ProsodyLimits {
  rate: readonly [number, number];
  pitch: readonly [number, number];
}

export const PROVIDER_LIMITS: Readonly<Record<string, ProsodyLimits>> = {
  festival: { rate: [0.75, 1.33], pitch: [0, 0] },
  flite: { rate: [0.75, 1.33], pitch: [0, 0] },
  'espeak-ng': { rate: [0.5, 2], pitch: [-12, 12] },
  mespeak: { rate: [0.5, 2], pitch: [-12, 12] },
};
const OTHER_LIMITS: ProsodyLimits = { rate: [0.8, 1.25], pitch: [0, 0] };

export class VoiceProfileError extends SlotflowError {
  override name = 'VoiceProfileError';
  constructor(code: 'voice-sample-unusable' | 'no-local-voice', message: string) {
    super(message, { code });
  }
}

export interface MeasuredVoice {
  /** `provider:voice`, as `slotflow voices` lists it. */
  id: string;
  provider: string;
  voice: string;
  language: string;
  measure: VoiceMeasure;
}

/** What the matcher needs: the speech providers, ffmpeg, and scratch files. */
export interface VoiceMatchDeps {
  speech: readonly SpeechProvider[];
  runner: FfmpegRunner;
  scratch(ext: string): Promise<string>;
}

/** Each installed voice's own measures, synthesized once per process and language. */
export class VoiceCatalog {
  private readonly byLanguage = new Map<string, Promise<MeasuredVoice[]>>();

  constructor(private readonly deps: VoiceMatchDeps) {}

  voices(language: string): Promise<MeasuredVoice[]> {
    const key = primary(language);
    let found = this.byLanguage.get(key);
    if (!found) {
      found = this.measureAll(key);
      found.catch(() => this.byLanguage.delete(key));
      this.byLanguage.set(key, found);
    }
    return found;
  }

  /** Every voice of the language measured, `MEASURE_CONCURRENCY` at a time, in the order the providers list them. */
  private async measureAll(language: string): Promise<MeasuredVoice[]> {
    const installed = (await installedVoices(this.deps.speech)).filter((v) => primary(v.language) === language);
    const measured = await settleAll(installed, MEASURE_CONCURRENCY, (info) => this.measureOne(info));
    return measured.filter((m): m is MeasuredVoice => m !== undefined);
  }

  /** One voice's measures, or undefined when it cannot speak here or says nothing voiced. */
  private async measureOne(info: { id: string; provider: string; language: string }): Promise<MeasuredVoice | undefined> {
    const provider = this.deps.speech.find((p) => p.name === info.provider);
    if (!provider) return undefined;
    const voice = info.id.slice(info.provider.length + 1);
    const wav = await this.deps.scratch('.wav');
    try {
      await provider.synthesize({ text: REFERENCE_TEXT, language: info.language, voice }, wav);
    } catch {
      return undefined; // A voice listed but unable to speak here is no candidate.
    }
    const measure = measureVoice(await decodePcm(this.deps.runner, wav, await this.deps.scratch('.raw')));
    if (measure.f0_hz > 0 && measure.speech_rate_sps > 0) return { id: info.id, provider: info.provider, voice, language: info.language, measure };
    return undefined;
  }
}

function primary(tag: string): string {
  return tag.toLowerCase().split(/[-_]/)[0]!;
}

const clamp = (v: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, v));
const round = (v: number, digits: number) => Number(v.toFixed(digits));

/** The settings that bring `voice` nearest to `sample`, and the distance left (see the header). */
export function fit(sample: VoiceMeasure, voice: MeasuredVoice): { rate: number; pitch_semitones: number; distance: number } {
  const limits = PROVIDER_LIMITS[voice.provider] ?? OTHER_LIMITS;
  const pitchGap = 12 * Math.log2(sample.f0_hz / voice.measure.f0_hz);
  const rateGap = sample.speech_rate_sps / voice.measure.speech_rate_sps;
  const pitch = clamp(pitchGap, limits.pitch);
  const rate = clamp(rateGap, limits.rate);
  const left = Math.hypot((pitchGap - pitch) / PITCH_SCALE, Math.log2(rateGap / rate) / RATE_SCALE, (sample.f0_spread - voice.measure.f0_spread) / SPREAD_SCALE);
  const moved = Math.abs(pitch) / PITCH_SCALE + Math.abs(Math.log2(rate)) / RATE_SCALE;
  return { rate: round(rate, 3), pitch_semitones: round(pitch, 2), distance: round(left + ADJUST_COST * moved, 4) };
}

/** The sample's measures; a sample with no voiced speech is refused. */
export async function measureSample(sample: string, deps: Pick<VoiceMatchDeps, 'runner' | 'scratch'>): Promise<VoiceMeasure> {
  let measure: VoiceMeasure;
  try {
    measure = measureVoice(await decodePcm(deps.runner, sample, await deps.scratch('.raw')));
  } catch (e) {
    throw Object.assign(new VoiceProfileError('voice-sample-unusable', `the voice sample ${path.basename(sample)} cannot be decoded as audio`), { cause: e });
  }
  if (measure.f0_hz <= 0 || measure.speech_rate_sps <= 0) throw new VoiceProfileError('voice-sample-unusable', 'the voice sample has no voiced speech to measure');
  return measure;
}

/** The nearest local voice to the sample, with its settings, as a profile (`kind: 'match'`). */
export async function matchVoice(measured: VoiceMeasure, language: string, catalog: VoiceCatalog): Promise<VoiceProfile> {
  const candidates = await catalog.voices(language);
  const ranked = candidates.map((v) => ({ v, ...fit(measured, v) })).sort((a, b) => a.distance - b.distance);
  const best = ranked[0];
  if (!best) throw new VoiceProfileError('no-local-voice', `no installed voice speaks ${language}`);
  return {
    kind: 'match', provider: best.v.provider, voice: best.v.id, language: best.v.language, rate: best.rate, pitch_semitones: best.pitch_semitones,
    measured, distance: best.distance, note: MATCH_NOTE,
  };
}
