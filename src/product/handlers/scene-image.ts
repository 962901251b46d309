import { performance } from 'node:perf_hooks';
import type { AssetStore } from '../../adapters/asset-store.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import { frameFor } from '../../pipeline/formats.ts';
import type { ImageCapability } from '../capabilities/image.ts';
import { makeFaithfulSceneImage, type FidelityAttempt } from '../scene-image.ts';
import type { FidelityScores, ProductMetadata } from '../types.ts';
import { sceneChild } from './output-input.ts';

/**
 * product.scene-image: in a scene child task, the scene's picture at the
 * output's format, through the fidelity loop, stored and recorded with its
 * scores and what it was made from.
 */

export interface SceneImageOutput {
  image: { path: string; hash: string; width: number; height: number };
  scores: FidelityScores;
  attempts: FidelityAttempt[];
}

/** Labels for the callout layout from what the metadata knows. */
export function calloutsOf(m: ProductMetadata): string[] {
  const labels = [m.brand, m.category, m.price ? [m.price.currency, m.price.amount].filter(Boolean).join(' ') : undefined].filter((l): l is string => !!l && l.trim().length > 0);
  return labels.length > 0 ? labels : [m.name];
}

export function makeSceneImage(deps: { assets: AssetStore; image: ImageCapability }) {
  return async function sceneImage(ctx: HandlerContext): Promise<SceneImageOutput> {
    const { item, parent: { input: snapshot } } = sceneChild(ctx);
    const { width, height } = frameFor(snapshot.options as Record<string, unknown>);
    const started = performance.now();
    const neutral = snapshot.identity.neutral;
    const made = await makeFaithfulSceneImage(deps.image, {
      neutral: { path: neutral.path, width: neutral.width, height: neutral.height, cutout: neutral.cutout },
      palette: snapshot.identity.metadata.palette,
      layout: item.layout,
      seed: item.seed,
      headline: item.headline,
      callouts: calloutsOf(snapshot.identity.metadata),
      background: item.background,
      width,
      height,
    }, snapshot.options.fidelity, ctx.signal);
    const stored = await deps.assets.put(made.image.path);
    ctx.recordAsset({
      kind: 'scene-image', provider: deps.image.name, path: stored.path, hash: stored.hash, bytes: stored.bytes,
      latencyMs: performance.now() - started, scene: item.scene,
      inputs: [`sha256:${neutral.hash}`, 'snapshot:prompt', 'snapshot:options.format', 'snapshot:options.fidelity'],
      scores: { ...made.scores, attempts: made.attempts },
    });
    return { image: { path: stored.path, hash: stored.hash, width, height }, scores: made.scores, attempts: made.attempts };
  };
}
