import type { AssetStore } from '../adapters/asset-store.ts';
import type { HandlerRegistry } from '../handlers/registry.ts';
import type { ImageCapability } from './capabilities/image.ts';
import { offlineImage } from './capabilities/offline-image.ts';
import { makeBundle } from './handlers/bundle.ts';
import { makeSceneImage } from './handlers/scene-image.ts';
import { productStoryboard } from './handlers/storyboard.ts';

/**
 * The product-creative handlers of the image-bundle mode, by name. The image
 * capability defaults to the offline composer, scratch files in the asset
 * store's own scratch space.
 */

export interface CreativeDeps {
  assets: AssetStore;
  image?: ImageCapability;
}

/** Bump a version when its handler's output for the same inputs changes. */
const CACHE = { version: '3' } as const;

export function registerProductCreative(registry: HandlerRegistry, deps: CreativeDeps): HandlerRegistry {
  const image = deps.image ?? offlineImage({ scratchDir: deps.assets.tmpDir });
  return registry
    .register('product.storyboard', productStoryboard, { cache: CACHE })
    .register('product.scene-image', makeSceneImage({ assets: deps.assets, image }), { cache: CACHE })
    .register('product.bundle', makeBundle({ assets: deps.assets }), { cache: CACHE });
}
