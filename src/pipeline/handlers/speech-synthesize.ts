import { createHash } from 'node:crypto';
import os from 'node:os';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { canonicalJson } from '../../core/flow/compile.ts';
import { settleAll } from '../../core/settle-all.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import { chooseSpeech, defaultVoices, type DescribedSpeechProvider } from '../../providers/speech/choose.ts';
import { chooseVoice } from '../voices.ts';
import { alignWav } from '../../providers/speech/align.ts';
import { concatWav, readWavInfo, silenceWav } from '../../providers/speech/wav.ts';
import type { PipelineDeps } from '../deps.ts';
import type { SpeechProvider, SpeechRequest, SpeechResult, SpokenWord } from '../../providers/types.ts';
import type { Widget } from '../outputs.ts';
import { changeTempo } from '../../adapters/ffmpeg/index.ts';
import { tempoCorrection } from '../duration-fit.ts';
import { NEUTRAL_DELIVERY, type SpeechDelivery, toneStyle } from '../tones.ts';
import { makeAsset, optionalInput, optionsOf, scriptOf } from './shared.ts';

/**
 * SpeechSynthesis: each sentence spoken separately, then joined per scene
 * with a short pause between sentences and a breath at the end. Every sentence's start and end come from the durations
 * of the audio actually synthesized, so subtitles cannot drift from speech. Every word's too: as the provider says
 * when it knows (Festival), otherwise aligned on the sentence's own audio (`providers/speech/align.ts`).
 * The task's tone sets the speaking rate and pitch (`tones.ts`). With a target length, the narration
 * synthesized is measured and, when it misses, played a little faster or slower (`duration-fit.ts`).
 */

export const SENTENCE_PAUSE_SEC = 0.25;
/** A breath after each scene's last sentence, part of the narration, so the next scene does not start mid-word. */
export const SCENE_TAIL_SEC = 0.5;

export interface SpokenSentence {
  text: string;
  start_sec: number;
  end_sec: number;
  /** The sentence's words, on the scene's timeline like the sentence. */
  words: SpokenWord[];
}

export interface SpokenScene {
  index: number;
  audio: string;
  duration_sec: number;
  sentences: SpokenSentence[];
}

export interface Speech {
  provider: string;
  voice: string;
  reason: string;
  language: string;
  scenes: SpokenScene[];
  /** The whole narration: every scene's speech with its pauses, after any tempo correction. */
  narration_sec?: number;
  /** The script's target length, when it had one. */
  target_sec?: number | null;
  /** The tempo the speech was corrected by to meet the target (`duration-fit.ts`); 1 when it was not. */
  tempo?: number;
}

/** `--voice` names a provider (`espeak-ng`), a voice (`en-us+f3`), or both (`espeak-ng:en-us+f3`). */
export function parseVoice(voice: string | null | undefined, providers: readonly string[]): { provider?: string; voice?: string } {
  if (!voice) return {};
  const colon = voice.indexOf(':');
  if (colon > 0) return { provider: voice.slice(0, colon), voice: voice.slice(colon + 1) };
  return providers.includes(voice) ? { provider: voice } : { voice };
}

/**
 * Who speaks: with no voice asked for, the provider that speaks the language best (`chooseSpeech`); with one,
 * exactly that provider and voice, or UnknownVoiceError (not retried) when it is not offered here.
 */
export async function speakerFor(language: string, asked: string | undefined, speech: PipelineDeps['speech']): Promise<{ provider: SpeechProvider; reason: string; voice?: string }> {
  if (asked === undefined) {
    const choice = await chooseSpeech(language, speech);
    return { provider: choice.provider, reason: choice.reason };
  }
  const chosen = await chooseVoice(asked, speech);
  const provider = speech.find((p) => p.name === chosen.provider)!;
  const described = (provider as DescribedSpeechProvider & { describeVoice?(language: string, voice?: string): string }).describeVoice?.(language, chosen.voice) ?? `${provider.name}${chosen.voice ? ` voice ${chosen.voice}` : ''}`;
  return { provider, reason: `${described}; asked for ${asked}`, ...(chosen.voice ? { voice: chosen.voice } : {}) };
}

/** One scene's sentences spoken and joined into one WAV asset, with each sentence's times in it. */
export async function speakScene(
  ctx: HandlerContext,
  deps: PipelineDeps,
  provider: SpeechProvider,
  scene: { index: number; sentences: readonly string[] },
  language: string,
  voice: string | undefined,
  delivery: SpeechDelivery = NEUTRAL_DELIVERY,
  /** The scene's sentences already spoken (`speakBatch`), one file each, which the scene then owns; default: spoken here. */
  spokenAlready?: readonly SpeechResult[],
): Promise<SpokenScene & { voice: string }> {
  spokenAlready ??= (await speakBatch(ctx, deps, provider, [scene], language, voice, delivery))?.[0];
  const parts: string[] = [];
  const scratch: string[] = spokenAlready?.map((s) => s.file) ?? [];
  const wordsOf: SpokenWord[][] = [];
  let voiceUsed = '';
  try {
    for (const [i, text] of scene.sentences.entries()) {
      let spoken = spokenAlready?.[i];
      let file = spoken?.file;
      if (!spoken || !file) {
        // A provider that cannot be interrupted (meSpeak) stops here, between sentences.
        ctx.signal.throwIfAborted();
        file = await deps.assets.scratch('.wav');
        scratch.push(file);
        spoken = await provider.synthesize(sentenceRequest(text, language, voice, delivery), file, { signal: ctx.signal });
      }
      voiceUsed = spoken.voice;
      wordsOf.push(spoken.words ?? alignWav(await readFile(file), text));
      parts.push(file);
      const pause = await deps.assets.scratch('.wav');
      scratch.push(pause);
      await silenceWav(i < scene.sentences.length - 1 ? SENTENCE_PAUSE_SEC : SCENE_TAIL_SEC, await readWavInfo(file), pause);
      parts.push(pause);
    }
    let joined = { parts: [] as Array<{ startSec: number; durationSec: number }>, durationSec: 0 };
    const audio = await makeAsset(ctx, deps.assets, { kind: 'speech', provider: provider.name, ext: '.wav', scene: scene.index }, async (out) => {
      joined = await concatWav(parts, out);
    });
    // Parts alternate sentence, pause, sentence…; sentence i is part 2i.
    const sentences = scene.sentences.map((text, i): SpokenSentence => {
      const part = joined.parts[2 * i]!;
      const words = wordsOf[i]!.map((w) => ({ text: w.text, start_sec: part.startSec + w.start_sec, end_sec: part.startSec + w.end_sec }));
      return { text, start_sec: part.startSec, end_sec: part.startSec + part.durationSec, words };
    });
    return { index: scene.index, audio, duration_sec: joined.durationSec, sentences, voice: voiceUsed };
  } finally {
    await Promise.all(scratch.map((f) => rm(f, { force: true })));
  }
}

function sentenceRequest(text: string, language: string, voice: string | undefined, delivery: SpeechDelivery): SpeechRequest {
  const prosody = delivery.rate === 1 && delivery.pitchSemitones === 0 ? {} : { rate: delivery.rate, pitchSemitones: delivery.pitchSemitones };
  return { text, language, ...(voice ? { voice } : {}), ...prosody };
}

/**
 * Every sentence of these scenes in a few calls, for a provider that speaks a batch (Festival: one process, which
 * costs about 0.3 cpu s to start, instead of one a sentence): each scene's results, in order; none without. The
 * sentences are cut into `SPEECH_BATCHES` runs of about as many characters, spoken at once: one engine process uses
 * one core, and a sentence sounds the same whichever run speaks it (each is an utterance of its own).
 */
async function speakBatch(
  ctx: HandlerContext,
  deps: PipelineDeps,
  provider: SpeechProvider,
  scenes: ReadonlyArray<{ sentences: readonly string[] }>,
  language: string,
  voice: string | undefined,
  delivery: SpeechDelivery,
): Promise<SpeechResult[][] | undefined> {
  const texts = scenes.flatMap((scene) => scene.sentences);
  const synthesizeBatch = provider.synthesizeBatch?.bind(provider);
  if (!synthesizeBatch || texts.length < 2) return undefined;
  const files: string[] = [];
  try {
    for (const _ of texts) files.push(await deps.assets.scratch('.wav'));
    const runs = batchRuns(texts, SPEECH_BATCHES);
    const spoken = (await settleAll(runs, runs.length, ({ start, end }) =>
      synthesizeBatch(texts.slice(start, end).map((text) => sentenceRequest(text, language, voice, delivery)), files.slice(start, end), { signal: ctx.signal }))).flat();
    let next = 0;
    return scenes.map((scene) => spoken.slice(next, (next += scene.sentences.length)));
  } catch (e) {
    await Promise.all(files.map((f) => rm(f, { force: true })));
    throw e;
  }
}

/** Batch runs spoken at once: the machine's cores, at most two (a third would wait for a core the encodes want next). */
const SPEECH_BATCHES = Math.min(2, os.availableParallelism());

/** `texts` cut into at most `count` runs of consecutive texts, of about as many characters each, none empty. */
export function batchRuns(texts: readonly string[], count: number): Array<{ start: number; end: number }> {
  const total = texts.reduce((sum, t) => sum + t.length, 0);
  const runs: Array<{ start: number; end: number }> = [];
  let start = 0;
  let seen = 0;
  for (const [i, text] of texts.entries()) {
    seen += text.length;
    const left = texts.length - i - 1;
    // Cut after this text once the run holds its share, leaving at least one text for each run still to come.
    if (runs.length < count - 1 && left >= count - 1 - runs.length && seen >= (total * (runs.length + 1)) / count) {
      runs.push({ start, end: i + 1 });
      start = i + 1;
    }
  }
  if (start < texts.length) runs.push({ start, end: texts.length });
  return runs;
}

/**
 * Scenes are spoken as many at a time as the provider takes (`concurrency`: a remote service several, an engine
 * here one). A scene held up by its provider (a 429 and its `Retry-After`, a slow answer) holds up no other: the
 * rest are spoken meanwhile and kept in the result cache, so when the held-up scene fails the attempt, the
 * engine's retry speaks that scene only.
 */
/** Part of every scene's cache key: bump it when what a spoken scene holds changes. */
const SPOKEN_SCENE_VERSION = 1;

export function makeSpeechSynthesize(deps: PipelineDeps) {
  return async function speechSynthesize(ctx: HandlerContext): Promise<Speech> {
    const script = scriptOf(ctx);
    // The task's options, not WidgetInit's copy: a resume with another voice keeps WidgetInit but changes the input.
    const asked = optionsOf(ctx).voice ?? optionalInput<Widget>(ctx, 'widget')?.voice;
    const { provider, reason, voice: wantedVoice } = await speakerFor(script.language, typeof asked === 'string' && asked ? asked : undefined, deps.speech);
    // With no voice named, the provider's own choice for the language is part of what was spoken.
    const voiceKey = wantedVoice ?? (await defaultVoices(deps.speech))[script.language.split(/[-_]/)[0]!.toLowerCase()] ?? null;
    const delivery = toneStyle(optionsOf(ctx).tone)?.speech ?? NEUTRAL_DELIVERY;
    const keyOf = (scene: { sentences: readonly string[] }) => createHash('sha256')
      .update(canonicalJson(['spoken-scene', SPOKEN_SCENE_VERSION, provider.name, voiceKey, script.language, scene.sentences, delivery, SENTENCE_PAUSE_SEC, SCENE_TAIL_SEC]))
      .digest('hex');
    const keptOf = new Map<number, Omit<SpokenScene, 'index'> & { voice: string }>();
    for (const scene of script.scenes) {
      const kept = (await deps.assets.cached(keyOf(scene))) as (Omit<SpokenScene, 'index'> & { voice: string }) | undefined;
      if (kept) keptOf.set(scene.index, kept);
    }
    const toSpeak = script.scenes.filter((scene) => !keptOf.has(scene.index));
    const batch = await speakBatch(ctx, deps, provider, toSpeak, script.language, wantedVoice, delivery);
    const batchOf = new Map(toSpeak.map((scene, i) => [scene.index, batch?.[i]]));
    const spoken = await settleAll(script.scenes, batch ? 1 : (provider.concurrency ?? 1), async (scene) => {
      const key = keyOf(scene);
      const kept = keptOf.get(scene.index);
      if (kept) {
        const file = await stat(kept.audio);
        // Stored files are named by their content hash.
        ctx.recordAsset({ kind: 'speech', provider: provider.name, path: kept.audio, hash: path.basename(kept.audio, '.wav'), bytes: file.size, latencyMs: 0, reused: true, scene: scene.index });
        return { ...kept, index: scene.index };
      }
      const made = await speakScene(ctx, deps, provider, scene, script.language, wantedVoice, delivery, batchOf.get(scene.index));
      const { index: _index, ...stored } = made;
      await deps.assets.remember(key, stored);
      return made;
    });
    let scenes: SpokenScene[] = spoken.map(({ voice: _voice, ...scene }) => scene);
    const voiceUsed = spoken.at(-1)?.voice ?? '';
    const measured = scenes.reduce((sum, s) => sum + s.duration_sec, 0);
    const tempo = typeof script.target_sec === 'number' ? tempoCorrection(measured, script.target_sec, script.condensed === true) : 1;
    if (tempo !== 1) {
      // One at a time: each takes tens of milliseconds, and each ffmpeg run listens on the task's abort signal.
      const retimed: SpokenScene[] = [];
      for (const s of scenes) retimed.push(await retimeScene(ctx, deps, provider.name, s, tempo));
      scenes = retimed;
    }
    const narration = round3(scenes.reduce((sum, s) => sum + s.duration_sec, 0));
    return {
      provider: provider.name, voice: voiceUsed, reason, language: script.language, scenes,
      narration_sec: narration, target_sec: script.target_sec ?? null, tempo,
    };
  };
}

/** A scene's speech played `tempo` times as fast (pitch kept), its sentences' and words' times moved with it. */
async function retimeScene(ctx: HandlerContext, deps: PipelineDeps, provider: string, scene: SpokenScene, tempo: number): Promise<SpokenScene> {
  const audio = await makeAsset(ctx, deps.assets, { kind: 'speech', provider, ext: '.wav', scene: scene.index }, (out) =>
    changeTempo(deps.media.runner, { input: scene.audio, out, tempo, signal: ctx.signal }));
  const at = (sec: number) => round3(sec / tempo);
  return {
    index: scene.index,
    audio,
    duration_sec: (await readWavInfo(audio)).durationSec,
    sentences: scene.sentences.map((s) => ({
      text: s.text, start_sec: at(s.start_sec), end_sec: at(s.end_sec),
      words: s.words.map((w) => ({ text: w.text, start_sec: at(w.start_sec), end_sec: at(w.end_sec) })),
    })),
  };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
