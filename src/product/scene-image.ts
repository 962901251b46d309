import { rm } from 'node:fs/promises';
import { SlotflowError } from '../core/errors.ts';
import type { ImageCapability, SceneImage, SceneImageRequest } from './capabilities/image.ts';
import { FIDELITY_DEFAULTS, scoreFidelity } from './fidelity.ts';
import { LAYOUTS, type FidelityOptions, type FidelityScores, type Layout } from './types.ts';

/**
 * The fidelity stage as a loop: compose a scene picture, score it against
 * the neutral image; under the threshold, compose again with a changed seed
 * (the first regeneration: a small change of position and light) and then a
 * changed layout (a different framing), at most `max_regenerations` times,
 * then fail with every attempt's scores. The scores of the attempts that
 * were thrown away are kept in the result, so the asset says what it took.
 */

export interface CompiledFidelity {
  threshold: number;
  maxRegenerations: number;
}

export class FidelityOptionError extends SlotflowError {
  override name = 'FidelityOptionError';
  constructor(readonly option: string, message: string) {
    super(message, { code: 'invalid-option' });
  }
}

export function compileFidelity(opts: FidelityOptions = {}): CompiledFidelity {
  const threshold = opts.threshold ?? FIDELITY_DEFAULTS.threshold;
  const maxRegenerations = opts.max_regenerations ?? FIDELITY_DEFAULTS.max_regenerations;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) throw new FidelityOptionError('fidelity.threshold', 'fidelity.threshold must be a number from 0 to 1');
  if (!Number.isInteger(maxRegenerations) || maxRegenerations < 0 || maxRegenerations > 10) {
    throw new FidelityOptionError('fidelity.max_regenerations', 'fidelity.max_regenerations must be a whole number from 0 to 10');
  }
  return { threshold, maxRegenerations };
}

export interface FidelityAttempt {
  attempt: number;
  layout: Layout;
  seed: number;
  scores: FidelityScores;
}

/** A scene whose every picture scored under the threshold. Not retryable: the same inputs give the same pictures. */
export class FidelityFailedError extends SlotflowError {
  override name = 'FidelityFailedError';
  constructor(readonly attempts: FidelityAttempt[], readonly threshold: number) {
    super(`no picture of the scene reached the fidelity threshold ${threshold} in ${attempts.length} attempt(s): scores ${attempts.map((a) => a.scores.score).join(', ')}`, { code: 'fidelity-failed', retryable: false });
  }
}

export interface FaithfulSceneImage {
  image: SceneImage;
  scores: FidelityScores;
  attempts: FidelityAttempt[];
}

/** What attempt `n` (from 0) changes: the seed first, then the layout too. */
export function variantOf(req: SceneImageRequest, n: number): Pick<SceneImageRequest, 'layout' | 'seed'> {
  if (n === 0) return { layout: req.layout, seed: req.seed };
  const seed = (req.seed + n * 7919) >>> 0;
  if (n === 1) return { layout: req.layout, seed };
  // From the second regeneration on, another layout: the hero frames the whole product with the most room.
  const others = LAYOUTS.filter((l) => l !== req.layout);
  const ordered = [...others.filter((l) => l === 'hero'), ...others.filter((l) => l !== 'hero')];
  return { layout: ordered[(n - 2) % ordered.length]!, seed };
}

export async function makeFaithfulSceneImage(
  capability: ImageCapability,
  req: SceneImageRequest,
  fidelity: FidelityOptions = {},
  signal?: AbortSignal,
): Promise<FaithfulSceneImage> {
  const { threshold, maxRegenerations } = compileFidelity(fidelity);
  const attempts: FidelityAttempt[] = [];
  for (let n = 0; n <= maxRegenerations; n++) {
    signal?.throwIfAborted();
    const image = await capability.compose({ ...req, ...variantOf(req, n) }, signal);
    let scores: FidelityScores;
    try {
      scores = await scoreFidelity(image.path, req.neutral, req.palette, { hint: image.productBox, threshold });
    } catch (e) {
      await rm(image.path, { force: true });
      throw e;
    }
    attempts.push({ attempt: n + 1, layout: image.layout, seed: image.seed, scores });
    if (scores.passed) return { image, scores, attempts };
    await rm(image.path, { force: true });
  }
  throw new FidelityFailedError(attempts, threshold);
}
