import type { HandlerContext } from '../../handlers/registry.ts';
import { PresenterRouteError } from '../routes/errors.ts';
import type { PresenterScript } from '../routes/script.ts';
import { outputSnapshotOf } from '../routes/snapshot.ts';
import { isStoryboardPlan, planStoryboard, type PresenterStoryboard } from '../routes/storyboard.ts';

/**
 * `presenter.storyboard`: the route's plan (`params.plan`) over the approved script (`routes/storyboard.ts`). When
 * the output resumed here after a storyboard rejection, the retry context in the options (`options.retry`, from
 * `storyboard`) carries the reason and the revision number, and the plan is made differently.
 */
export async function presenterStoryboard(ctx: HandlerContext): Promise<PresenterStoryboard> {
  const snapshot = outputSnapshotOf(ctx.input);
  const script = ctx.inputs.script as PresenterScript | undefined;
  if (!script || !Array.isArray(script.scenes) || script.scenes.length === 0) {
    throw new PresenterRouteError('invalid-presenter-output', `${ctx.component} has no script to plan`, 'script');
  }
  const plan = ctx.params.plan;
  if (!isStoryboardPlan(plan)) throw new PresenterRouteError('invalid-storyboard-plan', `${ctx.component}: params.plan must name a storyboard plan`, 'params.plan');
  const retry = snapshot.options.retry;
  const revision = retry && retry.from === 'storyboard' ? { number: retry.revision, reason: retry.reason } : null;
  return Promise.resolve(planStoryboard(script, plan, revision));
}
