import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../../pipeline/deps.ts';
import { ugcStoryboard } from '../storyboard/ugc.ts';
import type { OutputSnapshot } from '../types.ts';
import { narrationPace } from './narration-pace.ts';

/** `product.ugc-interpret` (UGC style): the prompt as a first-person review, one handheld shot per beat (`storyboard/ugc.ts`). */
export function makeUgcInterpret(deps: Pick<PipelineDeps, 'speech'>) {
  return async function ugcInterpret(ctx: HandlerContext) {
    const snapshot = ctx.input as OutputSnapshot;
    return ugcStoryboard(snapshot, { rate: await narrationPace(snapshot, deps) });
  };
}
