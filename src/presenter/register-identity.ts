import type { AssetStore } from '../adapters/asset-store.ts';
import type { SegmentEncoder } from '../adapters/ffmpeg/index.ts';
import type { HandlerRegistry } from '../handlers/registry.ts';
import type { SpeechProvider } from '../providers/types.ts';
import { makePresenterPortrait } from './handlers/presenter-portrait.ts';
import { makePresenterSheet } from './handlers/presenter-sheet.ts';
import { makePresenterVoice } from './handlers/presenter-voice.ts';
import { PRESENTER_IDENTITY_SIGNATURES } from './identity/signatures.ts';
import type { VoiceCloneOptions } from './identity/voice-clone.ts';
import { VoiceCatalog } from './identity/voice-profile.ts';

/**
 * The presenter identity's handlers by name (`flows/presenter-identity.json`).
 * Each is cached: its output depends only on the snapshot (photos and sample
 * named by content hash) and its inputs; the voice's also on which voices are
 * installed here and whether a cloning service is set. Bump the version when
 * an output changes.
 */
export const PRESENTER_IDENTITY_CACHE_VERSION = '1';

export interface PresenterIdentityDeps {
  assets: AssetStore;
  media: SegmentEncoder;
  speech: readonly SpeechProvider[];
  /** A voice-cloning service (`voiceCloneFromEnv`); unset: the voice is matched to a local one. */
  clone?: VoiceCloneOptions | undefined;
}

export function registerPresenterIdentity(registry: HandlerRegistry, deps: PresenterIdentityDeps): HandlerRegistry {
  const options = (name: string) => ({ cache: { version: PRESENTER_IDENTITY_CACHE_VERSION }, ...PRESENTER_IDENTITY_SIGNATURES[name] });
  const catalog = new VoiceCatalog({ speech: deps.speech, runner: deps.media.runner, scratch: (ext) => deps.assets.scratch(ext) });
  const voiceContext = async () => ({
    voices: deps.clone ? [] : (await Promise.all(deps.speech.map(async (p) => (await p.voices?.().catch(() => [])) ?? []))).flat().map((v) => v.id).sort(),
    clone: deps.clone ? deps.clone.baseUrl : null,
  });
  return registry
    .register('presenter.portrait', makePresenterPortrait(deps), options('presenter.portrait'))
    .register('presenter.sheet', makePresenterSheet(deps), options('presenter.sheet'))
    .register('presenter.voice', makePresenterVoice({ assets: deps.assets, match: deps.media, catalog, clone: deps.clone }), {
      ...options('presenter.voice'), cache: { version: PRESENTER_IDENTITY_CACHE_VERSION, context: voiceContext },
    });
}
