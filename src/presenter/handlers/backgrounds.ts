import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../../pipeline/deps.ts';
import { frameFor } from '../../pipeline/formats.ts';
import { DEFAULT_POSE } from '../render/pose.ts';
import { PresenterRouteError } from '../routes/errors.ts';
import { outputSnapshotOf } from '../routes/snapshot.ts';
import type { PresenterStoryboard } from '../routes/storyboard.ts';
import { makeBackground, type OutputBackgrounds } from './scene-background.ts';

/**
 * `presenter.backgrounds`, the approval route's background stage: a backdrop for every presenter scene of the
 * approved storyboard, made before the background gate so the editor reviews them before any scene is rendered.
 * The scenes then use them as they are (`presenter.scene-background`). After a background rejection the output
 * resumes here with the retry context (`options.retry`, from `backgrounds`): each background is made again as the
 * revision's variant, and the storyboard and the script are kept.
 */
export function makePresenterBackgrounds(deps: PipelineDeps) {
  return async function presenterBackgrounds(ctx: HandlerContext): Promise<OutputBackgrounds> {
    const snapshot = outputSnapshotOf(ctx.input);
    const storyboard = ctx.inputs.storyboard as PresenterStoryboard | undefined;
    if (!storyboard || !Array.isArray(storyboard.scenes)) throw new PresenterRouteError('invalid-presenter-output', `${ctx.component} has no storyboard`, 'storyboard');
    const retry = snapshot.options.retry;
    const revision = retry && retry.from === 'backgrounds' ? retry.revision : 0;
    const { width, height } = frameFor({ ...snapshot.options });
    const scenes = [];
    for (const scene of storyboard.scenes) {
      if (scene.kind !== 'presenter') continue;
      ctx.signal.throwIfAborted();
      scenes.push(await makeBackground(deps, ctx, { scene: scene.scene, pose: scene.pose ?? DEFAULT_POSE, portrait: snapshot.identity.portrait, frame: { width, height }, variant: revision }));
    }
    return { revision, scenes };
  };
}
