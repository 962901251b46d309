import { performance } from 'node:perf_hooks';
import type { AssetStore } from '../../adapters/asset-store.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import { resolveCaptionLayout } from '../../adapters/ffmpeg/index.ts';
import { CAPTION_LINE_HEIGHT, fitLines } from '../../adapters/ffmpeg/ass.ts';
import { seedOf } from '../../core/random.ts';
import { frameFor } from '../../pipeline/formats.ts';
import type { ImageCapability } from '../capabilities/image.ts';
import { makeFaithfulSceneImage, type FidelityAttempt } from '../scene-image.ts';
import type { CaptionBand, VideoScene } from '../storyboard/common.ts';
import type { FidelityScores, OutputSnapshot, ProductMetadata, ProductScene } from '../types.ts';
import { sceneChild } from './output-input.ts';
import { captionsFor } from './scene-clip.ts';

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

/**
 * The composer's seed for a take of a scene: the storyboard's for the first take of an output never retried, so
 * the first picture stays what it was; otherwise mixed with the take and the retry count, so a new take or a
 * retried stage draws a new picture (it still goes through the fidelity loop).
 */
export function takeSeed(seed: number, take: number, retry = 0): number {
  return take <= 1 && retry === 0 ? seed : seedOf(`${seed}|take ${take}|retry ${retry}`);
}

/**
 * The band a narrated scene's captions are burned into by its clip, which the picture must leave clear; nothing is
 * drawn there (the clip sets the timed words). Silent scenes (an image bundle, a fast-paced cut) have none.
 */
export function captionBandOf(
  scene: ProductScene, snapshot: OutputSnapshot, width: number, height: number,
): { text: string; band: CaptionBand; drawn: false; rows: { top: number; bottom: number } } | undefined {
  const narration = scene.narration?.trim();
  if (!narration) return undefined;
  const video = { ...scene, band: (scene as Partial<VideoScene>).band ?? 'bottom', motion: (scene as Partial<VideoScene>).motion ?? 'push' } as VideoScene;
  // The rows the clip's caption layout sets the whole narration in (its cues are never taller).
  const layout = resolveCaptionLayout(width, height, captionsFor(video, snapshot, true));
  const { lines, scale } = fitLines(narration, layout);
  const bottom = height - layout.marginV + layout.outline;
  const top = bottom - lines.length * layout.fontSize * scale * CAPTION_LINE_HEIGHT - 2 * layout.outline;
  return { text: narration, band: video.band, drawn: false, rows: { top, bottom } };
}

export function makeSceneImage(deps: { assets: AssetStore; image: ImageCapability }) {
  return async function sceneImage(ctx: HandlerContext): Promise<SceneImageOutput> {
    const { item, take, parent: { input: snapshot } } = sceneChild(ctx);
    const { width, height } = frameFor(snapshot.options as Record<string, unknown>);
    const caption = captionBandOf(item, snapshot, width, height);
    const started = performance.now();
    const neutral = snapshot.identity.neutral;
    const made = await makeFaithfulSceneImage(deps.image, {
      neutral: { path: neutral.path, width: neutral.width, height: neutral.height, cutout: neutral.cutout },
      palette: snapshot.identity.metadata.palette,
      layout: item.layout,
      seed: takeSeed(item.seed, take, snapshot.options.retry ?? 0),
      retake: Math.max(0, take - 1) + (snapshot.options.retry ?? 0),
      headline: item.headline,
      ...(caption ? { caption } : {}),
      callouts: calloutsOf(snapshot.identity.metadata),
      background: item.background,
      width,
      height,
    }, snapshot.options.fidelity, ctx.signal);
    const stored = await deps.assets.put(made.image.path);
    ctx.recordAsset({
      kind: 'scene-image', provider: deps.image.name, path: stored.path, hash: stored.hash, bytes: stored.bytes,
      latencyMs: performance.now() - started, scene: item.scene,
      inputs: [`sha256:${neutral.hash}`, 'snapshot:prompt', 'snapshot:options.format', ...(snapshot.options.size ? ['snapshot:options.size'] : []), 'snapshot:options.fidelity'],
      scores: { ...made.scores, attempts: made.attempts },
    });
    return { image: { path: stored.path, hash: stored.hash, width, height }, scores: made.scores, attempts: made.attempts };
  };
}
