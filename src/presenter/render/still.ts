import sharp, { type OverlayOptions } from 'sharp';
import { type Placement, posePlacement } from './pose.ts';
import type { Pose, PortraitInput } from './types.ts';

/**
 * The still a presenter scene moves: the portrait placed by its pose (`pose.ts`) over a backdrop in the portrait's
 * own colours (the portrait covering the frame, blurred and dimmed), at the frame's size. On the side pose the
 * backdrop is darker, so the key phrase set over it reads.
 */

const BACKDROP_BLUR_SHARE = 1 / 30;
const BACKDROP_BRIGHTNESS = { side: 0.45, other: 0.75 } as const;

export async function composePoseStill(portrait: PortraitInput, pose: Pose, frame: { width: number; height: number }, out: string): Promise<Placement> {
  const { width: W, height: H } = frame;
  const placement = posePlacement(pose, portrait, frame);
  const backdrop = await sharp(portrait.path)
    .resize(W, H, { fit: 'cover' })
    .blur(Math.max(3, Math.round(Math.min(W, H) * BACKDROP_BLUR_SHARE)))
    .modulate({ brightness: pose === 'side' ? BACKDROP_BRIGHTNESS.side : BACKDROP_BRIGHTNESS.other })
    .removeAlpha()
    .toBuffer();
  const sw = Math.max(1, Math.round(portrait.width * placement.scale));
  const sh = Math.max(1, Math.round(portrait.height * placement.scale));
  const left = Math.round(placement.left);
  const top = Math.round(placement.top);
  // Only the part of the scaled portrait inside the pose's region is laid on: sharp composites within the base.
  const r = placement.region;
  const x0 = Math.max(left, r.x);
  const y0 = Math.max(top, r.y);
  const x1 = Math.min(left + sw, r.x + r.w);
  const y1 = Math.min(top + sh, r.y + r.h);
  const layers: OverlayOptions[] = [];
  if (x1 > x0 && y1 > y0) {
    const part = await sharp(portrait.path)
      .resize(sw, sh, { fit: 'fill', kernel: 'lanczos3' })
      .extract({ left: x0 - left, top: y0 - top, width: x1 - x0, height: y1 - y0 })
      .png()
      .toBuffer();
    layers.push({ input: part, left: x0, top: y0 });
  }
  await sharp(backdrop).composite(layers).png().toFile(out);
  return placement;
}
