import { performance } from 'node:perf_hooks';
import type { AssetStore } from '../../adapters/asset-store.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import { sha, storeJson } from '../../product/handlers/shared.ts';
import { cloneVoice, type VoiceCloneOptions } from '../identity/voice-clone.ts';
import { matchVoice, measureSample, type VoiceCatalog, type VoiceMatchDeps } from '../identity/voice-profile.ts';
import type { VoiceProfile } from '../types.ts';
import { presenterSnapshotOf, sampleFile } from './shared.ts';

/**
 * PresenterVoice: the voice sample measured, then matched to the nearest
 * local voice with its settings, or, with a cloning service set, cloned
 * there. The profile is stored as JSON (kind `voice-profile`), made from the
 * sample and the snapshot's `voice` options.
 */

export const DEFAULT_LANGUAGE = 'en';

export interface VoiceHandlerDeps {
  assets: AssetStore;
  match: Pick<VoiceMatchDeps, 'runner'>;
  catalog: VoiceCatalog;
  clone?: VoiceCloneOptions | undefined;
}

export function makePresenterVoice(deps: VoiceHandlerDeps) {
  return async function presenterVoice(ctx: HandlerContext): Promise<VoiceProfile> {
    const snapshot = presenterSnapshotOf(ctx);
    const sample = sampleFile(snapshot, deps.assets);
    const started = performance.now();
    const language = snapshot.voice?.language ?? DEFAULT_LANGUAGE;
    const measured = await measureSample(sample.path, { runner: deps.match.runner, scratch: (ext) => deps.assets.scratch(ext) });
    let profile: VoiceProfile;
    if (deps.clone) {
      const voice = await cloneVoice(deps.clone, sample.path, snapshot.name.trim(), ctx.signal);
      profile = {
        kind: 'clone', provider: deps.clone.name ?? 'voice-clone', voice, language, rate: 1, pitch_semitones: 0, measured, distance: 0,
        note: 'cloned from the sample by the voice-cloning service',
      };
    } else {
      profile = await matchVoice(measured, language, deps.catalog);
    }
    await storeJson(ctx, deps.assets, { kind: 'voice-profile', inputs: [sha(sample.hash), 'snapshot:voice'], started }, profile);
    return profile;
  };
}
