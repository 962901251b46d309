import { seedOf } from '../../core/random.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import { backdropWords } from '../capabilities/offline-image.ts';
import { productSeedKey } from '../storyboard/common.ts';
import { LAYOUTS, type OutputSnapshot, type ProductScene, type StoryboardSeed } from '../types.ts';
import { outputSnapshot, OutputSnapshotError } from './output-input.ts';

/**
 * product.storyboard (image bundle): one scene per storyboard seed of the
 * identity, in order, cycling through them (with the next layout) when more
 * scenes are asked for. The prompt is folded in where it fits: a short prompt
 * is the first scene's headline, and its backdrop words join every scene's
 * background.
 */

export const DEFAULT_SCENES = 4;
export const MAX_SCENES = 12;
/** Scene length in silent modes when the output asks for no duration. */
const DEFAULT_SCENE_S = 3;
/** A prompt at most this long, in characters, can stand as a headline. */
const HEADLINE_MAX = 48;

const BACKDROP = new Set(backdropWords());

export function storyboardOf(snapshot: OutputSnapshot): ProductScene[] {
  const count = snapshot.options.scenes ?? DEFAULT_SCENES;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SCENES) throw new OutputSnapshotError('product.storyboard', `options.scenes must be a whole number from 1 to ${MAX_SCENES}`);
  const seeds: StoryboardSeed[] = snapshot.identity.seeds.length > 0 ? snapshot.identity.seeds : [fallbackSeed(snapshot)];
  const prompt = snapshot.prompt.trim();
  const promptWords = [...new Set(prompt.toLowerCase().split(/[^a-z]+/).filter((w) => BACKDROP.has(w)))];
  const firstSentence = prompt.split(/(?<=[.!?])\s/)[0]!.replace(/[.!?]+$/, '');
  const duration = snapshot.options.duration_s ? Math.round((snapshot.options.duration_s / count) * 10) / 10 : DEFAULT_SCENE_S;
  return Array.from({ length: count }, (_, i) => {
    const seed = seeds[i % seeds.length]!;
    const round = Math.floor(i / seeds.length);
    const layout = round === 0 ? seed.layout : LAYOUTS[(LAYOUTS.indexOf(seed.layout) + round) % LAYOUTS.length]!;
    const missing = promptWords.filter((w) => !seed.background.toLowerCase().includes(w));
    const background = missing.length > 0 ? `${seed.background}, ${missing.join(' ')}` : seed.background;
    const headline = i === 0 && firstSentence.length > 0 && firstSentence.length <= HEADLINE_MAX ? firstSentence : seed.headline;
    return {
      scene: i + 1, layout, headline, background, caption: headline, duration_s: duration,
      seed: seedOf(`${productSeedKey(snapshot)}\n${snapshot.prompt}\n${i}`),
    };
  });
}

function fallbackSeed(snapshot: OutputSnapshot): StoryboardSeed {
  const m = snapshot.identity.metadata;
  const name = m.title ?? m.name;
  return { concept: 'hero', prompt: `${name}, studio product shot`, layout: 'hero', headline: name, background: 'soft studio light' };
}

export async function productStoryboard(ctx: HandlerContext): Promise<{ scenes: ProductScene[] }> {
  return { scenes: storyboardOf(outputSnapshot(ctx)) };
}
