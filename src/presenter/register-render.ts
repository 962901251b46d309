import type { AssetStore } from '../adapters/asset-store.ts';
import { fanOutOutputType, type HandlerSignature, type RoleSpec } from '../core/flow/inputs.ts';
import type { HandlerRegistry } from '../handlers/registry.ts';
import type { PipelineDeps } from '../pipeline/deps.ts';
import { type LipSyncCapability, selectCapability } from '../product/capabilities/index.ts';
import { RemoteLipSync } from '../product/capabilities/remote-lipsync.ts';
import type { Settings } from '../settings.ts';
import { makePresenterBroll } from './handlers/broll.ts';
import { makePresenterEnhance } from './handlers/enhance.ts';
import { makePresenterLipSync } from './handlers/lipsync.ts';
import { makePresenterSceneRender } from './handlers/scene-render.ts';
import { makePresenterSceneSpeech } from './handlers/scene-speech.ts';
import { makePresenterStitch } from './handlers/stitch.ts';

/**
 * The presenter render stages by name: a storyboard scene's speech, its offline presenter render or b-roll, lip
 * sync (`flows/presenter-scene.json`), then the stitch and the enhancement every route ends with. Each is cached:
 * its output depends only on its inputs (stored files are named by their content); ffmpeg's build is part of the
 * key of what ffmpeg made, the lip-sync provider part of the lip-sync stage's. Bump the version when an output
 * for the same inputs changes.
 */
export const PRESENTER_RENDER_CACHE_VERSION = '1';

/** What the stages produce, for the flows' role bindings. */
export const PresenterOutput = {
  speech: 'presenter-speech',
  sceneVideo: 'presenter-scene-video',
  video: 'presenter-video',
  enhanced: 'presenter-enhanced-video',
} as const;

const needs = (accepts: string): RoleSpec => ({ accepts });
const mayUse = (accepts: string): RoleSpec => ({ accepts, optional: true });

export const PRESENTER_RENDER_SIGNATURES: Readonly<Record<string, HandlerSignature>> = {
  'presenter.scene-speech': { produces: PresenterOutput.speech },
  'presenter.scene-render': { produces: PresenterOutput.sceneVideo, consumes: { speech: needs(PresenterOutput.speech) } },
  'presenter.broll': { produces: PresenterOutput.sceneVideo, consumes: { speech: needs(PresenterOutput.speech) } },
  'presenter.lipsync': {
    produces: PresenterOutput.sceneVideo,
    consumes: { speech: needs(PresenterOutput.speech), presenter: mayUse(PresenterOutput.sceneVideo), broll: mayUse(PresenterOutput.sceneVideo) },
  },
  'presenter.stitch': { produces: PresenterOutput.video, consumes: { scenes: needs(fanOutOutputType('presenter-scene')) }, params: { transition_ms: 'non-negative-integer' } },
  'presenter.enhance': { produces: PresenterOutput.enhanced, consumes: { video: needs(PresenterOutput.video) } },
};

const MADE_BY_FFMPEG = new Set(['presenter.scene-render', 'presenter.broll', 'presenter.lipsync', 'presenter.stitch', 'presenter.enhance']);

export interface PresenterRenderOptions {
  /** The lip-sync model; none: scenes pass through with `lip_sync: false`. */
  lipsync?: LipSyncCapability;
}

/** The lip-sync capability the settings choose: the remote adapter with `SLOTFLOW_LIPSYNC_PROVIDER=remote`, else none. */
export function lipSyncFromSettings(settings: Settings, store: AssetStore): LipSyncCapability | undefined {
  return selectCapability<LipSyncCapability | undefined>(settings, 'lipsync', () => undefined, (client) => new RemoteLipSync({ client, store }));
}

export function registerPresenterRender(registry: HandlerRegistry, deps: PipelineDeps, options: PresenterRenderOptions = {}): HandlerRegistry {
  const build = deps.media.runner.capabilities.version;
  const lipsyncBy = options.lipsync?.name ?? 'offline';
  const opts = (name: string) => ({
    cache: {
      version: MADE_BY_FFMPEG.has(name) ? `${PRESENTER_RENDER_CACHE_VERSION}/ffmpeg ${build}` : PRESENTER_RENDER_CACHE_VERSION,
      ...(name === 'presenter.lipsync' ? { context: () => Promise.resolve({ lipsync: lipsyncBy }) } : {}),
    },
    ...PRESENTER_RENDER_SIGNATURES[name],
  });
  return registry
    .register('presenter.scene-speech', makePresenterSceneSpeech(deps), opts('presenter.scene-speech'))
    .register('presenter.scene-render', makePresenterSceneRender(deps), opts('presenter.scene-render'))
    .register('presenter.broll', makePresenterBroll(deps), opts('presenter.broll'))
    .register('presenter.lipsync', makePresenterLipSync(deps, options.lipsync), opts('presenter.lipsync'))
    .register('presenter.stitch', makePresenterStitch(deps), opts('presenter.stitch'))
    .register('presenter.enhance', makePresenterEnhance(deps), opts('presenter.enhance'));
}
