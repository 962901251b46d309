import { performance } from 'node:perf_hooks';
import { DEFAULT_TRANSITION_SEC, joinSegments, probe, type Transition } from '../../adapters/ffmpeg/index.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../../pipeline/deps.ts';
import { assetRef, PresenterRenderInputError, roleOf } from '../render/inputs.ts';
import type { SceneVideo } from '../render/types.ts';

/**
 * `presenter.stitch`: the scene segments of a presenter output joined in scene order (`joinSegments`), a crossfade
 * at each join (`params.transition_ms`, default `DEFAULT_TRANSITION_SEC`; 0 cuts) (only the join windows encoded again). The scenes are the `presenter-scene` fan-out's output, each
 * child's last stage (`LipSync`) giving its segment.
 */

/** The child flow's stage whose output is the scene as it goes into the video. */
export const SCENE_OUTPUT_STAGE = 'LipSync';

export interface StitchedVideo {
  video: string;
  duration_sec: number;
  scenes: Array<{ scene: number; segment: string; kind: string; lip_sync: boolean }>;
}

function isSceneVideo(v: unknown): v is SceneVideo {
  return !!v && typeof (v as SceneVideo).segment === 'string' && Number.isInteger((v as SceneVideo).scene);
}

/** The scene videos of a fan-out output (`{ scenes: [{ index, outputs }] }`) or of a plain list, in scene order. */
export function sceneVideos(given: unknown): SceneVideo[] {
  const items = Array.isArray(given) ? given : (given as { scenes?: unknown[] } | undefined)?.scenes ?? [];
  const videos = items.map((item) => {
    if (isSceneVideo(item)) return item;
    const outputs = (item as { outputs?: Record<string, unknown> } | null)?.outputs ?? {};
    return isSceneVideo(outputs[SCENE_OUTPUT_STAGE]) ? outputs[SCENE_OUTPUT_STAGE] : Object.values(outputs).filter(isSceneVideo).at(-1);
  });
  if (videos.some((v) => !v)) throw new PresenterRenderInputError('invalid-presenter-scenes', 'a scene has no rendered segment', 'scenes');
  return (videos as SceneVideo[]).sort((a, b) => a.scene - b.scene);
}

export function makePresenterStitch(deps: PipelineDeps) {
  return async function presenterStitch(ctx: HandlerContext): Promise<StitchedVideo> {
    const scenes = sceneVideos(roleOf(ctx, 'scenes'));
    if (scenes.length === 0) throw new PresenterRenderInputError('invalid-presenter-scenes', 'there are no scenes to stitch', 'scenes');
    const transitionSec = typeof ctx.params.transition_ms === 'number' ? ctx.params.transition_ms / 1000 : DEFAULT_TRANSITION_SEC;
    const joins: Transition[] = scenes.slice(1).map(() => ({ kind: transitionSec > 0 ? 'crossfade' : 'cut', durationSec: transitionSec }));
    const started = performance.now();
    const out = await deps.assets.scratch('.mp4');
    await joinSegments(deps.media, { segments: scenes.map((s) => s.segment), joins, out, signal: ctx.signal });
    const stored = await deps.assets.put(out);
    ctx.recordAsset({
      kind: 'stitched', provider: 'ffmpeg', path: stored.path, hash: stored.hash, bytes: stored.bytes, latencyMs: performance.now() - started,
      stage: ctx.component, inputs: scenes.map((s) => assetRef(s.segment)),
    });
    const { durationSec } = await probe(deps.media.runner, stored.path, { signal: ctx.signal });
    return {
      video: stored.path, duration_sec: Math.round(durationSec * 1000) / 1000,
      scenes: scenes.map((s) => ({ scene: s.scene, segment: s.segment, kind: s.kind, lip_sync: s.metadata.lip_sync })),
    };
  };
}
