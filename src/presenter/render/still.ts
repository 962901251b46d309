import sharp, { type OverlayOptions } from 'sharp';
import { type Placement, posePlacement } from './pose.ts';
import type { Pose, PortraitInput } from './types.ts';

/**
 * The still a presenter scene moves: the portrait placed by its pose (`pose.ts`) over a backdrop in the portrait's
 * own colours (the portrait covering the frame, blurred and dimmed), at the frame's size. On the side pose the
 * backdrop is darker, so the key phrase set over it reads.
 */

const BACKDROP_BRIGHTNESS = { side: 0.45, other: 0.7 } as const;
/** The backdrop is a little greyer than the portrait, so the presenter stands out from it. */
const BACKDROP_SATURATION = 0.55;

export async function composePoseStill(portrait: PortraitInput, pose: Pose, frame: { width: number; height: number }, out: string): Promise<Placement> {
  const { width: W, height: H } = frame;
  const placement = posePlacement(pose, portrait, frame);
  // The portrait's colours as a soft gradient: its four quadrants averaged, spread over the frame. A blurred copy
  // of the portrait showed a ghost of the face beside the presenter.
  const corners = await sharp(portrait.path).removeAlpha().resize(2, 2, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
  const backdrop = await sharp(corners, { raw: { width: 2, height: 2, channels: 3 } })
    .resize(W, H, { fit: 'fill', kernel: 'cubic' })
    .modulate({ brightness: pose === 'side' ? BACKDROP_BRIGHTNESS.side : BACKDROP_BRIGHTNESS.other, saturation: BACKDROP_SATURATION })
    .png()
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
