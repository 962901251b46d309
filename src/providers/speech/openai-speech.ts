import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CallOptions, Language, SpeechProvider, SpeechRequest, SpeechResult, VoiceInfo } from '../types.ts';
import { providerBytes, REMOTE_SPEECH_CONCURRENCY, trimBaseUrl, type HttpOptions, withSignal } from '../http.ts';
import { joinWav, parseWav, type WavPcm } from './riff.ts';
import { configuredVoices } from './voice-list.ts';

/**
 * OpenAI-compatible text to speech: `POST {baseUrl}/audio/speech` answering
 * WAV bytes. Text longer than the endpoint accepts is sent in pieces cut at
 * sentence ends and the PCM joined; the file written is always a plain
 * RIFF/WAVE with exact chunk sizes (streamed answers carry placeholder sizes).
 */

export interface OpenAiSpeechOptions {
  /** e.g. `https://api.openai.com/v1`; `/audio/speech` is appended. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string;
  /** e.g. `gpt-4o-mini-tts`, `tts-1`. */
  model: string;
  /** Voice when the request names none and `voices` has none for the language. Default `OPENAI_SPEECH_DEFAULTS.voice`. */
  voice?: string;
  /** Voice per language, e.g. `{ zh: 'nova' }`. */
  voices?: Record<string, string>;
  /** Languages to claim; default all, since the models speak many. */
  languages?: string[];
  /** Longest `input` per request. Default `OPENAI_SPEECH_DEFAULTS.maxInputChars`. */
  maxInputChars?: number;
  http?: HttpOptions;
}

export const OPENAI_SPEECH_DEFAULTS = {
  voice: 'alloy',
  /** The limit of OpenAI's endpoint. */
  maxInputChars: 4096,
  timeoutMs: 120_000,
} as const;

export class OpenAiSpeechProvider implements SpeechProvider {
  readonly name = 'openai-speech';
  readonly concurrency = REMOTE_SPEECH_CONCURRENCY;
  private readonly url: string;
  private readonly options: OpenAiSpeechOptions;
  private readonly maxInputChars: number;

  constructor(options: OpenAiSpeechOptions) {
    if (!options.baseUrl) throw new TypeError('OpenAiSpeechProvider: baseUrl is required');
    if (!options.model) throw new TypeError('OpenAiSpeechProvider: model is required');
    this.options = options;
    this.url = `${trimBaseUrl(options.baseUrl)}/audio/speech`;
    this.maxInputChars = options.maxInputChars ?? OPENAI_SPEECH_DEFAULTS.maxInputChars;
    if (!Number.isInteger(this.maxInputChars) || this.maxInputChars < 1) throw new RangeError('OpenAiSpeechProvider: maxInputChars must be a positive integer');
  }

  async supports(language: Language): Promise<boolean> {
    return !this.options.languages || this.options.languages.includes(language);
  }

  async voices(): Promise<VoiceInfo[]> {
    return configuredVoices(this.name, this.options.voices ?? {}, this.options.voice ?? OPENAI_SPEECH_DEFAULTS.voice);
  }

  async synthesize(request: SpeechRequest, out: string, options: CallOptions = {}): Promise<SpeechResult> {
    const text = request.text.trim();
    if (!text) throw new RangeError(`${this.name}: nothing to say (empty text)`);
    const voice = request.voice ?? this.options.voices?.[request.language] ?? this.options.voice ?? OPENAI_SPEECH_DEFAULTS.voice;
    const pieces: WavPcm[] = [];
    for (const input of splitText(text, this.maxInputChars)) pieces.push(parseWav(await this.request(input, voice, options.signal), this.name, this.url));
    const wav = joinWav(pieces, this.name, this.url);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, wav.bytes);
    return { file: out, durationSec: wav.durationSec, voice };
  }

  private request(input: string, voice: string, signal: AbortSignal | undefined): Promise<Buffer> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'audio/wav' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    return providerBytes(this.name, this.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: this.options.model, input, voice, response_format: 'wav' }),
    }, { timeoutMs: OPENAI_SPEECH_DEFAULTS.timeoutMs, ...this.options.http, ...withSignal(this.options.http?.signal, signal) });
  }
}

/** Pieces of at most `max` characters, cut after a sentence end, else a comma or space, else anywhere. */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    let cut = lastBreak(window, /[.!?。！？…]["'”’)）]*\s*/g) ?? lastBreak(window, /[,;:，；：、]\s*|\s+/g) ?? max;
    // Never split a surrogate pair.
    if (cut === max && /[\ud800-\udbff]/.test(window.charAt(max - 1)) && max > 1) cut = max - 1;
    pieces.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.trim()) pieces.push(rest.trim());
  return pieces.filter(Boolean);
}

function lastBreak(window: string, pattern: RegExp): number | undefined {
  let end: number | undefined;
  for (const match of window.matchAll(pattern)) {
    const at = match.index + match[0].length;
    // A break in the first quarter would leave a tiny piece; prefer the next kind of break.
    if (at > window.length / 4) end = at;
  }
  return end;
}
