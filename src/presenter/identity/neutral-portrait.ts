import sharp from 'sharp';
import type { NeutralFiles } from '../../product/identity/neutral.ts';
import type { NeutralPortrait } from '../types.ts';
import type { CheckedPortrait } from './validate-portraits.ts';

/**
 * The neutral portrait of a photo: framed alike for every photo of the
 * presenter, so a scene can put any of them in the same place.
 *
 * - Framing: head and shoulders at 4:5. The head is the subject region's top
 *   (`subject.ts`): its width is the region's top rows', its height taken as
 *   `HEAD_ASPECT` times that. The crop is as tall as the head over
 *   `HEAD_SHARE`, its top `TOP_MARGIN` of its height above the head's top,
 *   centred across on the head. Where it reaches past the photo, the photo's
 *   own edge pixels are repeated (a plain backdrop continues).
 * - Size: every portrait is `PORTRAIT_SIZE`.
 * - Exposure: each channel goes through one gamma curve, chosen (by bisection
 *   over the histograms) so the mean luminance is `TARGET_LUMA`; a dark and a
 *   bright copy of one photo come out alike.
 */

export const PORTRAIT_SIZE = { width: 1024, height: 1280 } as const;
export const HEAD_SHARE = 0.42;
export const TOP_MARGIN = 0.1;
export const HEAD_ASPECT = 1.25;
/** Mean Rec. 709 luminance, 0–255, every portrait is brought to. */
export const TARGET_LUMA = 150;
const GAMMA_RANGE = [0.2, 5] as const;
const GAMMA_STEPS = 40;
const LUMA = [0.2126, 0.7152, 0.0722] as const;

export async function makeNeutralPortrait(photo: CheckedPortrait, files: NeutralFiles): Promise<NeutralPortrait> {
  const { subject } = photo;
  const headW = subject.topWidth;
  const headH = headW * HEAD_ASPECT;
  const cropH = Math.round(headH / HEAD_SHARE);
  const cropW = Math.round((cropH * PORTRAIT_SIZE.width) / PORTRAIT_SIZE.height);
  const left = Math.round(subject.topCentreX - cropW / 2);
  const top = Math.round(subject.box.y - TOP_MARGIN * cropH);
  const pad = {
    left: Math.max(0, -left), top: Math.max(0, -top),
    right: Math.max(0, left + cropW - photo.width), bottom: Math.max(0, top + cropH - photo.height),
  };
  // Sharp extracts before it extends within one pipeline: widen first, in a pipeline of its own.
  const widened = await sharp(photo.path).rotate().flatten({ background: '#ffffff' }).removeAlpha()
    .extend({ ...pad, extendWith: 'copy' }).png({ compressionLevel: 0 }).toBuffer();
  const framed = await sharp(widened)
    .extract({ left: left + pad.left, top: top + pad.top, width: cropW, height: cropH })
    .resize(PORTRAIT_SIZE.width, PORTRAIT_SIZE.height)
    .raw().toBuffer({ resolveWithObject: true });
  const data = normaliseExposure(framed.data);
  const out = await files.scratch('.png');
  await sharp(data, { raw: { width: PORTRAIT_SIZE.width, height: PORTRAIT_SIZE.height, channels: 3 } }).png().toFile(out);
  const stored = await files.put(out);
  const k = PORTRAIT_SIZE.height / cropH;
  return {
    path: stored.path, hash: stored.hash, width: PORTRAIT_SIZE.width, height: PORTRAIT_SIZE.height, source: photo.file,
    face: {
      x: Math.round((subject.topCentreX - headW / 2 - left) * k), y: Math.round((subject.box.y - top) * k),
      w: Math.round(headW * k), h: Math.round(headH * k),
    },
  };
}

/** Mean Rec. 709 luminance of RGB bytes. */
export function meanLuma(rgb: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < rgb.length; i += 3) sum += LUMA[0] * rgb[i]! + LUMA[1] * rgb[i + 1]! + LUMA[2] * rgb[i + 2]!;
  return sum / (rgb.length / 3);
}

/** RGB bytes through the gamma curve that brings their mean luminance to `TARGET_LUMA` (see the header). */
export function normaliseExposure(rgb: Buffer): Buffer {
  const histograms = [new Float64Array(256), new Float64Array(256), new Float64Array(256)];
  for (let i = 0; i < rgb.length; i += 3) for (let c = 0; c < 3; c++) histograms[c]![rgb[i + c]!]! += 1;
  const pixels = rgb.length / 3;
  const curve = (gamma: number) => Array.from({ length: 256 }, (_, v) => 255 * (v / 255) ** gamma);
  const meanFor = (gamma: number) => {
    const lut = curve(gamma);
    let mean = 0;
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (let v = 0; v < 256; v++) sum += histograms[c]![v]! * lut[v]!;
      mean += LUMA[c]! * (sum / pixels);
    }
    return mean;
  };
  // A larger gamma darkens: bisect on it.
  let [lo, hi] = GAMMA_RANGE as readonly [number, number];
  for (let step = 0; step < GAMMA_STEPS; step++) {
    const mid = Math.sqrt(lo * hi);
    if (meanFor(mid) > TARGET_LUMA) lo = mid;
    else hi = mid;
  }
  const lut = curve(Math.sqrt(lo * hi)).map((v) => Math.round(v));
  const out = Buffer.alloc(rgb.length);
  for (let i = 0; i < rgb.length; i++) out[i] = lut[rgb[i]!]!;
  return out;
}
