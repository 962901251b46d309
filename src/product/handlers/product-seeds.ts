import { performance } from 'node:perf_hooks';
import type { HandlerContext } from '../../handlers/registry.ts';
import { requireInput } from '../../handlers/inputs.ts';
import { storyboardSeeds } from '../identity/seeds.ts';
import type { ProductMetadata, StoryboardSeed } from '../types.ts';
import { type IdentityDeps, jsonHash, sha, storeJson } from './shared.ts';

/**
 * StoryboardSeeds: the concepts outputs start from, stored as a JSON asset
 * (kind `seeds`) made from the metadata asset, whose hash is that of the
 * metadata's stored bytes (`jsonBytes`).
 */

export interface SeedsOutput {
  seeds: StoryboardSeed[];
}

export function makeProductSeeds(deps: IdentityDeps) {
  return async function productSeeds(ctx: HandlerContext): Promise<SeedsOutput> {
    const metadata = requireInput<ProductMetadata>(ctx.inputs, 'metadata', ctx.component);
    const started = performance.now();
    const seeds = storyboardSeeds(metadata);
    await storeJson(ctx, deps.assets, { kind: 'seeds', inputs: [sha(jsonHash(metadata))], started }, seeds);
    return { seeds };
  };
}
