import type { AssetStore } from '../adapters/asset-store.ts';
import type { HandlerRegistry } from '../handlers/registry.ts';
import { makeProductMetadata } from './handlers/product-metadata.ts';
import { makeProductNeutral } from './handlers/product-neutral.ts';
import { makeProductSeeds } from './handlers/product-seeds.ts';
import { makeProductSheet } from './handlers/product-sheet.ts';
import { PRODUCT_IDENTITY_SIGNATURES } from './signatures.ts';

/**
 * The product identity's handlers by name (`flows/product-identity.json`).
 * Each is cached: its output depends only on the snapshot (whose photos and
 * page are named by content hash) and its inputs, so building the same
 * product again reuses every part. Bump the version when an output changes.
 */
export const IDENTITY_CACHE_VERSION = '2';

export function registerProductIdentity(registry: HandlerRegistry, deps: { assets: AssetStore }): HandlerRegistry {
  const options = (name: string) => ({ cache: { version: IDENTITY_CACHE_VERSION }, ...PRODUCT_IDENTITY_SIGNATURES[name] });
  return registry
    .register('product.neutral', makeProductNeutral(deps), options('product.neutral'))
    .register('product.metadata', makeProductMetadata(deps), options('product.metadata'))
    .register('product.sheet', makeProductSheet(deps), options('product.sheet'))
    .register('product.seeds', makeProductSeeds(deps), options('product.seeds'));
}
