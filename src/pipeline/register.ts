import type { HandlerRegistry } from '../handlers/registry.ts';
import type { PipelineDeps } from './deps.ts';
import { beatsCut } from './handlers/beats-cut.ts';
import { captionsWrite } from './handlers/captions-write.ts';
import { makeImagesBundle } from './handlers/images-bundle.ts';
import { makeImagesCompose } from './handlers/images-compose.ts';
import { materialClip } from './handlers/material-clip.ts';
import { makeMaterialGenerate } from './handlers/material-generate.ts';
import { makeMaterialSearch } from './handlers/material-search.ts';
import { makeMusicSelect } from './handlers/music-select.ts';
import { makeSceneRender } from './handlers/scene-render.ts';
import { scriptLoad } from './handlers/script-load.ts';
import { makeSpeechSynthesize } from './handlers/speech-synthesize.ts';
import { makeSubtitleBuild } from './handlers/subtitle-build.ts';
import { makeTextProcess } from './handlers/text-process.ts';
import { textUnderstand } from './handlers/text-understand.ts';
import { makeTitleCard } from './handlers/title-card.ts';
import { makeVideoSynthesize } from './handlers/video-synthesize.ts';
import { watermarkPrepare } from './handlers/watermark-prepare.ts';
import { widgetInit } from './handlers/widget-init.ts';

/**
 * The video pipeline's handlers by name, as flows name them. Every one is
 * cacheable: its output depends only on its inputs, so a repeated article or
 * a resumed task reuses what was already made. Bump a version when a
 * handler's output for the same inputs changes.
 */
export const PIPELINE_CACHE_VERSION = '4';

export function registerPipeline(registry: HandlerRegistry, deps: PipelineDeps): HandlerRegistry {
  const v1 = { cache: { version: PIPELINE_CACHE_VERSION } };
  return registry
    .register('text.understand', textUnderstand, v1)
    .register('widget.init', widgetInit, v1)
    .register('text.process', makeTextProcess(deps), v1)
    .register('script.load', scriptLoad, v1)
    .register('captions.write', captionsWrite, v1)
    .register('material.generate', makeMaterialGenerate(deps), v1)
    .register('material.search', makeMaterialSearch(deps), v1)
    .register('speech.synthesize', makeSpeechSynthesize(deps), v1)
    .register('material.clip', materialClip, v1)
    .register('beats.cut', beatsCut, v1)
    .register('subtitle.build', makeSubtitleBuild(deps), v1)
    .register('title.card', makeTitleCard(deps), v1)
    .register('music.select', makeMusicSelect(deps), v1)
    .register('watermark.prepare', watermarkPrepare, v1)
    .register('scene.render', makeSceneRender(deps), v1)
    .register('video.synthesize', makeVideoSynthesize(deps), v1)
    .register('images.compose', makeImagesCompose(deps), v1)
    .register('images.bundle', makeImagesBundle(deps), v1);
}
