import type { HandlerContext } from '../../handlers/registry.ts';
import type { Widget } from '../outputs.ts';
import { input } from './shared.ts';

/** Watermark: the text drawn in a corner of every scene (none when the request turns it off). */
export async function watermarkPrepare(ctx: HandlerContext): Promise<{ text: string | null }> {
  return { text: input<Widget>(ctx, 'widget').watermark };
}
