import { performance } from 'node:perf_hooks';
import type { StoredAsset } from '../../adapters/asset-store.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import { makeNeutralImage } from '../identity/neutral.ts';
import type { NeutralImage } from '../types.ts';
import { type IdentityDeps, photoFiles, record, sha, snapshotOf } from './shared.ts';

/**
 * ProductNeutral: the neutral image of every photo, in order. The first
 * photo's is the product's neutral (kind `neutral`); the others are its
 * `views`, cleaned the same way (kind `view`). Each is made from its photo's
 * stored asset.
 */

export interface NeutralOutput {
  neutral: NeutralImage;
  views: NeutralImage[];
}

export function makeProductNeutral(deps: IdentityDeps) {
  return async function productNeutral(ctx: HandlerContext): Promise<NeutralOutput> {
    const photos = photoFiles(snapshotOf(ctx), deps.assets);
    const made: NeutralImage[] = [];
    for (const [i, photo] of photos.entries()) {
      ctx.signal.throwIfAborted();
      const started = performance.now();
      let stored: StoredAsset | undefined;
      const files = { scratch: (ext: string) => deps.assets.scratch(ext), put: async (f: string) => (stored = await deps.assets.put(f)) };
      const image = await makeNeutralImage(photo.path, photo.file, files);
      record(ctx, { kind: i === 0 ? 'neutral' : 'view', inputs: [sha(photo.hash)], started }, stored!);
      made.push(image);
    }
    return { neutral: made[0]!, views: made.slice(1) };
  };
}
