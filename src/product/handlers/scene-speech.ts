import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../../pipeline/deps.ts';
import { speakerFor, speakScene, type SpokenSentence } from '../../pipeline/handlers/speech-synthesize.ts';
import { detectLanguage } from '../../pipeline/text/language.ts';
import { splitSentences } from '../../pipeline/text/sentences.ts';
import { NEUTRAL_DELIVERY, toneStyle } from '../../pipeline/tones.ts';
import type { SpokenWord } from '../../providers/types.ts';
import { hashOfStored, sceneOf } from './scene-input.ts';

/**
 * `product.scene-speech` (in each scene child): the scene's narration spoken by the voice asked for, else the
 * best one here for its language, at the output's tone, sentence by sentence with the article pipeline's pauses
 * (`speakScene`), with every word's time. A scene without narration (fast paced) says nothing: `audio: null`.
 */

export interface SceneSpeech {
  audio: { path: string; hash: string; duration_s: number } | null;
  /** Every word on the scene's timeline. */
  words: SpokenWord[];
  sentences: SpokenSentence[];
  language: string;
  voice: { provider: string; voice: string } | null;
}

export function makeSceneSpeech(deps: PipelineDeps) {
  return async function sceneSpeech(ctx: HandlerContext): Promise<SceneSpeech> {
    const { scene, snapshot } = sceneOf(ctx);
    const narration = scene.narration?.trim() ?? '';
    const language = detectLanguage(narration);
    if (narration === '') return { audio: null, words: [], sentences: [], language, voice: null };
    const { provider, voice } = await speakerFor(language, snapshot.options.voice, deps.speech);
    const delivery = toneStyle(snapshot.options.tone)?.speech ?? NEUTRAL_DELIVERY;
    const spoken = await speakScene(ctx, deps, provider, { index: scene.scene - 1, sentences: splitSentences(narration, language) }, language, voice, delivery);
    return {
      audio: { path: spoken.audio, hash: hashOfStored(spoken.audio), duration_s: spoken.duration_sec },
      words: spoken.sentences.flatMap((s) => s.words),
      sentences: spoken.sentences,
      language,
      voice: { provider: provider.name, voice: spoken.voice },
    };
  };
}
