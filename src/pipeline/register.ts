import type { HandlerRegistry } from '../handlers/registry.ts';
import { defaultVoices } from '../providers/speech/choose.ts';
import type { PipelineDeps } from './deps.ts';
import { beatsCut } from './handlers/beats-cut.ts';
import { captionsWrite } from './handlers/captions-write.ts';
import { makeImagesBundle } from './handlers/images-bundle.ts';
import { makeImagesCompose } from './handlers/images-compose.ts';
import { materialClip } from './handlers/material-clip.ts';
import { makeMaterialGenerate } from './handlers/material-generate.ts';
import { makeMaterialSearch } from './handlers/material-search.ts';
import { makeMusicSelect } from './handlers/music-select.ts';
import { makePromptPlan } from './handlers/prompt-plan.ts';
import { makeSceneRender } from './handlers/scene-render.ts';
import { scriptLoad } from './handlers/script-load.ts';
import { makeSpeechSynthesize } from './handlers/speech-synthesize.ts';
import { subtitleBuild } from './handlers/subtitle-build.ts';
import { makeTextProcess } from './handlers/text-process.ts';
import { textUnderstand } from './handlers/text-understand.ts';
import { makeTitleCard } from './handlers/title-card.ts';
import { makeVideoSynthesize } from './handlers/video-synthesize.ts';
import { makeVisualChoose } from './handlers/visual-choose.ts';
import { watermarkPrepare } from './handlers/watermark-prepare.ts';
import { widgetInit } from './handlers/widget-init.ts';
import { PIPELINE_SIGNATURES } from './signatures.ts';

/**
 * The video pipeline's handlers by name, as flows name them. Every one is
 * cacheable: its output depends only on its inputs, so a repeated article or
 * a resumed task reuses what was already made. Bump a version when a
 * handler's output for the same inputs changes. Each handler is registered
 * with what it produces and the roles it reads (`signatures.ts`).
 */
export const PIPELINE_CACHE_VERSION = '10';

/** Handlers whose output is made by ffmpeg: another build makes other bytes, so the build is part of their cache key. */
const MADE_BY_FFMPEG = new Set([
  'material.generate', 'material.search', 'visual.choose', 'music.select', 'title.card', 'scene.render', 'video.synthesize', 'images.compose',
]);

/**
 * Handlers that speak with the voice the machine chooses when the task names
 * none: the default voices are part of their cache key, so installing a
 * better voice (or losing one) makes speech again instead of reusing the old.
 */
const SPOKEN_WITH_DEFAULT_VOICE = new Set(['speech.synthesize', 'prompt.plan']);

/** Handlers whose output depends on the chat model configured (SLOTFLOW_LLM_*), or on there being none. */
const WRITTEN_BY_CHAT_MODEL = new Set(['prompt.plan']);

export function registerPipeline(registry: HandlerRegistry, deps: PipelineDeps): HandlerRegistry {
  const build = deps.media.runner.capabilities.version;
  let voices: Promise<unknown> | undefined;
  const defaultVoicesHere = () => (voices ??= defaultVoices(deps.speech));
  // The planner sizes narration by the voice that will speak it, and the model (or the template) writes it.
  const chatModel = deps.chat?.structured ? `llm ${deps.chat.structured.model}` : 'template';
  const context = (name: string) => {
    if (WRITTEN_BY_CHAT_MODEL.has(name)) return { context: async () => ({ voices: await defaultVoicesHere(), planner: chatModel }) };
    return SPOKEN_WITH_DEFAULT_VOICE.has(name) ? { context: defaultVoicesHere } : {};
  };
  const options = (name: string) => ({
    cache: {
      version: MADE_BY_FFMPEG.has(name) ? `${PIPELINE_CACHE_VERSION}/ffmpeg ${build}` : PIPELINE_CACHE_VERSION,
      ...context(name),
    },
    ...PIPELINE_SIGNATURES[name],
  });
  return registry
    .register('text.understand', textUnderstand, options('text.understand'))
    .register('widget.init', widgetInit, options('widget.init'))
    .register('text.process', makeTextProcess(deps), options('text.process'))
    .register('script.load', scriptLoad, options('script.load'))
    .register('prompt.plan', makePromptPlan(deps), options('prompt.plan'))
    .register('captions.write', captionsWrite, options('captions.write'))
    .register('material.generate', makeMaterialGenerate(deps), options('material.generate'))
    .register('material.search', makeMaterialSearch(deps), options('material.search'))
    .register('speech.synthesize', makeSpeechSynthesize(deps), options('speech.synthesize'))
    .register('material.clip', materialClip, options('material.clip'))
    .register('visual.choose', makeVisualChoose(deps), options('visual.choose'))
    .register('beats.cut', beatsCut, options('beats.cut'))
    .register('subtitle.build', subtitleBuild, options('subtitle.build'))
    .register('title.card', makeTitleCard(deps), options('title.card'))
    .register('music.select', makeMusicSelect(deps), options('music.select'))
    .register('watermark.prepare', watermarkPrepare, options('watermark.prepare'))
    .register('scene.render', makeSceneRender(deps), options('scene.render'))
    .register('video.synthesize', makeVideoSynthesize(deps), options('video.synthesize'))
    .register('images.compose', makeImagesCompose(deps), options('images.compose'))
    .register('images.bundle', makeImagesBundle(deps), options('images.bundle'));
}
