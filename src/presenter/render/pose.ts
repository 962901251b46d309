import type { Box, Pose } from './types.ts';

/**
 * Where a pose puts the portrait in the frame (pure). Each pose names a target for the face box:
 *
 *   close   the face box `CLOSE_FACE_SHARE` of the frame's height, centred, its centre a little above the middle
 *   medium  head and shoulders: the face `MEDIUM_FACE_SHARE` of the height, in the upper part of the frame
 *   wide    the whole portrait, smaller (`WIDE_FIT_SHARE` of the frame), centred across and standing on the frame's
 *           bottom edge (the bust's shirt runs off the frame, as it runs off the portrait)
 *   side    the portrait on one third (the left third of a landscape or square frame, the top third of a
 *           portrait one), the face `SIDE_FACE_SHARE` of that third's height; the rest holds the key phrase
 *
 * A portrait that cannot be cut out of its backdrop (a busy one) is not shown as a box: `coverRegion` scales it up
 * until it covers the pose's region, the face kept as near its place as that allows.
 */

/** A presenter scene's pose when the storyboard names none. */
export const DEFAULT_POSE: Pose = 'medium';
export const CLOSE_FACE_SHARE = 0.6;
export const CLOSE_FACE_CENTRE_Y = 0.45;
export const MEDIUM_FACE_SHARE = 0.28;
export const MEDIUM_FACE_CENTRE_Y = 0.36;
export const WIDE_FIT_SHARE = 0.72;
export const SIDE_FACE_SHARE = 0.42;
/** The face's width never exceeds this share of the side third's width. */
const SIDE_FACE_MAX_WIDTH_SHARE = 0.7;
export const SIDE_FACE_CENTRE_Y = 0.42;

export interface Placement {
  pose: Pose;
  /** The portrait's scale and top-left corner in the frame (may lie outside it). */
  scale: number;
  left: number;
  top: number;
  /** Where the portrait is shown; outside it, the backdrop. */
  region: Box;
  /** The face box in frame pixels. */
  face: Box;
  /** The side pose's room for the key phrase. */
  text?: Box;
}

export interface PortraitShape {
  width: number;
  height: number;
  face: Box;
}

export function posePlacement(pose: Pose, portrait: PortraitShape, frame: { width: number; height: number }): Placement {
  const { width: W, height: H } = frame;
  const full: Box = { x: 0, y: 0, w: W, h: H };
  const f = portrait.face;
  const centred = (region: Box, scale: number, centreY: number): Placement => {
    const left = region.x + region.w / 2 - (f.x + f.w / 2) * scale;
    const top = region.y + region.h * centreY - (f.y + f.h / 2) * scale;
    return { pose, scale, left, top, region, face: { x: left + f.x * scale, y: top + f.y * scale, w: f.w * scale, h: f.h * scale } };
  };
  switch (pose) {
    case 'close':
      return centred(full, (CLOSE_FACE_SHARE * H) / f.h, CLOSE_FACE_CENTRE_Y);
    case 'medium':
      return centred(full, (MEDIUM_FACE_SHARE * H) / f.h, MEDIUM_FACE_CENTRE_Y);
    case 'wide': {
      const scale = Math.min((WIDE_FIT_SHARE * W) / portrait.width, (WIDE_FIT_SHARE * H) / portrait.height);
      const left = (W - portrait.width * scale) / 2;
      const top = H - portrait.height * scale;
      return { pose, scale, left, top, region: full, face: { x: left + f.x * scale, y: top + f.y * scale, w: f.w * scale, h: f.h * scale } };
    }
    case 'side': {
      const portraitFrame = H > W;
      const region: Box = portraitFrame ? { x: 0, y: 0, w: W, h: Math.round(H / 3) } : { x: 0, y: 0, w: Math.round(W / 3), h: H };
      const text: Box = portraitFrame ? { x: 0, y: region.h, w: W, h: H - region.h } : { x: region.w, y: 0, w: W - region.w, h: H };
      const scale = Math.min((SIDE_FACE_SHARE * region.h) / f.h, (SIDE_FACE_MAX_WIDTH_SHARE * region.w) / f.w);
      return { ...centred(region, scale, SIDE_FACE_CENTRE_Y), text };
    }
  }
}

/** The placement scaled up, if need be, so the portrait covers its region, and moved as little as that needs. */
export function coverRegion(placement: Placement, portrait: PortraitShape): Placement {
  const r = placement.region;
  const scale = Math.max(placement.scale, r.w / portrait.width, r.h / portrait.height);
  const k = scale / placement.scale;
  // Scale about the face's centre, then slide the portrait back over any edge of the region it left bare.
  const cx = placement.face.x + placement.face.w / 2;
  const cy = placement.face.y + placement.face.h / 2;
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const left = clamp(cx - (cx - placement.left) * k, r.x + r.w - portrait.width * scale, r.x);
  const top = clamp(cy - (cy - placement.top) * k, r.y + r.h - portrait.height * scale, r.y);
  const f = portrait.face;
  return { ...placement, scale, left, top, face: { x: left + f.x * scale, y: top + f.y * scale, w: f.w * scale, h: f.h * scale } };
}
