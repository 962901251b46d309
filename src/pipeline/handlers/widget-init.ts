import type { HandlerContext } from '../../handlers/registry.ts';
import { FPS, frameFor } from '../formats.ts';
import type { Widget } from '../outputs.ts';
import { optionsOf } from './shared.ts';

/** WidgetInit: the frame, rate and decorations the request asks for, checked once for everything downstream. */

export type { Widget } from '../outputs.ts';

export const DEFAULT_WATERMARK = 'slotflow';

export async function widgetInit(ctx: HandlerContext): Promise<Widget> {
  const options = optionsOf(ctx);
  const frame = frameFor(options);
  const watermark = options.watermark === false ? null : typeof options.watermark === 'string' ? options.watermark : DEFAULT_WATERMARK;
  return { ...frame, fps: FPS, voice: typeof options.voice === 'string' ? options.voice : null, music: options.music !== false, watermark };
}
