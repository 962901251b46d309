import { performance } from 'node:perf_hooks';
import { enhanceVideo } from '../../adapters/ffmpeg/index.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../../pipeline/deps.ts';
import { assetRef, PresenterRenderInputError, roleOf } from '../render/inputs.ts';

/**
 * `presenter.enhance`, the last stage of every presenter route: the stitched video lightly denoised (hqdn3d) and
 * sharpened (unsharp), its loudness brought to −14 LUFS integrated with the true peak at most −1 dBTP (the final
 * mix's passes, `mixFinal`), H.264 + AAC with fast start. Recorded as the output's `video` asset.
 */

export interface EnhancedVideo {
  video: string;
  duration_sec?: number;
  enhancement: { denoise: 'hqdn3d'; sharpen: 'unsharp'; loudness_lufs: number; true_peak_db: number };
}

export const ENHANCE_LOUDNESS = { lufs: -14, truePeakDb: -1 } as const;

export function makePresenterEnhance(deps: PipelineDeps) {
  return async function presenterEnhance(ctx: HandlerContext): Promise<EnhancedVideo> {
    const given = roleOf<{ video?: unknown; segment?: unknown; duration_sec?: number }>(ctx, 'video');
    const input = typeof given?.video === 'string' ? given.video : typeof given?.segment === 'string' ? given.segment : undefined;
    if (!input) throw new PresenterRenderInputError('invalid-presenter-video', `${ctx.component} has no video to enhance`, 'video');
    const started = performance.now();
    const out = await deps.assets.scratch('.mp4');
    await enhanceVideo(deps.media, { input, out, signal: ctx.signal });
    const stored = await deps.assets.put(out);
    ctx.recordAsset({
      kind: 'video', provider: 'ffmpeg', path: stored.path, hash: stored.hash, bytes: stored.bytes, latencyMs: performance.now() - started,
      stage: ctx.component, inputs: [assetRef(input)],
    });
    return {
      video: stored.path, ...(given?.duration_sec !== undefined ? { duration_sec: given.duration_sec } : {}),
      enhancement: { denoise: 'hqdn3d', sharpen: 'unsharp', loudness_lufs: ENHANCE_LOUDNESS.lufs, true_peak_db: ENHANCE_LOUDNESS.truePeakDb },
    };
  };
}
