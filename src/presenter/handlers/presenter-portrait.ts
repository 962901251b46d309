import { performance } from 'node:perf_hooks';
import type { AssetStore, StoredAsset } from '../../adapters/asset-store.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import { record, sha } from '../../product/handlers/shared.ts';
import { makeNeutralPortrait } from '../identity/neutral-portrait.ts';
import { validatePortraits } from '../identity/validate-portraits.ts';
import type { NeutralPortrait } from '../types.ts';
import { photoFiles, presenterSnapshotOf } from './shared.ts';

/**
 * PresenterPortrait: every photo checked first (a refusal names the file and
 * the reason, before anything is made), then the neutral portrait of each, in
 * order. The first photo's is the presenter's portrait (kind `portrait`); the
 * others are its `views` (kind `view`), framed alike. Each is made from its
 * photo's stored asset.
 */

export interface PortraitOutput {
  portrait: NeutralPortrait;
  views: NeutralPortrait[];
}

export function makePresenterPortrait(deps: { assets: AssetStore }) {
  return async function presenterPortrait(ctx: HandlerContext): Promise<PortraitOutput> {
    const photos = photoFiles(presenterSnapshotOf(ctx), deps.assets);
    const checked = await validatePortraits(photos);
    const made: NeutralPortrait[] = [];
    for (const [i, photo] of checked.entries()) {
      ctx.signal.throwIfAborted();
      const started = performance.now();
      let kept: StoredAsset | undefined;
      const files = { scratch: (ext: string) => deps.assets.scratch(ext), put: async (f: string) => (kept = await deps.assets.put(f)) };
      made.push(await makeNeutralPortrait(photo, files));
      record(ctx, { kind: i === 0 ? 'portrait' : 'view', inputs: [sha(photos[i]!.hash)], started }, kept!);
    }
    return { portrait: made[0]!, views: made.slice(1) };
  };
}
