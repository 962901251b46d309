import { stat } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { PortraitRefusal } from './errors.ts';
import { findSubjects, type Region } from './subject.ts';

/**
 * The checks every portrait photo passes before anything is made from it,
 * in order, the first failure refusing the request with the file and the
 * reason: 1–6 photos; each at most 20 MB, decodable, JPEG, PNG or WebP, its
 * shorter side at least 512 px; and one clearly dominant subject (see
 * `subject.ts`): no region is `portrait-no-subject`, a second region at least
 * `SECOND_SUBJECT_SHARE` of the first's size is `portrait-several-subjects`.
 */

export const MIN_PORTRAITS = 1;
export const MAX_PORTRAITS = 6;
export const MIN_SHORT_SIDE = 512;
export const MAX_PORTRAIT_BYTES = 20 * 1024 * 1024;
export const PORTRAIT_FORMATS = ['jpeg', 'png', 'webp'] as const;
export const SECOND_SUBJECT_SHARE = 0.4;

export interface PortraitPhoto {
  /** The name the user gave it. */
  file: string;
  /** Where it is stored. */
  path: string;
}

export interface CheckedPortrait extends PortraitPhoto {
  width: number;
  height: number;
  format: (typeof PORTRAIT_FORMATS)[number];
  subject: Region;
}

export async function validatePortraits(photos: readonly PortraitPhoto[]): Promise<CheckedPortrait[]> {
  if (photos.length < MIN_PORTRAITS || photos.length > MAX_PORTRAITS) {
    throw new PortraitRefusal('portrait-count', '', `a presenter takes ${MIN_PORTRAITS} to ${MAX_PORTRAITS} portrait photos, got ${photos.length}`);
  }
  const checked: CheckedPortrait[] = [];
  for (const photo of photos) checked.push(await validatePortrait(photo));
  return checked;
}

export async function validatePortrait(photo: PortraitPhoto): Promise<CheckedPortrait> {
  const { size } = await stat(photo.path);
  if (size > MAX_PORTRAIT_BYTES) throw new PortraitRefusal('portrait-too-large', photo.file, `the photo is ${(size / 1024 / 1024).toFixed(1)} MB; at most 20 MB`);
  let meta: Metadata;
  try {
    meta = await sharp(photo.path).metadata();
    // The header alone can be whole over broken data: decode a little to be sure.
    await sharp(photo.path).resize(8, 8).raw().toBuffer();
  } catch {
    throw new PortraitRefusal('portrait-undecodable', photo.file, 'the photo cannot be decoded as an image');
  }
  const format = PORTRAIT_FORMATS.find((f) => f === meta.format);
  if (!format) throw new PortraitRefusal('portrait-unsupported-format', photo.file, `the photo is ${meta.format ?? 'of an unknown format'}; JPEG, PNG or WebP only`);
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  if (Math.min(width, height) < MIN_SHORT_SIDE) {
    throw new PortraitRefusal('portrait-too-small', photo.file, `the photo is ${width}×${height}; its shorter side must be at least ${MIN_SHORT_SIDE} px`);
  }
  const { regions } = await findSubjects(photo.path);
  const [first, second] = regions;
  if (!first) throw new PortraitRefusal('portrait-no-subject', photo.file, 'no subject stands out from the backdrop');
  if (second && second.share >= first.share * SECOND_SUBJECT_SHARE) {
    throw new PortraitRefusal('portrait-several-subjects', photo.file,
      `${regions.filter((r) => r.share >= first.share * SECOND_SUBJECT_SHARE).length} subjects of similar size; a portrait shows one person`);
  }
  return { ...photo, width, height, format, subject: first };
}
