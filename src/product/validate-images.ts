import { stat } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import type { ImageRefusal } from './errors.ts';

/**
 * The check of a product's photos before anything is made from them. Each photo must be a picture sharp can
 * read all the way through (its header and a full decode, so a truncated file is caught), a JPEG, PNG or WebP
 * by its content (whatever its name says), at least `MIN_SHORT_SIDE_PX` on its short side and at most
 * `MAX_IMAGE_BYTES`; a product has `MIN_IMAGES` to `MAX_IMAGES` of them. Every refusal is returned, each
 * naming the file and saying why in words a person understands; none means the photos can be used.
 */

export const MIN_IMAGES = 1;
export const MAX_IMAGES = 8;
export const MIN_SHORT_SIDE_PX = 512;
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
export const IMAGE_FORMATS = ['jpeg', 'png', 'webp'] as const;

export interface ProductImageFile {
  /** The name the user knows it by. */
  file: string;
  path: string;
}

export async function validateProductImages(files: readonly ProductImageFile[]): Promise<ImageRefusal[]> {
  const refusals: ImageRefusal[] = [];
  if (files.length < MIN_IMAGES) refusals.push({ file: '', code: 'product-images-count', reason: `a product needs at least ${MIN_IMAGES} photo` });
  for (const [i, f] of files.entries()) {
    if (i >= MAX_IMAGES) {
      refusals.push({ file: f.file, code: 'product-images-count', reason: `photo ${i + 1} of ${files.length}: a product takes at most ${MAX_IMAGES} photos` });
      continue;
    }
    const refusal = await checkImage(f);
    if (refusal) refusals.push(refusal);
  }
  return refusals;
}

async function checkImage({ file, path }: ProductImageFile): Promise<ImageRefusal | undefined> {
  let bytes: number;
  try {
    bytes = (await stat(path)).size;
  } catch {
    return { file, code: 'image-undecodable', reason: 'the file cannot be read' };
  }
  if (bytes > MAX_IMAGE_BYTES) return { file, code: 'image-too-large', reason: `it is ${mib(bytes)} MB; a photo may be at most ${mib(MAX_IMAGE_BYTES)} MB` };
  let meta: Metadata;
  try {
    meta = await sharp(path).metadata();
  } catch {
    return { file, code: 'image-undecodable', reason: 'it is not a picture that can be read (is it an image file?)' };
  }
  if (!(IMAGE_FORMATS as readonly string[]).includes(meta.format ?? '')) {
    return { file, code: 'image-format', reason: `it is a ${(meta.format ?? 'unknown').toUpperCase()} picture; photos must be JPEG, PNG or WebP` };
  }
  try {
    // A full decode: a header can be whole while the picture data is cut short or corrupt.
    await sharp(path, { failOn: 'error' }).stats();
  } catch {
    return { file, code: 'image-undecodable', reason: 'the picture data is damaged or cut short' };
  }
  const [w, h] = [meta.autoOrient?.width ?? meta.width ?? 0, meta.autoOrient?.height ?? meta.height ?? 0];
  if (Math.min(w, h) < MIN_SHORT_SIDE_PX) {
    return { file, code: 'image-too-small', reason: `it is ${w}×${h} pixels; the short side must be at least ${MIN_SHORT_SIDE_PX} pixels` };
  }
  return undefined;
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '');
}
