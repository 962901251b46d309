import { rm, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../../pipeline/deps.ts';
import { assetRef, frameOfScene, portraitOf, roleOf, sceneOf } from '../render/inputs.ts';
import { DEFAULT_POSE } from '../render/pose.ts';
import { poseBackdrop } from '../render/still.ts';
import type { Pose, PortraitInput } from '../render/types.ts';

/**
 * `presenter.scene-background`, a presenter scene's backdrop: the picture its presenter is set over
 * (`render/still.ts`), at the output's size. A background the output's `Backgrounds` stage made and the editor
 * approved (the approval route) is the scene's as it is, on the scene's first take. Otherwise it is made here: the
 * first take's is variant 0 (the portrait's own colours), and a later take, a background regeneration of the scene
 * (`POST /v1/outputs/:id/retry` with `from: scene-background` and the scene), makes the next variant, so the
 * scene gets a new background and nothing but the scene and what follows it runs again.
 */

export interface SceneBackground {
  scene: number;
  background: string;
  hash: string;
  variant: number;
}

export function isSceneBackground(v: unknown): v is SceneBackground {
  return !!v && typeof (v as SceneBackground).background === 'string' && Number.isInteger((v as SceneBackground).scene);
}

/** What the output's `Backgrounds` stage gave, one per presenter scene. */
export interface OutputBackgrounds {
  revision: number;
  scenes: SceneBackground[];
}

/** A scene's backdrop made and stored (asset kind `background`). */
export async function makeBackground(
  deps: PipelineDeps, ctx: HandlerContext, at: { scene: number; pose: Pose; portrait: PortraitInput; frame: { width: number; height: number }; variant: number },
): Promise<SceneBackground> {
  const started = performance.now();
  const out = await deps.assets.scratch('.png');
  try {
    await writeFile(out, await poseBackdrop(at.portrait, at.pose, at.frame, at.variant));
    const stored = await deps.assets.put(out);
    ctx.recordAsset({
      kind: 'background', provider: 'sharp', path: stored.path, hash: stored.hash, bytes: stored.bytes, latencyMs: performance.now() - started,
      scene: at.scene - 1, stage: ctx.component, inputs: [assetRef(at.portrait.path, at.portrait.hash)],
    });
    return { scene: at.scene, background: stored.path, hash: stored.hash, variant: at.variant };
  } finally {
    await rm(out, { force: true });
  }
}

export function makePresenterSceneBackground(deps: PipelineDeps) {
  return async function presenterSceneBackground(ctx: HandlerContext): Promise<SceneBackground> {
    const scene = sceneOf(ctx);
    const portrait = portraitOf(ctx);
    const take = (ctx.input as { take?: unknown } | null)?.take;
    const later = typeof take === 'number' && take > 1 ? take - 1 : 0;
    const approved = roleOf<OutputBackgrounds>(ctx, 'backgrounds')?.scenes?.find((b) => b.scene === scene.scene);
    if (approved && isSceneBackground(approved) && later === 0) return approved;
    const variant = (approved?.variant ?? 0) + later;
    return makeBackground(deps, ctx, { scene: scene.scene, pose: scene.pose ?? DEFAULT_POSE, portrait, frame: frameOfScene(ctx), variant });
  };
}
