import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { HandlerContext } from '../../handlers/registry.ts';
import { requireInput } from '../../handlers/inputs.ts';
import { productMetadata } from '../identity/metadata.ts';
import { pageMetadata } from '../identity/page-metadata.ts';
import { paletteOf } from '../identity/palette.ts';
import type { ProductMetadata } from '../types.ts';
import type { NeutralOutput } from './product-neutral.ts';
import { type IdentityDeps, pageFile, sha, snapshotOf, storeJson } from './shared.ts';

/**
 * ProductMetadata: name, category, palette, aspect and what the saved page
 * says, stored as a JSON asset (kind `metadata`) made from the neutral image
 * and the snapshot's name, page and category.
 */
export function makeProductMetadata(deps: IdentityDeps) {
  return async function productMetadataHandler(ctx: HandlerContext): Promise<ProductMetadata> {
    const snapshot = snapshotOf(ctx);
    const page = pageFile(snapshot, deps.assets);
    const { neutral } = requireInput<NeutralOutput>(ctx.inputs, 'neutral', ctx.component);
    const started = performance.now();
    const palette = await paletteOf(neutral.path);
    const meta = productMetadata({
      name: snapshot.name.trim(),
      ...(snapshot.category ? { category: snapshot.category } : {}),
      ...(page ? { page: pageMetadata(await readFile(page, 'utf8')) } : {}),
      neutral,
      palette,
    });
    const inputs = [sha(neutral.hash), 'snapshot:name', ...(snapshot.page ? ['snapshot:page'] : []), ...(snapshot.category ? ['snapshot:category'] : [])];
    await storeJson(ctx, deps.assets, { kind: 'metadata', inputs, started }, meta);
    return meta;
  };
}
