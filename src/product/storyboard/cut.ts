import { seededRandom } from '../../core/random.ts';
import type { OutputSnapshot } from '../types.ts';
import {
  backgroundOf, benefitPhrases, frameOf, layoutCycle, priceText, productName, round3, sceneSeed, type Storyboard, StoryboardError, unique, type VideoScene,
  wholeFrames,
} from './common.ts';

/**
 * The fast-paced storyboard: 6–8 short silent shots (1.2–2 s each) adding up to the length asked for, the layouts
 * in turn so no two shots in a row look alike, a punchy headline on each: the name first, then benefits and the
 * price, a call to action last. Shot lengths swing a little around the mean, seeded by the product, for rhythm.
 */

export const CUT_DEFAULT_SEC = 12;
export const CUT_SHOTS = { min: 6, max: 8 } as const;
export const CUT_SHOT_SEC = { min: 1.2, max: 2 } as const;
/** How far a shot's length may swing from the mean, either way. */
const RHYTHM_SWING_SEC = 0.2;
export const DEFAULT_CALL_TO_ACTION = 'Get yours today';

export function cutStoryboard(snapshot: OutputSnapshot): Storyboard {
  frameOf(snapshot);
  const target = snapshot.options.duration_s ?? CUT_DEFAULT_SEC;
  const shortest = CUT_SHOTS.min * CUT_SHOT_SEC.min;
  const longest = CUT_SHOTS.max * CUT_SHOT_SEC.max;
  if (!(typeof target === 'number' && target >= shortest && target <= longest)) {
    throw new StoryboardError('options.duration_s', 'invalid-option', `a fast-paced video lasts ${shortest} to ${longest} s (6–8 shots of 1.2–2 s); got ${String(target)}`);
  }
  const count = Math.min(CUT_SHOTS.max, Math.max(CUT_SHOTS.min, Math.round(target / ((CUT_SHOT_SEC.min + CUT_SHOT_SEC.max) / 2))));
  const durations = shotLengths(target, count, sceneSeed(snapshot, -1));
  const layouts = layoutCycle(snapshot, count);
  const headlines = cutHeadlines(snapshot, count);
  const scenes = durations.map((duration_s, i): VideoScene => ({
    scene: i + 1,
    layout: layouts[i]!,
    headline: headlines[i]!,
    caption: headlines[i]!,
    background: backgroundOf(snapshot, i),
    duration_s,
    seed: sceneSeed(snapshot, i),
    band: 'bottom',
    motion: 'push',
  }));
  return { scenes, duration_s: round3(durations.reduce((a, b) => a + b, 0)) };
}

/**
 * `count` lengths in whole frames within the shot bounds, adding up to `target` (to the frame): each the mean
 * swung by a seeded amount, then the rounding left over put on the shots that still have room.
 */
function shotLengths(target: number, count: number, seed: number): number[] {
  const random = seededRandom(seed);
  const mean = target / count;
  const clamp = (s: number) => Math.min(CUT_SHOT_SEC.max, Math.max(CUT_SHOT_SEC.min, s));
  const swings = Array.from({ length: count }, (_, i) => (i % 2 === 0 ? 1 : -1) * random() * RHYTHM_SWING_SEC);
  const drift = swings.reduce((a, b) => a + b, 0) / count;
  const lengths = swings.map((s) => wholeFrames(clamp(mean + s - drift)));
  const frame = wholeFrames(1 / 30);
  let left = Math.round((wholeFrames(target) - lengths.reduce((a, b) => a + b, 0)) * 30);
  for (let i = 0; left !== 0 && i < count * 60; i++) {
    const at = i % count;
    const next = wholeFrames(lengths[at]! + Math.sign(left) * frame);
    if (next < CUT_SHOT_SEC.min || next > CUT_SHOT_SEC.max) continue;
    lengths[at] = next;
    left -= Math.sign(left);
  }
  return lengths;
}

/** The name, then benefits and the price in turn, the call to action last; repeated phrases only when there are too few. */
function cutHeadlines(snapshot: OutputSnapshot, count: number): string[] {
  const name = productName(snapshot);
  const price = priceText(snapshot);
  const middle = unique([...benefitPhrases(snapshot).slice(0, count - 3), ...(price ? [`Only ${price}`] : [])]);
  const brand = snapshot.identity.metadata.brand;
  const category = snapshot.identity.metadata.category;
  const fillers = unique([...(brand ? [`By ${brand}`] : []), `Meet ${name}`, ...(category ? [`Your new ${category}`] : []), `Only ${name}`]);
  while (middle.length < count - 2) middle.push(fillers[(middle.length) % fillers.length]!);
  return [name, ...middle.slice(0, count - 2), DEFAULT_CALL_TO_ACTION];
}
