import { performance } from 'node:perf_hooks';
import { renderScene } from '../../adapters/ffmpeg/index.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../../pipeline/deps.ts';
import type { LipSyncCapability } from '../../product/capabilities/index.ts';
import { assetRef, PresenterRenderInputError, requireRole, roleOf } from '../render/inputs.ts';
import type { SceneSpeech, SceneVideo } from '../render/types.ts';
import { isSceneSpeech } from './scene-render.ts';

/**
 * `presenter.lipsync`: with a lip-sync provider (`SLOTFLOW_LIPSYNC_PROVIDER=remote`), the presenter scene's video
 * and its speech go to the lip-sync model (the prediction protocol, polling); the clip it answers is downloaded into
 * the asset store (recorded with the prediction's id and the provider's request id) and conformed to the segment's
 * stream parameters, at the scene's size and length with the scene's speech, and becomes the scene, `lip_sync: true`.
 * Offline, and for b-roll (no face to sync), the scene passes through unchanged with `lip_sync: false`.
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
    if (!lipsync || made.kind !== 'presenter') return { ...made, metadata: { ...made.metadata, lip_sync: false } };
    const speech = requireRole<SceneSpeech>(ctx, 'speech', isSceneSpeech);
    const started = performance.now();
    const synced = await lipsync.sync({ face: made.segment, audio: speech.audio }, ctx.signal);
    const prediction = synced.prediction ? { provider: synced.provider, id: synced.prediction.id, request_id: synced.prediction.requestId ?? null } : undefined;
    // The asset record has no column of its own for a prediction: its ids go with the asset's other facts.
    const facts = prediction ? { scores: { prediction: { id: prediction.id, request_id: prediction.request_id } } } : {};
    ctx.recordAsset({
      kind: 'lipsync', provider: synced.provider, path: synced.path, hash: synced.hash, bytes: synced.bytes, latencyMs: performance.now() - started,
      scene: made.scene - 1, stage: ctx.component, inputs: [assetRef(made.segment), assetRef(speech.audio)], ...facts,
    });
    const conformedAt = performance.now();
    const out = await deps.assets.scratch('.mp4');
    await renderScene(deps.media, {
      width: made.width, height: made.height, durationSec: made.duration_sec, visual: { path: synced.path, kind: 'video' },
      audio: speech.audio, cues: [], fadeSec: SCENE_FADE_SEC, out, signal: ctx.signal,
    });
    const stored = await deps.assets.put(out);
    ctx.recordAsset({
      kind: 'scene', provider: 'ffmpeg', path: stored.path, hash: stored.hash, bytes: stored.bytes, latencyMs: performance.now() - conformedAt,
      scene: made.scene - 1, stage: ctx.component, inputs: [assetRef(synced.path, synced.hash)], ...facts,
    });
    return { ...made, segment: stored.path, metadata: { ...made.metadata, lip_sync: true, ...(prediction ? { prediction } : {}) } };
  };
}
