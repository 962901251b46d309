/**
 * Providers are interfaces per capability. Orchestration code (flows,
 * handlers' wiring, the engine) never imports a provider implementation; it
 * asks a `ProviderSet` built from settings. Local providers work offline
 * with no setup; remote ones are turned on by a key or base URL.
 */

export type Language = 'en' | 'zh' | string;

/** What every provider call may carry. */
export interface CallOptions {
  /** Aborting it stops the call: its request, its child process, its wait between retries. */
  signal?: AbortSignal | undefined;
}

export interface SpeechRequest {
  text: string;
  language: Language;
  /** A provider-specific voice name; the provider picks one for the language when unset. */
  voice?: string;
  /** Speed relative to the voice's own: 1.1 is 10 % faster. Providers without a speed control ignore it. Default 1. */
  rate?: number;
  /** Pitch shift in semitones. Providers without a pitch control ignore it. Default 0. */
  pitchSemitones?: number;
}

export interface SpeechResult {
  /** Path of the WAV file written. */
  file: string;
  /** Duration of the audio actually synthesized, in seconds. */
  durationSec: number;
  /** The voice actually used. */
  voice: string;
  /**
   * When the engine knows them (Festival's utterance), one entry per written
   * word of the text, in order: the word as the text spells it, without the
   * punctuation around it ("Smith's", "42"), and when it is heard in the file,
   * in seconds from its start. A word the engine reads as several ("42" as
   * "forty two") spans them all; punctuation alone is no word. Left out by
   * engines that do not say.
   */
  words?: SpokenWord[];
}

/** A word of a synthesized text and when it is spoken: 0 ≤ start_sec < end_sec ≤ the file's duration. */
export interface SpokenWord {
  text: string;
  start_sec: number;
  end_sec: number;
}

/** A voice a speech provider offers here; `id` is what `options.voice` takes (`provider:voice`). */
export interface VoiceInfo {
  id: string;
  provider: string;
  /** The language tag the voice speaks, as the provider spells it. */
  language: string;
  name: string;
}

export interface SpeechProvider {
  readonly name: string;
  /**
   * Scenes it may speak at the same time. Absent: one, for an engine that runs here and takes a core (and, for
   * Festival's HTS voice, some hundreds of MB) per process; a remote service answers many at once.
   */
  readonly concurrency?: number;
  /** The voices it can speak with here; none when it cannot run. */
  voices?(): Promise<VoiceInfo[]>;
  /** Whether it can run here (a program installed, a key set), and speaks the language well. */
  supports(language: Language): Promise<boolean>;
  /** Writes the speech as a WAV file to `out`. */
  synthesize(request: SpeechRequest, out: string, options?: CallOptions): Promise<SpeechResult>;
  /**
   * Several requests of one voice, language and speed, each to its file, the same results as one `synthesize` each,
   * for an engine whose start costs more than a sentence (Festival). Absent: `synthesize` one at a time.
   */
  synthesizeBatch?(requests: readonly SpeechRequest[], outs: readonly string[], options?: CallOptions): Promise<SpeechResult[]>;
}

export interface ChatProvider {
  readonly name: string;
  /** Rewrites a narration script; returns the new text. */
  rewrite(script: string, instructions: string, language: Language, options?: CallOptions): Promise<string>;
  /** Present when the provider can answer in JSON that a schema constrains (what the prompt planner asks for). */
  structured?: StructuredChat;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A JSON Schema the answer must follow, and the name the request gives it. */
export interface AnswerSchema {
  name: string;
  schema: Readonly<Record<string, unknown>>;
}

/** Chat that answers in JSON following a schema: the text of the answer is returned unparsed, for the caller to check. */
/** A chat answer and what the server said it cost, where it says (OpenRouter's `usage.cost`, LiteLLM's `usage.total_cost`). */
export interface ChatAnswer {
  text: string;
  /** US dollars; null when the server does not report a cost. */
  costUsd: number | null;
}

export interface StructuredChat {
  readonly model: string;
  completeJson(messages: readonly ChatMessage[], schema: AnswerSchema, options?: CallOptions): Promise<ChatAnswer>;
}

export interface MaterialQuery {
  keywords: string[];
  /** Wanted orientation of the target video. */
  orientation: 'landscape' | 'portrait' | 'square';
  minDurationSec?: number;
  limit: number;
}

export interface MaterialCandidate {
  /** Local path (library, or downloaded into the asset store) of an image or a video. */
  path: string;
  kind: 'image' | 'video';
  provider: string;
  /** Where it came from, for credits. */
  source?: string;
  width?: number;
  height?: number;
  durationSec?: number;
  /** How well it matched the keywords; higher is better. */
  score: number;
  /** The keyword it matched best, when the provider knows. */
  term?: string;
  /** What the item is tagged with (a library's manifest), so it can be matched against each scene's own words. */
  tags?: string[];
}

export interface MaterialProvider {
  readonly name: string;
  available(): Promise<boolean>;
  search(query: MaterialQuery, downloadDir: string, options?: CallOptions): Promise<MaterialCandidate[]>;
}

export interface MusicTrack {
  path: string;
  provider: string;
  title: string;
  durationSec?: number;
}
