import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../../pipeline/deps.ts';
import type { Tone } from '../../pipeline/planning/template-copy.ts';
import { scriptStoryboard } from '../storyboard/script.ts';
import { narrationPace } from './narration-pace.ts';
import { outputSnapshot } from './output-input.ts';

/** `product.script-segment` (script to video): the script cut into narrated scenes (`storyboard/script.ts`). */
export function makeScriptSegment(deps: Pick<PipelineDeps, 'speech'>) {
  return async function scriptSegment(ctx: HandlerContext) {
    const snapshot = outputSnapshot(ctx);
    const rate = await narrationPace(snapshot, deps);
    return scriptStoryboard(snapshot, { rate, ...(snapshot.options.tone ? { tone: snapshot.options.tone as Tone } : {}) });
  };
}
