import { performance } from 'node:perf_hooks';
import type { AssetStore } from '../../adapters/asset-store.ts';
import type { HandlerContext } from '../../handlers/registry.ts';

/**
 * Makes a file in scratch space, moves it into the asset store and records it as an asset of the graph: what it
 * was made from (`sha256:<hash>` of other assets) beside its kind and provider.
 */
export async function makeGraphAsset(
  ctx: HandlerContext,
  assets: AssetStore,
  spec: { kind: string; provider: string; ext: string; inputs: string[]; scene?: number },
  make: (out: string) => Promise<void>,
): Promise<{ path: string; hash: string }> {
  const started = performance.now();
  const out = await assets.scratch(spec.ext);
  await make(out);
  const stored = await assets.put(out);
  ctx.recordAsset({
    kind: spec.kind, provider: spec.provider, path: stored.path, hash: stored.hash, bytes: stored.bytes, latencyMs: performance.now() - started,
    inputs: spec.inputs, ...(spec.scene !== undefined ? { scene: spec.scene } : {}),
  });
  return { path: stored.path, hash: stored.hash };
}
