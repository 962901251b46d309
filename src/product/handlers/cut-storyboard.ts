import type { HandlerContext } from '../../handlers/registry.ts';
import { cutStoryboard } from '../storyboard/cut.ts';
import type { Storyboard } from '../storyboard/common.ts';
import { outputSnapshot } from './output-input.ts';

/** `product.cut-storyboard` (fast paced): the snapshot's silent shots (`storyboard/cut.ts`). */
export async function productCutStoryboard(ctx: HandlerContext): Promise<Storyboard> {
  return cutStoryboard(outputSnapshot(ctx));
}
