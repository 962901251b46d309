import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../deps.ts';
import { input, makeAsset, scriptOf } from './shared.ts';

/** Bundler (image bundle): the images, numbered, and the script as text, in one zip. */

export function makeImagesBundle(deps: PipelineDeps) {
  return async function imagesBundle(ctx: HandlerContext): Promise<{ bundle: string; images: number }> {
    const { images } = input<{ images: Array<{ index: number; image: string; text: string }> }>(ctx, 'images');
    const script = scriptOf(ctx);
    const bundle = await makeAsset(ctx, deps.assets, { kind: 'bundle', provider: 'slotflow', ext: '.zip' }, async (out) => {
      const zip = new yazl.ZipFile();
      // A fixed date keeps the zip's bytes, and so its content hash, the same for the same images.
      const mtime = new Date('2000-01-01T00:00:00Z');
      for (const img of images) zip.addFile(img.image, `scene-${String(img.index + 1).padStart(2, '0')}.png`, { mtime });
      const text = [script.title, '', ...images.map((img) => `${img.index + 1}. ${img.text}`)].join('\n') + '\n';
      zip.addBuffer(Buffer.from(text, 'utf8'), 'script.txt', { mtime });
      zip.end();
      await pipeline(zip.outputStream, createWriteStream(out));
    });
    return { bundle, images: images.length };
  };
}
