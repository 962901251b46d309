import { rm } from 'node:fs/promises';
import { grabFrame, renderScene } from '../../adapters/ffmpeg/index.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { MaterialCandidate } from '../../providers/types.ts';
import { silenceWav } from '../../providers/speech/wav.ts';
import type { PipelineDeps } from '../deps.ts';
import type { Widget } from '../outputs.ts';
import { input, makeAsset, scriptOf } from './shared.ts';

/** ImageComposer (image bundle): one captioned image per scene: the scene's visual with its text burned in, taken from a one-second render. */

export const STILL_RENDER_SEC = 1;
const SILENCE = { audioFormat: 1, sampleRate: 48000, channels: 1, bitsPerSample: 16 } as const;

export function makeImagesCompose(deps: PipelineDeps) {
  return async function imagesCompose(ctx: HandlerContext): Promise<{ images: Array<{ index: number; image: string; text: string }> }> {
    const script = scriptOf(ctx);
    const widget = input<Widget>(ctx, 'widget');
    const { backgrounds } = input<{ backgrounds: string[] }>(ctx, 'backgrounds');
    const { candidates } = input<{ candidates: MaterialCandidate[] }>(ctx, 'material');
    const found = candidates.filter((c) => c.score > 0);
    const silence = await deps.assets.scratch('.wav');
    const images = [];
    try {
      await silenceWav(STILL_RENDER_SEC, SILENCE, silence);
      for (const [i, scene] of script.scenes.entries()) {
        const pick = found[i];
        const visual = pick ? { path: pick.path, kind: pick.kind } : { path: backgrounds[i % backgrounds.length]!, kind: 'image' as const };
        const clip = await deps.assets.scratch('.mp4');
        try {
          await renderScene(deps.media, {
            width: widget.width, height: widget.height, durationSec: STILL_RENDER_SEC, visual, audio: silence,
            cues: [{ text: scene.text, startSec: 0, endSec: STILL_RENDER_SEC }], fadeSec: 0, out: clip, motionSeed: 0, signal: ctx.signal,
          });
          const image = await makeAsset(ctx, deps.assets, { kind: 'image', provider: 'ffmpeg', ext: '.png', scene: scene.index }, (out) =>
            grabFrame(deps.media.runner, clip, STILL_RENDER_SEC / 2, out, { signal: ctx.signal }));
          images.push({ index: scene.index, image, text: scene.text });
        } finally {
          await rm(clip, { force: true });
        }
      }
    } finally {
      await rm(silence, { force: true });
    }
    return { images };
  };
}
