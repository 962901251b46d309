import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../../pipeline/deps.ts';
import { ugcStoryboard } from '../storyboard/ugc.ts';
import { narrationPace } from './narration-pace.ts';
import { outputSnapshot } from './output-input.ts';

/** `product.ugc-interpret` (UGC style): the prompt as a first-person review, one handheld shot per beat (`storyboard/ugc.ts`). */
export function makeUgcInterpret(deps: Pick<PipelineDeps, 'speech'>) {
  return async function ugcInterpret(ctx: HandlerContext) {
    const snapshot = outputSnapshot(ctx);
    return ugcStoryboard(snapshot, { rate: await narrationPace(snapshot, deps) });
  };
}
