import { generateBackground } from '../../adapters/ffmpeg/index.ts';
import { seedOf } from '../../core/random.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../deps.ts';
import type { Understanding, Widget } from '../outputs.ts';
import { input, makeAsset, optionalInput } from './shared.ts';

/** FootageGenerator: generated backgrounds, so every scene has visuals offline. */

export const GENERATED_BACKGROUNDS = 4;

export function makeMaterialGenerate(deps: PipelineDeps) {
  return async function materialGenerate(ctx: HandlerContext): Promise<{ backgrounds: string[] }> {
    const widget = input<Widget>(ctx, 'widget');
    const title = optionalInput<Understanding>(ctx, 'understanding')?.title ?? '';
    // Side by side: each is a short single-threaded ffmpeg run, and the title card waits for the first.
    const backgrounds = await Promise.all(Array.from({ length: GENERATED_BACKGROUNDS }, (_, i) =>
      makeAsset(ctx, deps.assets, { kind: 'background', provider: 'generated', ext: '.png' }, (out) =>
        generateBackground(deps.media.runner, { width: widget.width, height: widget.height, seed: seedOf(`${title}#${i}`), out, signal: ctx.signal }))));
    return { backgrounds };
  };
}
