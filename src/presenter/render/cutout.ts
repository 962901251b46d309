import sharp from 'sharp';
import { cutMatte, decodeRgb, isMat, type Rgb } from '../../product/identity/neutral.ts';
import { ANALYSIS_SIDE, estimateBackdrop } from '../identity/subject.ts';

/**
 * The presenter cut out of the portrait's own backdrop, so a scene sets the person, not the photo's rectangle,
 * over its backdrop. The cut is the product neutral's (`cutMatte`: a flood from the borders through pixels near
 * the backdrop's colour, a soft edge with the backdrop taken out of it); the backdrop's colour per row is the
 * portrait's (`estimateBackdrop`: from the top and side strips, since the shirt runs off the bottom edge). There is
 * no floor under a bust, so no floor shadow is kept. The edge is then feathered inwards: the alpha is never more
 * than its own blur, so the edge softens without a rim of the old backdrop outside it.
 *
 * No cut (undefined) when the backdrop is busy, or when what the cut keeps is a full rectangle (a picture in a mat):
 * the scene then fills its frame with the portrait instead.
 */

/** The feather's blur, as a share of the portrait's height. */
const FEATHER_SHARE = 0.002;
/** Alpha (0–255) at which a pixel of the bottom row counts as the person standing on the portrait's bottom edge. */
const SOLID_ALPHA = 128;

export interface PresenterCutout {
  /** RGBA, the portrait's size. */
  data: Buffer;
  width: number;
  height: number;
  /** The person runs off the portrait's bottom edge (a bust): a scene carries the body on down to its frame's edge. */
  grounded: boolean;
}

export async function cutPresenter(portrait: string): Promise<PresenterCutout | undefined> {
  const image = await decodeRgb(portrait);
  const { width, height } = image;
  const small = await sharp(image.data, { raw: { width, height, channels: 3 } })
    .resize(ANALYSIS_SIDE, ANALYSIS_SIDE, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
  const backdrop = estimateBackdrop({ data: small.data, width: small.info.width, height: small.info.height });
  if (!backdrop.plain) return undefined;
  const rows: Rgb[] = Array.from({ length: height }, (_, y) => backdrop.rows[Math.min(backdrop.rows.length - 1, Math.floor((y * small.info.height) / height))]!);
  const matte = cutMatte(image, rows);
  if (isMat(matte, image) || (matte.box.w === width && matte.box.h === height)) return undefined;
  const n = width * height;
  const alpha = Buffer.alloc(n);
  for (let p = 0; p < n; p++) alpha[p] = matte.data[p * 4 + 3]!;
  const blurred = await sharp(alpha, { raw: { width, height, channels: 1 } }).blur(Math.max(0.3, FEATHER_SHARE * height)).extractChannel(0).raw().toBuffer();
  let grounded = false;
  for (let p = 0; p < n; p++) {
    const a = Math.min(alpha[p]!, blurred[p]!);
    matte.data[p * 4 + 3] = a;
    if (p >= n - width && alpha[p]! >= SOLID_ALPHA) grounded = true;
  }
  return { data: matte.data, width, height, grounded };
}
