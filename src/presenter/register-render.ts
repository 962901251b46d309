import type { AssetStore } from '../adapters/asset-store.ts';
import type { HandlerRegistry } from '../handlers/registry.ts';
import type { PipelineDeps } from '../pipeline/deps.ts';
import { type LipSyncCapability, type RemoteAdapterOptions, selectCapability } from '../product/capabilities/index.ts';
import { RemoteLipSync } from '../product/capabilities/remote-lipsync.ts';
import type { Settings } from '../settings.ts';
import { makePresenterBackgrounds } from './handlers/backgrounds.ts';
import { makePresenterBroll } from './handlers/broll.ts';
import { makePresenterEnhance } from './handlers/enhance.ts';
import { makePresenterLipSync } from './handlers/lipsync.ts';
import { makePresenterSceneBackground } from './handlers/scene-background.ts';
import { makePresenterSceneRender } from './handlers/scene-render.ts';
import { makePresenterSceneSpeech } from './handlers/scene-speech.ts';
import { makePresenterStitch } from './handlers/stitch.ts';
import { PRESENTER_RENDER_SIGNATURES } from './render/signatures.ts';

/**
 * The presenter render stages by name: the approval route's backgrounds, a storyboard scene's speech, its
 * background, its offline presenter render or b-roll, lip sync and captions (`flows/presenter-scene.json`), then the stitch and the enhancement every route ends with. Each is cached:
 * its output depends only on its inputs (stored files are named by their content); ffmpeg's build is part of the
 * key of what ffmpeg made, the lip-sync provider part of the lip-sync stage's. Bump the version when an output
 * for the same inputs changes.
 */
export const PRESENTER_RENDER_CACHE_VERSION = '2';

const MADE_BY_FFMPEG = new Set(['presenter.scene-render', 'presenter.broll', 'presenter.lipsync', 'presenter.stitch', 'presenter.enhance']);

export interface PresenterRenderOptions {
  /** The lip-sync model; none: scenes pass through with `lip_sync: false`. */
  lipsync?: LipSyncCapability;
}

/** The lip-sync capability the settings choose: the remote adapter with `SLOTFLOW_LIPSYNC_PROVIDER=remote`, else none. */
export function lipSyncFromSettings(settings: Settings, store: AssetStore, wait?: RemoteAdapterOptions['wait']): LipSyncCapability | undefined {
  return selectCapability<LipSyncCapability | undefined>(settings, 'lipsync', () => undefined, (client) => new RemoteLipSync({ client, store, ...(wait ? { wait } : {}) }));
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
    .register('presenter.backgrounds', makePresenterBackgrounds(deps), opts('presenter.backgrounds'))
    .register('presenter.scene-speech', makePresenterSceneSpeech(deps), opts('presenter.scene-speech'))
    .register('presenter.scene-background', makePresenterSceneBackground(deps), opts('presenter.scene-background'))
    .register('presenter.scene-render', makePresenterSceneRender(deps), opts('presenter.scene-render'))
    .register('presenter.broll', makePresenterBroll(deps), opts('presenter.broll'))
    .register('presenter.lipsync', makePresenterLipSync(deps, options.lipsync), opts('presenter.lipsync'))
    .register('presenter.stitch', makePresenterStitch(deps), opts('presenter.stitch'))
    .register('presenter.enhance', makePresenterEnhance(deps), opts('presenter.enhance'));
}
