import sharp, { type OverlayOptions } from 'sharp';
import { cutPresenter } from './cutout.ts';
import { coverRegion, type Placement, posePlacement } from './pose.ts';
import type { Pose, PortraitInput } from './types.ts';

/**
 * The still a presenter scene moves: the presenter placed by the pose (`pose.ts`) over a backdrop in the portrait's
 * own colours, at the frame's size. The presenter is the person cut out of the portrait's backdrop (`cutout.ts`),
 * soft-edged; a bust (the shirt running off the portrait's bottom edge) is carried on down to the bottom of the
 * pose's region, so it does not end in mid-air. A portrait with no clean cut (a busy backdrop) fills the pose's
 * region instead (`coverRegion`): never a photo pasted on the backdrop as a box. On the side pose the backdrop is
 * darker, so the key phrase set over it reads.
 */

const BACKDROP_BRIGHTNESS = { side: 0.45, other: 0.7 } as const;
/** The backdrop is a little greyer than the portrait, so the presenter stands out from it. */
const BACKDROP_SATURATION = 0.55;

export interface PoseStill extends Placement {
  /** Whether the person was cut out of the portrait's backdrop (else the portrait fills the region). */
  cutout: boolean;
}

/** A made backdrop's hue turns by this much per variant (the golden angle: every variant far from the others). */
const VARIANT_HUE_STEP = 137.5;
/** A variant's backdrop keeps more of its colour, so its hue shows. */
const VARIANT_SATURATION = 1.1;
/**
 * A cut-out above the key phrase (a portrait frame's side pose) ends at its third's bottom edge: that edge fades out
 * over this share of the part shown, so the bust dissolves into the backdrop instead of ending in a straight cut.
 */
const SIDE_FADE_SHARE = 0.3;

/**
 * The backdrop alone: the portrait's colours as a soft gradient, its four quadrants averaged, spread over the frame.
 * Variant 0 is that; a later variant (a background made again: a regenerated scene, a rejected background) turns
 * its hue (`VARIANT_HUE_STEP` a variant), so it is a different background in the same light.
 */
export async function poseBackdrop(portrait: PortraitInput, pose: Pose, frame: { width: number; height: number }, variant = 0): Promise<Buffer> {
  // A blurred copy of the portrait showed a ghost of the face beside the presenter.
  const corners = await sharp(portrait.path).removeAlpha().resize(2, 2, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
  return sharp(corners, { raw: { width: 2, height: 2, channels: 3 } })
    .resize(frame.width, frame.height, { fit: 'fill', kernel: 'cubic' })
    .modulate({
      brightness: pose === 'side' ? BACKDROP_BRIGHTNESS.side : BACKDROP_BRIGHTNESS.other,
      saturation: variant === 0 ? BACKDROP_SATURATION : VARIANT_SATURATION,
      ...(variant === 0 ? {} : { hue: Math.round((variant * VARIANT_HUE_STEP) % 360) }),
    })
    .png()
    .toBuffer();
}

/** The still, over `backdrop` (a picture at the frame's size, the scene's background) or else `poseBackdrop`'s. */
export async function composePoseStill(
  portrait: PortraitInput, pose: Pose, frame: { width: number; height: number }, out: string, backdrop?: string,
): Promise<PoseStill> {
  const cut = await cutPresenter(portrait.path);
  const placement = cut ? posePlacement(pose, portrait, frame) : coverRegion(posePlacement(pose, portrait, frame), portrait);
  const base = backdrop ? await sharp(backdrop).resize(frame.width, frame.height, { fit: 'cover' }).removeAlpha().png().toBuffer() : await poseBackdrop(portrait, pose, frame);
  const sw = Math.max(1, Math.round(portrait.width * placement.scale));
  const sh = Math.max(1, Math.round(portrait.height * placement.scale));
  const left = Math.round(placement.left);
  const top = Math.round(placement.top);
  // A cut-out beside the key phrase (a landscape side pose) may reach past its third: clipped there, the shoulder
  // ended in a straight line, the edge of a box again. Above the phrase (a portrait frame) it stays in its third.
  const beside = cut !== undefined && placement.text !== undefined && placement.text.x > 0;
  const r = beside ? { x: 0, y: 0, w: frame.width, h: frame.height } : placement.region;
  // A bust goes on to the region's bottom: its last rows repeated (the background columns stay clear).
  const below = cut?.grounded ? Math.max(0, r.y + r.h - (top + sh)) : 0;
  // Only the part of the scaled portrait inside the pose's region is laid on: sharp composites within the base.
  const x0 = Math.max(left, r.x);
  const y0 = Math.max(top, r.y);
  const x1 = Math.min(left + sw, r.x + r.w);
  const y1 = Math.min(top + sh + below, r.y + r.h);
  const layers: OverlayOptions[] = [];
  if (x1 > x0 && y1 > y0) {
    const source = cut ? sharp(cut.data, { raw: { width: cut.width, height: cut.height, channels: 4 } }) : sharp(portrait.path);
    // Sharp extracts before it extends within one pipeline: scale and extend first, in a pipeline of their own.
    const scaled = await source.resize(sw, sh, { fit: 'fill', kernel: 'lanczos3' })
      .extend({ bottom: below, extendWith: 'copy' }).png({ compressionLevel: 0 }).toBuffer();
    const part = await sharp(scaled).extract({ left: x0 - left, top: y0 - top, width: x1 - x0, height: y1 - y0 }).png().toBuffer();
    const above = cut !== undefined && placement.text !== undefined && placement.text.y > 0 && y1 >= r.y + r.h;
    layers.push({ input: above ? await fadeBottom(part, Math.round((y1 - y0) * SIDE_FADE_SHARE)) : part, left: x0, top: y0 });
  }
  await sharp(base).composite(layers).png().toFile(out);
  return { ...placement, cutout: cut !== undefined };
}

/** The picture with its alpha ramped down to nothing over its last `rows` rows. */
async function fadeBottom(png: Buffer, rows: number): Promise<Buffer> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const start = Math.max(0, height - rows);
  for (let y = start; y < height; y++) {
    const k = (height - y) / (height - start + 1);
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4 + 3;
      data[i] = Math.round(data[i]! * k);
    }
  }
  return sharp(data, { raw: { width, height, channels: 4 } }).png().toBuffer();
}
