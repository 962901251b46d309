import { generateBackground } from '../../adapters/ffmpeg/index.ts';
import { seedOf } from '../../core/random.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../deps.ts';
import { dep, makeAsset } from './shared.ts';
import type { Widget } from './widget-init.ts';

/** FootageGenerator: generated backgrounds, so every scene has visuals offline. */

export const GENERATED_BACKGROUNDS = 4;

export function makeMaterialGenerate(deps: PipelineDeps) {
  return async function materialGenerate(ctx: HandlerContext): Promise<{ backgrounds: string[] }> {
    const widget = dep<Widget>(ctx, 'WidgetInit');
    const title = (ctx.deps.TextUnderstanding as { title?: string } | undefined)?.title ?? '';
    // Side by side: each is a short single-threaded ffmpeg run, and the title card waits for the first.
    const backgrounds = await Promise.all(Array.from({ length: GENERATED_BACKGROUNDS }, (_, i) =>
      makeAsset(ctx, deps.assets, { kind: 'background', provider: 'generated', ext: '.png' }, (out) =>
        generateBackground(deps.media.runner, { width: widget.width, height: widget.height, seed: seedOf(`${title}#${i}`), out, signal: ctx.signal }))));
    return { backgrounds };
  };
}
