import type { Box, Layout } from '../types.ts';

/**
 * The image capability: one scene picture of the product, composed or
 * generated. The offline adapter (`offline-image.ts`) composes the neutral
 * image over a background; remote adapters ask a model. Whatever made it,
 * the picture is checked by the fidelity stage (`../fidelity.ts`), which
 * does not trust `productBox`: it is a hint for the search.
 */

/** The neutral image as the capability needs it: a PNG, its size, and whether it is cut out on transparency. */
export interface NeutralSource {
  path: string;
  width: number;
  height: number;
  cutout: boolean;
}

export interface SceneImageRequest {
  neutral: NeutralSource;
  /** The product's colours, `#rrggbb`, most prominent first. */
  palette: string[];
  layout: Layout;
  /** Varies small things (offset, light angle, backdrop) deterministically. */
  seed: number;
  /**
   * How many pictures of this scene came before (a new take or a retried stage counts one); 0 or absent for the
   * first. A composer that draws the picture itself makes each one differ by construction, not by the seed's luck.
   */
  retake?: number;
  headline?: string;
  /**
   * A caption band the product must stay out of. With `drawn: false` the band is kept clear and nothing is set
   * in it: a video's scene clip burns its timed captions there later. `rows` (pixels from the top) is where they
   * will be burned; without it the composer's own band for `band` is used.
   */
  caption?: { text: string; band: 'bottom' | 'middle'; drawn?: boolean; rows?: { top: number; bottom: number } };
  /** Short labels the `callout` layout points at the product with; other layouts ignore them. */
  callouts?: string[];
  /** The backdrop in words (`"warm kitchen counter, morning light"`). */
  background: string;
  width: number;
  height: number;
}

export interface SceneImage {
  /** A PNG in a scratch file; the caller stores or removes it. */
  path: string;
  width: number;
  height: number;
  layout: Layout;
  seed: number;
  /** Where the neutral image was drawn; it may reach out of the frame (a close-up). */
  productBox: Box;
  /** Every box text was set in (headline, caption, labels); none overlaps `productBox`. */
  textBoxes: Box[];
}

export interface ImageCapability {
  readonly name: string;
  compose(req: SceneImageRequest, signal?: AbortSignal): Promise<SceneImage>;
}

/** Whether two boxes share any area. */
export function boxesOverlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}
