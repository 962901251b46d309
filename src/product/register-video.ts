import type { HandlerSignature } from '../core/flow/inputs.ts';
import type { HandlerRegistry } from '../handlers/registry.ts';
import type { PipelineDeps } from '../pipeline/deps.ts';
import { TRANSITION_PARAMS } from '../pipeline/transitions.ts';
import { defaultVoices } from '../providers/speech/choose.ts';
import { productCutStoryboard } from './handlers/cut-storyboard.ts';
import { makeSceneClip } from './handlers/scene-clip.ts';
import { makeSceneSpeech } from './handlers/scene-speech.ts';
import { makeScriptSegment } from './handlers/script-segment.ts';
import { makeStitch } from './handlers/stitch.ts';
import { makeUgcInterpret } from './handlers/ugc-interpret.ts';

/**
 * The handlers of product creative's three video modes (fast paced, script to video, UGC style), by the names
 * their flows use: a storyboard per mode, then in each scene child its speech and its clip, then the stitch.
 * All are cached by their inputs (`cache.version`); those made by ffmpeg carry its build in the version, and
 * those sized by or spoken with the machine's default voice carry the default voices as context, as the
 * article pipeline's do (`pipeline/register.ts`).
 */
export const PRODUCT_VIDEO_CACHE_VERSION = '2';

export const ProductVideoType = {
  storyboard: 'product-storyboard',
  speech: 'product-scene-speech',
  clip: 'product-scene-clip',
  video: 'product-video',
} as const;

export const PRODUCT_VIDEO_SIGNATURES: Readonly<Record<string, HandlerSignature>> = {
  'product.cut-storyboard': { produces: ProductVideoType.storyboard },
  'product.script-segment': { produces: ProductVideoType.storyboard },
  'product.ugc-interpret': { produces: ProductVideoType.storyboard },
  // The scene children read their item and the parent's snapshot, not dependencies' roles.
  'product.scene-speech': { produces: ProductVideoType.speech },
  'product.scene-clip': { produces: ProductVideoType.clip },
  // Reads the fan-out's scenes from its dependencies (`handlers/stitch.ts`).
  'product.stitch': { produces: ProductVideoType.video, params: TRANSITION_PARAMS },
};

const MADE_BY_FFMPEG = new Set(['product.scene-clip', 'product.stitch']);
const DEPENDS_ON_DEFAULT_VOICE = new Set(['product.script-segment', 'product.ugc-interpret', 'product.scene-speech']);

export function registerProductVideo(registry: HandlerRegistry, deps: PipelineDeps): HandlerRegistry {
  const build = deps.media.runner.capabilities.version;
  let voices: Promise<unknown> | undefined;
  const defaultVoicesHere = () => (voices ??= defaultVoices(deps.speech));
  const options = (name: string) => ({
    cache: {
      version: MADE_BY_FFMPEG.has(name) ? `${PRODUCT_VIDEO_CACHE_VERSION}/ffmpeg ${build}` : PRODUCT_VIDEO_CACHE_VERSION,
      ...(DEPENDS_ON_DEFAULT_VOICE.has(name) ? { context: defaultVoicesHere } : {}),
    },
    ...PRODUCT_VIDEO_SIGNATURES[name],
  });
  return registry
    .register('product.cut-storyboard', productCutStoryboard, options('product.cut-storyboard'))
    .register('product.script-segment', makeScriptSegment(deps), options('product.script-segment'))
    .register('product.ugc-interpret', makeUgcInterpret(deps), options('product.ugc-interpret'))
    .register('product.scene-speech', makeSceneSpeech(deps), options('product.scene-speech'))
    .register('product.scene-clip', makeSceneClip(deps), options('product.scene-clip'))
    .register('product.stitch', makeStitch(deps), options('product.stitch'));
}
