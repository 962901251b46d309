import { type FfmpegRunner, probe } from '../../adapters/ffmpeg/index.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { MaterialCandidate } from '../../providers/types.ts';
import type { PipelineDeps } from '../deps.ts';
import type { Understanding, Widget } from '../outputs.ts';
import { input, optionalInput } from './shared.ts';

/**
 * MaterialSearch: images and clips matching the article's key phrases, from
 * every available material provider. Files ffprobe cannot read, clips without
 * a picture and pictures too small to fill a frame are dropped here, so a bad
 * download cannot fail a scene render later.
 */

export const MIN_VISUAL_SIDE = 120;

export async function usable(runner: FfmpegRunner, found: MaterialCandidate[], signal: AbortSignal): Promise<MaterialCandidate[]> {
  const kept: MaterialCandidate[] = [];
  for (const c of found) {
    signal.throwIfAborted();
    const info = await probe(runner, c.path, { signal }).catch(() => undefined);
    if (!info?.video || Math.min(info.video.width, info.video.height) < MIN_VISUAL_SIDE) continue;
    kept.push({ ...c, width: info.video.width, height: info.video.height, ...(c.kind === 'video' ? { durationSec: info.durationSec } : {}) });
  }
  return kept;
}

export const CANDIDATES_PER_PROVIDER = 12;

export function makeMaterialSearch(deps: PipelineDeps) {
  return async function materialSearch(ctx: HandlerContext): Promise<{ candidates: MaterialCandidate[]; providers: string[] }> {
    const widget = input<Widget>(ctx, 'widget');
    const keywords = optionalInput<Understanding>(ctx, 'understanding')?.key_phrases ?? [];
    const candidates: MaterialCandidate[] = [];
    const used: string[] = [];
    for (const provider of deps.material) {
      if (!(await provider.available())) continue;
      used.push(provider.name);
      const found = await provider.search({ keywords, orientation: widget.orientation, limit: CANDIDATES_PER_PROVIDER }, deps.assets.tmpDir, { signal: ctx.signal });
      candidates.push(...(await usable(deps.media.runner, found, ctx.signal)));
    }
    candidates.sort((a, b) => b.score - a.score);
    return { candidates, providers: used };
  };
}
