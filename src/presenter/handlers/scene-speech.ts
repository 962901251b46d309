import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../../pipeline/deps.ts';
import { speakerFor, speakScene } from '../../pipeline/handlers/speech-synthesize.ts';
import { detectLanguage } from '../../pipeline/text/language.ts';
import { splitSentences } from '../../pipeline/text/sentences.ts';
import { sceneOf, voiceOf } from '../render/inputs.ts';
import type { SceneSpeech } from '../render/types.ts';

/**
 * `presenter.scene-speech`: the scene's narration spoken with the presenter's voice profile (the voice named
 * exactly, refused when it is not installed here; its rate and pitch), sentence by sentence as the pipeline speaks
 * a scene (`speakScene`), with every sentence's and word's times on the scene's timeline.
 */
export function makePresenterSceneSpeech(deps: PipelineDeps) {
  return async function presenterSceneSpeech(ctx: HandlerContext): Promise<SceneSpeech> {
    const scene = sceneOf(ctx);
    const voice = voiceOf(ctx);
    const language = detectLanguage(scene.narration);
    const speaker = await speakerFor(language, voice.voice, deps.speech);
    const spoken = await speakScene(ctx, deps, speaker.provider, { index: scene.scene - 1, sentences: splitSentences(scene.narration, language) }, language,
      speaker.voice, { rate: voice.rate, pitchSemitones: voice.pitch_semitones });
    return {
      scene: scene.scene, audio: spoken.audio, duration_sec: spoken.duration_sec, language,
      provider: speaker.provider.name, voice: spoken.voice, sentences: spoken.sentences,
    };
  };
}
