import { renderTitleCard } from '../../adapters/ffmpeg/index.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../deps.ts';
import type { Widget } from '../outputs.ts';
import { input, makeAsset, scriptOf } from './shared.ts';

/** TitleCard: the title over the first generated background, faded in and out; the video's first segment. */

export const TITLE_CARD_SEC = 2.5;

export function makeTitleCard(deps: PipelineDeps) {
  return async function titleCard(ctx: HandlerContext): Promise<{ segment: string; duration_sec: number; title: string }> {
    const widget = input<Widget>(ctx, 'widget');
    const { backgrounds } = input<{ backgrounds: string[] }>(ctx, 'backgrounds');
    const title = scriptOf(ctx).title || 'Untitled';
    const segment = await makeAsset(ctx, deps.assets, { kind: 'title-card', provider: 'ffmpeg', ext: '.mp4' }, (out) =>
      renderTitleCard(deps.media, {
        width: widget.width, height: widget.height, durationSec: TITLE_CARD_SEC, title, out, signal: ctx.signal,
        ...(backgrounds[0] ? { background: backgrounds[0] } : {}),
      }));
    return { segment, duration_sec: TITLE_CARD_SEC, title };
  };
}
