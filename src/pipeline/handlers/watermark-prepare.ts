import type { HandlerContext } from '../../handlers/registry.ts';
import { dep } from './shared.ts';
import type { Widget } from './widget-init.ts';

/** Watermark: the text drawn in a corner of every scene (none when the request turns it off). */
export async function watermarkPrepare(ctx: HandlerContext): Promise<{ text: string | null }> {
  return { text: dep<Widget>(ctx, 'WidgetInit').watermark };
}
