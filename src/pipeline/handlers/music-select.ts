import { synthesizeMusic } from '../../adapters/ffmpeg/index.ts';
import { seedOf } from '../../core/random.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../deps.ts';
import { dep, makeAsset } from './shared.ts';
import type { Widget } from './widget-init.ts';

/** MusicSelector: a generated ambient bed (looped under the video and ducked under the voice), or none when the request says so. */

export const MUSIC_BED_SEC = 32;

export function makeMusicSelect(deps: PipelineDeps) {
  return async function musicSelect(ctx: HandlerContext): Promise<{ music: string | null; provider: string | null }> {
    const widget = dep<Widget>(ctx, 'WidgetInit');
    if (!widget.music) return { music: null, provider: null };
    const u = ctx.deps.TextUnderstanding as { title?: string; tone?: string } | undefined;
    const seed = seedOf(`${u?.tone ?? ''}|${u?.title ?? ''}`);
    // PCM, not AAC: encoding the bed costs more CPU than making it, and the final mix decodes it again anyway.
    const music = await makeAsset(ctx, deps.assets, { kind: 'music', provider: 'generated', ext: '.wav' }, (out) =>
      synthesizeMusic(deps.media.runner, { durationSec: MUSIC_BED_SEC, seed, out, signal: ctx.signal }));
    return { music, provider: 'generated' };
  };
}
