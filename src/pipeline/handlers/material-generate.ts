import { generateBackground } from '../../adapters/ffmpeg.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../deps.ts';
import { dep, makeAsset, seedOf } from './shared.ts';
import type { Widget } from './widget-init.ts';

/** FootageGenerator: generated backgrounds, so every scene has visuals offline. */

export const GENERATED_BACKGROUNDS = 4;

export function makeMaterialGenerate(deps: PipelineDeps) {
  return async function materialGenerate(ctx: HandlerContext): Promise<{ backgrounds: string[] }> {
    const widget = dep<Widget>(ctx, 'WidgetInit');
    const title = (ctx.deps.TextUnderstanding as { title?: string } | undefined)?.title ?? '';
    const backgrounds: string[] = [];
    for (let i = 0; i < GENERATED_BACKGROUNDS; i++) {
      const seed = seedOf(`${title}#${i}`);
      backgrounds.push(
        await makeAsset(ctx, deps.assets, { kind: 'background', provider: 'generated', ext: '.png' }, (out) =>
          generateBackground({ width: widget.width, height: widget.height, seed, out })),
      );
    }
    return { backgrounds };
  };
}
