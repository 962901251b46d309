/**
 * Product creative: the shapes every part of it shares.
 *
 * A product is a task of the `product-identity` flow whose input is the
 * product-creation snapshot (`ProductSnapshot`); its components build the
 * identity (neutral image, metadata, product sheet, storyboard seeds), each
 * recorded as an asset of the graph. An output is a task of the flow its mode
 * routes to (`flows/product-modes.json`); its input is the output-generation
 * snapshot (`OutputSnapshot`), which carries references to the identity's
 * assets by id, so no output ever rebuilds them.
 *
 * Paths in snapshots and outputs are the content-addressed asset store's own;
 * no view shows them to users.
 */

export const OUTPUT_MODES = ['image_bundle', 'fast_paced', 'script_to_video', 'ugc'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

export const LAYOUTS = ['hero', 'close-up', 'callout', 'split'] as const;
export type Layout = (typeof LAYOUTS)[number];

/** A rectangle in pixels of the picture it belongs to; it may reach outside the frame (a cropped product). */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The product-creation request as stored: the only thing an identity is built from. */
export interface ProductSnapshot {
  contract: 'product-creation/1';
  name: string;
  /** The photos, in the order given: the file name the user gave and the stored asset (`<sha256>.<ext>`). */
  images: Array<{ file: string; asset: string }>;
  /** A saved product page (HTML), stored as an asset. */
  page?: { file: string; asset: string };
  category?: string;
  campaign?: { audience?: string; tone?: string; call_to_action?: string };
}

/** The product cut out (or, on a busy background, a cleaned and evenly framed copy). */
export interface NeutralImage {
  /** PNG; with transparency when `cutout`. */
  path: string;
  hash: string;
  width: number;
  height: number;
  /** True when the background was plain and has been removed. */
  cutout: boolean;
  /** The `file` of the photo it was made from. */
  source: string;
}

export interface ProductMetadata {
  name: string;
  category: string;
  /** Dominant colours of the product itself, `#rrggbb`, most prominent first. */
  palette: string[];
  /** Width over height of the neutral image. */
  aspect: number;
  title?: string;
  brand?: string;
  price?: { amount: string; currency?: string };
  description?: string;
  url?: string;
  /** The page's product picture (`og:image` or JSON-LD `image`): a URL, never fetched. */
  image?: string;
}

export interface StoryboardSeed {
  concept: string;
  /** What a generative image model would be asked for; the offline composer reads `layout` and `background`. */
  prompt: string;
  layout: Layout;
  headline: string;
  /** A description of the backdrop, in words the offline composer maps to colours and library pictures. */
  background: string;
}

/** An identity asset as an output references it. */
export interface AssetRef {
  /** The asset's id in the ledger (`assets[].id`). */
  id: number;
  kind: string;
  path: string;
  hash: string;
}

/** The identity an output is made from, copied into its snapshot when the output is requested. */
export interface IdentityRef {
  product: string;
  neutral: AssetRef & { width: number; height: number; cutout: boolean };
  /** The other views, cleaned the same way. */
  views: AssetRef[];
  sheet: AssetRef;
  metadata: ProductMetadata;
  seeds: StoryboardSeed[];
}

export interface FidelityOptions {
  /** Scenes scoring under this (0–1, see `FidelityScores.score`) are regenerated. */
  threshold?: number;
  /** Default 2: then the scene fails with its scores. */
  max_regenerations?: number;
}

export interface OutputOptions {
  format?: '16:9' | '9:16' | '1:1';
  /** "WIDTHxHEIGHT", even, up to 3840: a frame in place of the format's own (see `frameFor`), for previews and tests. */
  size?: string;
  duration_s?: number;
  scenes?: number;
  voice?: string;
  tone?: string;
  captions?: 'sentence' | 'karaoke' | 'pop';
  fidelity?: FidelityOptions;
  /** The script of a `script_to_video` output; without it the prompt is written into one. */
  script?: string;
  /**
   * Set by the service, never by a request: how many stage retries the output has had. Stages read it into their
   * seeds, so a retried stage makes its work anew instead of being answered from the result cache.
   */
  retry?: number;
}

/** The output-generation request as stored, with the identity it was made from. */
export interface OutputSnapshot {
  contract: 'output-generation/1';
  product: string;
  mode: OutputMode;
  prompt: string;
  options: OutputOptions;
  identity: IdentityRef;
}

export interface FidelityScores {
  /** Share of the product's own pixels that are in frame and not covered (0–1). */
  visible_area: number;
  /** Structural similarity of the product region against the neutral image (0–1). */
  ssim: number;
  /** Mean CIE76 distance of the product region's colours from the palette. */
  color_distance: number;
  /** The combined score compared with the threshold. */
  score: number;
  passed: boolean;
  /** Where the product was found. */
  box: Box;
}

/** A storyboard scene of an output, the item each scene child task is made from. */
export interface ProductScene {
  scene: number;
  layout: Layout;
  headline: string;
  background: string;
  /** What the narrator says over it (script and UGC modes); absent in silent modes. */
  narration?: string;
  /** Text set on the picture: the headline, or the spoken words as captions. */
  caption?: string;
  duration_s: number;
  seed: number;
}
