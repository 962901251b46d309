import { performance } from 'node:perf_hooks';
import { renderScene } from '../../adapters/ffmpeg/index.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../../pipeline/deps.ts';
import type { LipSyncCapability } from '../../product/capabilities/index.ts';
import { captionsFor } from '../../pipeline/handlers/subtitle-build.ts';
import { assetRef, optionsOfScene, PresenterRenderInputError, requireRole, roleOf } from '../render/inputs.ts';
import type { SceneSpeech, SceneVideo } from '../render/types.ts';
import { isSceneSpeech } from './scene-render.ts';

/**
 * `presenter.lipsync`: the presenter scene comes from `presenter.scene-render` without its captions (a lip-sync model
 * given captions over the mouth, or text anywhere in the frame, warps them and is misled by them); they are burned
 * here, after lip sync. With a lip-sync provider (`SLOTFLOW_LIPSYNC_PROVIDER=remote`), the scene's video and its
 * speech go to the lip-sync model (the prediction protocol, polling); the clip it answers is downloaded into the
 * asset store (recorded with the prediction's id and the provider's request id), then conformed to the segment's
 * stream parameters, at the scene's size and length with the scene's speech, its captions burned in, and becomes the
 * scene, `lip_sync: true`. Offline the captions are burned over the rendered scene (`lip_sync: false`); a scene with
 * captions off passes through. B-roll (no face to sync) comes with its captions and passes through unchanged.
 *
 * A failed prediction fails the scene with the provider's message and is not retried (`PredictionFailedError` is
 * not retryable: the same input fails again); 429 and 5xx answers on the way are retried by the prediction client.
 */

const SCENE_FADE_SEC = 0;

function isSceneVideo(v: SceneVideo | undefined): v is SceneVideo {
  return typeof v?.segment === 'string' && Number.isFinite(v.duration_sec) && Number.isInteger(v.width) && Number.isInteger(v.height);
}

export function makePresenterLipSync(deps: PipelineDeps, lipsync: LipSyncCapability | undefined) {
  return async function presenterLipSync(ctx: HandlerContext): Promise<SceneVideo> {
    // Whichever stage made the scene: the presenter render or the b-roll (the other was skipped).
    const made = [roleOf<SceneVideo>(ctx, 'presenter'), roleOf<SceneVideo>(ctx, 'broll'), roleOf<SceneVideo>(ctx, 'scene')].find(isSceneVideo);
    if (!made) throw new PresenterRenderInputError('invalid-presenter-scene', `${ctx.component} has no rendered scene to sync`, 'presenter');
    const captioned = made.captioned !== false;
    const cues = captioned ? [] : made.cues;
    if (made.kind !== 'presenter' || (!lipsync && cues.length === 0)) return { ...made, captioned: true, metadata: { ...made.metadata, lip_sync: false } };
    const speech = requireRole<SceneSpeech>(ctx, 'speech', isSceneSpeech);
    let picture: { path: string; hash?: string } = { path: made.segment };
    let facts = {};
    let prediction: SceneVideo['metadata']['prediction'];
    if (lipsync) {
      const started = performance.now();
      const synced = await lipsync.sync({ face: made.segment, audio: speech.audio }, ctx.signal);
      prediction = synced.prediction ? { provider: synced.provider, id: synced.prediction.id, request_id: synced.prediction.requestId ?? null } : undefined;
      // The asset record has no column of its own for a prediction: its ids go with the asset's other facts.
      facts = prediction ? { scores: { prediction: { id: prediction.id, request_id: prediction.request_id } } } : {};
      ctx.recordAsset({
        kind: 'lipsync', provider: synced.provider, path: synced.path, hash: synced.hash, bytes: synced.bytes, latencyMs: performance.now() - started,
        scene: made.scene - 1, stage: ctx.component, inputs: [assetRef(made.segment), assetRef(speech.audio)], ...facts,
      });
      picture = { path: synced.path, hash: synced.hash };
    }
    const conformedAt = performance.now();
    const out = await deps.assets.scratch('.mp4');
    await renderScene(deps.media, {
      width: made.width, height: made.height, durationSec: made.duration_sec, visual: { path: picture.path, kind: 'video' },
      audio: speech.audio, cues, captions: captionsFor(optionsOfScene(ctx)), fadeSec: SCENE_FADE_SEC, out, signal: ctx.signal,
    });
    const stored = await deps.assets.put(out);
    ctx.recordAsset({
      kind: 'scene', provider: 'ffmpeg', path: stored.path, hash: stored.hash, bytes: stored.bytes, latencyMs: performance.now() - conformedAt,
      scene: made.scene - 1, stage: ctx.component, inputs: [assetRef(picture.path, picture.hash)], ...facts,
    });
    return { ...made, segment: stored.path, captioned: true, metadata: { ...made.metadata, lip_sync: lipsync !== undefined, ...(prediction ? { prediction } : {}) } };
  };
}
