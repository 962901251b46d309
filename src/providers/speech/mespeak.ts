/**
 * meSpeak: eSpeak compiled to JavaScript, shipped with its voices in the npm
 * package. Needs nothing installed and works offline, which makes it the
 * provider of last resort; its English is fair, its Chinese poor.
 *
 * The library is a CommonJS module written for browsers: it is loaded with
 * `createRequire`, its one-time "not in browser" warning is silenced, and
 * its state (config, loaded voices) is global to the process, so every
 * `MespeakProvider` shares one engine. `speak` is synchronous: it blocks
 * the event loop for roughly 0.1–0.5 s per sentence.
 */

import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CallOptions, Language, SpeechProvider, SpeechRequest, SpeechResult, VoiceInfo } from '../types.ts';
import { languageName } from './choose.ts';
import { listMespeakVoices } from './voice-list.ts';
import { parseWavHeader } from './wav.ts';
import { espeakProsody } from './espeak-ng.ts';
import { SlotflowError } from '../../core/errors.ts';
import { isRetryableSpeechCode, type SpeechErrorCode } from './speech-error-code.ts';

export interface MespeakOptions {
  /** Words a minute. Default 175, eSpeak's own. */
  speedWpm?: number;
  /** 0–99. Default 50. */
  pitch?: number;
  /** 0–200. Default 100. */
  amplitude?: number;
  /** Extra pause between words, in units of 10 ms. Default 0. */
  wordGap?: number;
}

export const MESPEAK_DEFAULTS: Required<MespeakOptions> = { speedWpm: 175, pitch: 50, amplitude: 100, wordGap: 0 };

/** Bundled voices too poor to offer for their language; still used when asked for by name or as a last resort. */
const POOR_VOICES = new Set(['zh', 'zh-yue']);

/** Language tags whose bundled voice is not simply `voices/<tag>.json`. */
const LANGUAGE_VOICES: Record<string, string> = {
  en: 'en/en-us',
  'en-us': 'en/en-us',
  'en-gb': 'en/en',
  'en-sc': 'en/en-sc',
  zh: 'zh',
  'zh-cn': 'zh',
  cmn: 'zh',
  'zh-yue': 'zh-yue',
  yue: 'zh-yue',
};

/** A voice id as meSpeak names them ("en/en-us", "de"); checked before it becomes a path. */
const VOICE_ID = /^[a-z]{2,3}(?:-[a-z]{2,8})?(?:\/[a-z]{2,3}(?:-[a-z]{2,8})?)?$/;

export type MespeakErrorCode = SpeechErrorCode;

export class MespeakError extends SlotflowError {
  override name = 'MespeakError';
  readonly provider = 'mespeak';
  declare readonly code: MespeakErrorCode;
  constructor(code: MespeakErrorCode, message: string, options?: ErrorOptions) {
    super(`mespeak: ${message}`, { code, retryable: isRetryableSpeechCode(code), cause: options?.cause });
  }
}

interface MespeakEngine {
  loadConfig(data: unknown): void;
  loadVoice(data: unknown): void;
  isConfigLoaded(): boolean;
  isVoiceLoaded(voiceId: string): boolean;
  speak(text: string, args: Record<string, unknown>): number[] | null;
}

const require = createRequire(import.meta.url);
let engine: MespeakEngine | undefined;

function packageDir(): string | undefined {
  try {
    return dirname(require.resolve('mespeak/package.json'));
  } catch {
    return undefined;
  }
}

/** Runs `fn` with console.warn captured, returning what it returned and what it warned. */
function quietly<T>(fn: () => T): { value: T; warnings: string[] } {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
  try {
    return { value: fn(), warnings };
  } finally {
    console.warn = warn;
  }
}

function loadEngine(dir: string): MespeakEngine {
  if (!engine) {
    const loaded = quietly(() => require('mespeak') as MespeakEngine).value;
    // The library keeps its state in the CommonJS module, which may outlive this module's state.
    if (!loaded.isConfigLoaded()) quietly(() => loaded.loadConfig(require(join(dir, 'src', 'mespeak_config.json'))));
    if (!loaded.isConfigLoaded()) throw new MespeakError('speech-unavailable', 'the bundled config data did not load');
    engine = loaded;
  }
  return engine;
}

function normalizeLanguage(language: Language): string {
  return language.toLowerCase().replace(/_/g, '-');
}

export class MespeakProvider implements SpeechProvider {
  readonly name = 'mespeak';
  private readonly options: Required<MespeakOptions>;

  constructor(options: MespeakOptions = {}) {
    this.options = { ...MESPEAK_DEFAULTS, ...options };
  }

  /** Whether the package and its data are installed. */
  async available(): Promise<boolean> {
    const dir = packageDir();
    return dir !== undefined && existsSync(join(dir, 'src', 'mespeak_config.json'));
  }

  /** The bundled voice for a language, whether or not it is good; undefined when there is none. */
  voiceFor(language: Language): string | undefined {
    const tag = normalizeLanguage(language);
    const base = tag.split('-')[0]!;
    for (const candidate of [LANGUAGE_VOICES[tag], tag, LANGUAGE_VOICES[base], base]) {
      if (candidate !== undefined && this.voiceExists(candidate)) return candidate;
    }
    return undefined;
  }

  /** The bundled voices. */
  async voices(): Promise<VoiceInfo[]> {
    const dir = packageDir();
    return dir !== undefined && (await this.available()) ? listMespeakVoices(dir, POOR_VOICES) : [];
  }

  /** True when a bundled voice speaks the language acceptably (not Chinese: espeak-ng does that better). */
  async supports(language: Language): Promise<boolean> {
    const voice = this.voiceFor(language);
    return voice !== undefined && !POOR_VOICES.has(voice) && (await this.available());
  }

  /** "mespeak (English voice en/en-us)", for telling the user which voice speaks. */
  describeVoice(language: Language, voice: string | undefined = this.voiceFor(language)): string {
    if (!voice) return `mespeak (no voice for ${languageName(language)})`;
    return `mespeak (${languageName(language)} voice ${voice}${POOR_VOICES.has(voice) ? ', low quality' : ''})`;
  }

  /** `speak` cannot be interrupted: a cancelled call stops before it starts, the caller checks between sentences. */
  async synthesize(request: SpeechRequest, out: string, options: CallOptions = {}): Promise<SpeechResult> {
    options.signal?.throwIfAborted();
    const text = request.text.trim();
    if (!text) throw new MespeakError('speech-empty-text', 'nothing to say');
    const dir = packageDir();
    if (!dir) throw new MespeakError('speech-unavailable', 'the mespeak package is not installed');
    const voice = request.voice ?? this.voiceFor(request.language);
    if (!voice || !VOICE_ID.test(voice) || !this.voiceExists(voice)) {
      throw new MespeakError('unknown-voice', `no bundled voice ${voice ? `"${voice}"` : `for language ${request.language}`}`);
    }

    const tts = loadEngine(dir);
    if (!tts.isVoiceLoaded(voice)) quietly(() => tts.loadVoice(require(join(dir, 'voices', `${voice}.json`))));
    const { speedWpm, pitch } = espeakProsody(this.options, request);
    const { value: samples, warnings } = quietly(() => {
      try {
        return tts.speak(asArgument(text), {
          rawdata: 'array',
          voice,
          speed: speedWpm,
          pitch,
          amplitude: this.options.amplitude,
          wordgap: this.options.wordGap,
        });
      } catch (e) {
        throw new MespeakError('speech-failed', `synthesis failed: ${(e as Error).message}`, { cause: e });
      }
    });
    if (!samples || samples.length === 0) {
      throw new MespeakError('speech-failed', `no audio produced${warnings.length ? ` (${warnings.join('; ')})` : ''}`);
    }
    const wav = Buffer.from(samples);
    const info = parseWavHeader(wav, wav.length, out);
    if (info.dataBytes === 0) throw new MespeakError('speech-failed', 'the audio is empty');
    await writeFile(out, wav);
    return { file: out, durationSec: info.durationSec, voice };
  }

  private voiceExists(voice: string): boolean {
    const dir = packageDir();
    return dir !== undefined && VOICE_ID.test(voice) && existsSync(join(dir, 'voices', `${voice}.json`));
  }
}

/**
 * The emscripten eSpeak takes the text as its last command-line argument,
 * so text starting with "-" would be read as an option; a leading space
 * keeps it text.
 */
function asArgument(text: string): string {
  return text.startsWith('-') ? ` ${text}` : text;
}
