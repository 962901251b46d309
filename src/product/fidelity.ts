import sharp, { type Sharp } from 'sharp';
import { ssim } from 'ssim.js';
import { SlotflowError } from '../core/errors.ts';
import type { Box, FidelityScores } from './types.ts';

/**
 * The fidelity check: how faithfully a scene picture shows the product. It
 * does not trust whoever made the picture: it finds the product itself, by
 * matching the neutral image's opaque pixels (its alpha mask) against the
 * picture, first coarsely over many scales and positions at low resolution,
 * then finer around the best match (and around the maker's `hint`, when
 * given), down to full resolution. Then, over the box found:
 *
 * - `visible_area`: the share of the neutral's opaque pixels that land in the
 *   frame and match the picture within `MATCH_TOLERANCE` (ΔE76); pixels out of
 *   frame or covered by something else do not count;
 * - `ssim`: structural similarity (grayscale) of the product region against
 *   the neutral composited over the same region of the picture, so only the
 *   product's own pixels can differ;
 * - `color_distance`: the mean ΔE76 of the product region's pixels from their
 *   nearest palette colour.
 *
 * `score = visible_area × ssim × colour_term`, where `colour_term` falls
 * linearly from 1 to 0 as `color_distance` exceeds the neutral image's own
 * distance from the palette (a shaded product is never exactly its palette)
 * by 0 to `COLOR_EXCESS_RANGE`. A product that is cropped, covered or
 * distorted loses in proportion; one that is recoloured loses its match and
 * its colour term both.
 */

export const FIDELITY_DEFAULTS = {
  /**
   * Measured on the offline composer (test/product/fidelity.test.ts prints the table): the twelve layout × format
   * pictures score 0.76–0.99, the close-up (18 % of the product out of frame by design) lowest at 0.76–0.77;
   * a caption plate over the product scores 0.41, the product half out of frame 0.46, recoloured 0. 0.65 sits
   * in the gap, 0.11 under the worst good picture and 0.19 over the best bad one.
   */
  threshold: 0.65,
  max_regenerations: 2,
} as const;

/** ΔE76 within which a picture pixel counts as the product's own. */
export const MATCH_TOLERANCE = 18;
/** ΔE76 over the neutral's own palette distance at which the colour term reaches 0. */
export const COLOR_EXCESS_RANGE = 30;
/** Neutral pixels with at least this alpha are the product's (out of 255). */
const OPAQUE = 128;
/** The search's template pixels: only the solid inside, clear of edges blurred by scaling. */
const TEMPLATE_OPAQUE = 245;
/** Long side of the picture in the coarse search and in the first refinement. */
const COARSE_SIDE = 192;
const REFINE_SIDE = 640;
/** The coarse search's product heights, as shares of the picture height. */
const COARSE_SCALES = { min: 0.15, max: 2.4, steps: 20 } as const;
/**
 * A match at the maker's hint at least this good (share of template samples, soft) is taken as the product found:
 * good compositions score 0.93–0.997 there (16:9, 9:16 and 1:1, every layout); a covered or recoloured product
 * falls well under and gets the full search.
 */
const HINT_TRUSTED_MATCH = 0.9;
/** Squared RGB distance within which a template pixel matches in the search. */
const SEARCH_TOLERANCE_SQ = 48 ** 2;
const MAX_TEMPLATE_SAMPLES = 400;
/** Pixels compared for the area and colour measures, at most (a grid over the box). */
const MAX_MEASURE_PIXELS = 250_000;
/** Long side the SSIM region is scaled to. */
const SSIM_SIDE = 256;

export class FidelityInputError extends SlotflowError {
  override name = 'FidelityInputError';
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'fidelity-input', cause });
  }
}

export interface ScoreOptions {
  /** Where the maker says it put the product: searched around as well as the coarse best. */
  hint?: Box;
  threshold?: number;
}

export interface NeutralLike {
  path: string;
}

interface Raster {
  data: Buffer;
  width: number;
  height: number;
}

async function raster(input: string | Sharp, size?: { width: number; height: number }): Promise<Raster> {
  let img = typeof input === 'string' ? sharp(input) : input;
  img = img.ensureAlpha();
  if (size) img = img.resize(Math.max(1, Math.round(size.width)), Math.max(1, Math.round(size.height)), { fit: 'fill', kernel: 'lanczos3' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** A decoded raster at another size (the same lanczos resize as from its file, without decoding the file again). */
function resized(r: Raster, size: { width: number; height: number }): Promise<Raster> {
  const width = Math.max(1, Math.round(size.width));
  const height = Math.max(1, Math.round(size.height));
  if (width === r.width && height === r.height) return Promise.resolve(r);
  return raster(sharp(r.data, { raw: { width: r.width, height: r.height, channels: 4 } }), { width, height });
}

type Lab = [number, number, number];

function srgbToLinear(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}
const LINEAR = Float64Array.from({ length: 256 }, (_, i) => srgbToLinear(i));

function labF(t: number): number {
  return t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116;
}

/** CIE L*a*b* (D65) of an sRGB colour. */
export function rgbToLab(r: number, g: number, b: number): Lab {
  const R = LINEAR[Math.round(r)]!;
  const G = LINEAR[Math.round(g)]!;
  const B = LINEAR[Math.round(b)]!;
  const x = labF((0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047);
  const y = labF(0.2126 * R + 0.7152 * G + 0.0722 * B);
  const z = labF((0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}

export function deltaE76(a: Lab, b: Lab): number {
  return Math.sqrt(deltaE76Sq(a, b));
}

/** ΔE76 squared: what comparisons need, without the root. */
function deltaE76Sq(a: Lab, b: Lab): number {
  const d0 = a[0] - b[0];
  const d1 = a[1] - b[1];
  const d2 = a[2] - b[2];
  return d0 * d0 + d1 * d1 + d2 * d2;
}

function hexLab(hex: string): Lab {
  const n = Number.parseInt(hex.slice(1), 16);
  return rgbToLab((n >> 16) & 255, (n >> 8) & 255, n & 255);
}

function nearestPalette(lab: Lab, palette: readonly Lab[]): number {
  let best = Infinity;
  for (const p of palette) {
    const d = deltaE76Sq(lab, p);
    if (d < best) best = d;
  }
  return Math.sqrt(best);
}

interface Candidate {
  /** In full-resolution picture pixels. */
  box: Box;
  /** Share of the template's samples that matched. */
  match: number;
}

/**
 * The neutral's solid pixels at one box size: positions in the box, colours, and each position's offset in a
 * picture row-major at `rowWidth` pixels (so the search adds one number per sample instead of multiplying).
 */
interface Template {
  width: number;
  height: number;
  xs: Int32Array;
  ys: Int32Array;
  rgb: Uint8Array;
  offsets: Int32Array;
}

/** The neutral decoded once per search, and its templates by size (the levels ask for the same sizes again). */
class Templates {
  private readonly made = new Map<string, Template>();
  constructor(private readonly neutral: Raster) {}

  async at(w: number, h: number, rowWidth: number): Promise<Template> {
    const key = `${Math.max(1, Math.round(w))}x${Math.max(1, Math.round(h))}@${rowWidth}`;
    let t = this.made.get(key);
    if (!t) {
      t = solidSamples(await resized(this.neutral, { width: w, height: h }), rowWidth);
      this.made.set(key, t);
    }
    return t;
  }
}

function solidSamples(t: Raster, rowWidth: number): Template {
  const pixels = t.width * t.height;
  let solid = 0;
  for (let i = 0; i < pixels; i++) if (t.data[i * 4 + 3]! >= TEMPLATE_OPAQUE) solid++;
  const stride = Math.max(1, Math.floor(solid / MAX_TEMPLATE_SAMPLES));
  const n = Math.ceil(solid / stride);
  const xs = new Int32Array(n);
  const ys = new Int32Array(n);
  const rgb = new Uint8Array(n * 3);
  const offsets = new Int32Array(n);
  // Every stride-th solid pixel, in raster order.
  for (let i = 0, seen = 0, k = 0; i < pixels; i++) {
    if (t.data[i * 4 + 3]! < TEMPLATE_OPAQUE) continue;
    if (seen++ % stride !== 0) continue;
    const x = i % t.width;
    const y = (i - x) / t.width;
    xs[k] = x;
    ys[k] = y;
    offsets[k] = y * rowWidth + x;
    rgb[k * 3] = t.data[i * 4]!;
    rgb[k * 3 + 1] = t.data[i * 4 + 1]!;
    rgb[k * 3 + 2] = t.data[i * 4 + 2]!;
    k++;
  }
  return { width: t.width, height: t.height, xs, ys, rgb, offsets };
}

/** How many samples the search compares between checks of whether a position can still win. */
const BOUND_EVERY = 32;
/** Margin for the summation's rounding in that check: a position is given up only when it surely cannot win. */
const BOUND_SLACK = 1e-7;

/**
 * The template's soft match at (x0, y0): the share of its samples that the picture matches there. `floor` is the
 * least share that could still matter to the caller: as soon as even all the remaining samples matching could not
 * reach it, the comparison stops and returns a share under it (most positions are nowhere near the product, and are
 * given up after a few dozen samples instead of all of them).
 */
function matchAt(p: Raster, t: Template, x0: number, y0: number, floor = -Infinity): number {
  const n = t.xs.length;
  if (n === 0) return 0;
  const data = p.data;
  const rgb = t.rgb;
  const need = (floor - BOUND_SLACK) * n;
  const inside = x0 >= 0 && y0 >= 0 && x0 + t.width <= p.width && y0 + t.height <= p.height;
  const base = y0 * p.width + x0;
  let hits = 0;
  for (let k = 0; k < n; k++) {
    if (k % BOUND_EVERY === 0 && hits + (n - k) < need) return (hits + (n - k)) / n;
    let o: number;
    if (inside) {
      o = (base + t.offsets[k]!) * 4;
    } else {
      const x = x0 + t.xs[k]!;
      const y = y0 + t.ys[k]!;
      if (x < 0 || y < 0 || x >= p.width || y >= p.height) continue;
      o = (y * p.width + x) * 4;
    }
    const dr = data[o]! - rgb[k * 3]!;
    const dg = data[o + 1]! - rgb[k * 3 + 1]!;
    const db = data[o + 2]! - rgb[k * 3 + 2]!;
    // Soft: a sample counts more the closer it is, so the best alignment stands out of the flat areas around it.
    const d = dr * dr + dg * dg + db * db;
    if (d < SEARCH_TOLERANCE_SQ) hits += 1 - d / SEARCH_TOLERANCE_SQ;
  }
  return hits / n;
}

/**
 * Tries product heights `heights` (level pixels) at positions within `around` (level pixels; the whole frame, the
 * product allowed half out, when absent) on one level of the picture, `k` level pixels per full-resolution pixel.
 */
async function searchLevel(
  p: Raster, k: number, templates: Templates, aspect: number, heights: number[],
  around?: { x: number; y: number; radius: number },
): Promise<Candidate | undefined> {
  let best: Candidate | undefined;
  for (const h of heights) {
    const w = h * aspect;
    if (w < 6 || h < 6) continue;
    const t = await templates.at(w, h, p.width);
    if (t.xs.length < 12) continue;
    const step = around ? 1 : Math.max(1, Math.round(Math.min(w, h) / 16));
    const xr = around ? [Math.round(around.x - around.radius), Math.round(around.x + around.radius)] : [Math.round(-w / 2), Math.round(p.width - w / 2)];
    const yr = around ? [Math.round(around.y - around.radius), Math.round(around.y + around.radius)] : [Math.round(-h / 2), Math.round(p.height - h / 2)];
    for (let y = yr[0]!; y <= yr[1]!; y += step) {
      for (let x = xr[0]!; x <= xr[1]!; x += step) {
        // Only a match within 1e-9 of the best so far can replace it (below).
        const match = matchAt(p, t, x, y, best ? best.match - 1e-9 : -Infinity);
        // Ties go to the larger box: a smaller copy inside a flat product matches as well.
        if (!best || match > best.match + 1e-9 || (match >= best.match - 1e-9 && h / k > best.box.h)) best = { match, box: { x: x / k, y: y / k, w: w / k, h: h / k } };
      }
    }
  }
  return best;
}

function scalesAround(h: number, spread: number, steps: number): number[] {
  return Array.from({ length: steps }, (_, i) => h * (1 - spread + (2 * spread * i) / (steps - 1)));
}

/** Finds the product in the picture: the box, in full-resolution pixels, where the neutral's pixels match best. */
export async function locateProduct(picture: string, neutralFile: string, hint?: Box): Promise<Candidate> {
  const [p, n] = await Promise.all([raster(picture), raster(neutralFile)]);
  return locate(p, n, hint);
}

/** `locateProduct` over pictures already decoded (RGBA, full resolution). */
async function locate(picture: Raster, neutral: Raster, hint?: Box): Promise<Candidate> {
  const aspect = neutral.width / neutral.height;
  const W = picture.width;
  const H = picture.height;
  const templates = new Templates(neutral);
  const levelOf = async (side: number) => {
    const k = Math.min(1, side / Math.max(W, H));
    return { k, p: await resized(picture, { width: W * k, height: H * k }) };
  };

  const refine = await levelOf(REFINE_SIDE);
  const refineAround = (s: Candidate) => searchLevel(refine.p, refine.k, templates, aspect, scalesAround(s.box.h * refine.k, 0.12, 13),
    { x: s.box.x * refine.k, y: s.box.y * refine.k, radius: Math.ceil((REFINE_SIDE / COARSE_SIDE) * 2) });
  let best: Candidate | undefined;
  // The maker's word is checked, not taken: only when the product is really found there is the search of the
  // whole picture spared (it costs about two thirds of the time).
  if (hint) best = await refineAround({ box: hint, match: 0 });
  if (!best || best.match < HINT_TRUSTED_MATCH) {
    const coarse = await levelOf(COARSE_SIDE);
    const ratio = (COARSE_SCALES.max / COARSE_SCALES.min) ** (1 / (COARSE_SCALES.steps - 1));
    const heights = Array.from({ length: COARSE_SCALES.steps }, (_, i) => coarse.p.height * COARSE_SCALES.min * ratio ** i);
    const found = await searchLevel(coarse.p, coarse.k, templates, aspect, heights);
    if (!found && !hint) throw new FidelityInputError('the neutral image has no opaque pixels to look for');
    const c = found && await refineAround(found);
    if (c && (!best || c.match > best.match)) best = c;
  }
  if (refine.k !== 1 && best) {
    const c = await searchLevel(picture, 1, templates, aspect, scalesAround(best.box.h, 0.015, 5),
      { x: best.box.x, y: best.box.y, radius: Math.ceil(1 / refine.k) + 1 });
    if (c && c.match >= best.match) best = c;
  }
  if (!best) throw new FidelityInputError('the neutral image has no opaque pixels to look for');
  return best;
}

/** Scores a scene picture against the product's neutral image and palette. */
export async function scoreFidelity(image: string, neutral: NeutralLike, palette: readonly string[], opts: ScoreOptions = {}): Promise<FidelityScores> {
  if (palette.length === 0) throw new FidelityInputError('the palette is empty');
  const threshold = opts.threshold ?? FIDELITY_DEFAULTS.threshold;
  let picture: Raster;
  let neutralPixels: Raster;
  try {
    [picture, neutralPixels] = await Promise.all([raster(image), raster(neutral.path)]);
  } catch (e) {
    throw new FidelityInputError('the picture or the neutral image cannot be read', e);
  }
  if (!picture.width || !picture.height || !neutralPixels.width || !neutralPixels.height) throw new FidelityInputError('the picture or the neutral image has no size');
  const located = await locate(picture, neutralPixels, opts.hint);
  const box: Box = { x: Math.round(located.box.x), y: Math.round(located.box.y), w: Math.max(1, Math.round(located.box.w)), h: Math.max(1, Math.round(located.box.h)) };
  const n = await resized(neutralPixels, { width: box.w, height: box.h });
  const paletteLab = palette.map(hexLab);

  // The product's pixels on a grid over the box: in frame and matching, and how far from the palette.
  const stride = Math.max(1, Math.floor(Math.sqrt((box.w * box.h) / MAX_MEASURE_PIXELS)));
  let opaque = 0;
  let visible = 0;
  let inFrame = 0;
  let distance = 0;
  let ownDistance = 0;
  for (let j = 0; j < box.h; j += stride) {
    for (let i = 0; i < box.w; i += stride) {
      const o = (j * box.w + i) * 4;
      const a = n.data[o + 3]!;
      if (a < OPAQUE) continue;
      opaque++;
      const own = rgbToLab(n.data[o]!, n.data[o + 1]!, n.data[o + 2]!);
      ownDistance += nearestPalette(own, paletteLab);
      const x = box.x + i;
      const y = box.y + j;
      if (x < 0 || y < 0 || x >= picture.width || y >= picture.height) continue;
      inFrame++;
      const q = (y * picture.width + x) * 4;
      const pr = picture.data[q]!;
      const pg = picture.data[q + 1]!;
      const pb = picture.data[q + 2]!;
      const t = a / 255;
      const here = rgbToLab(pr, pg, pb);
      // Most of the product is fully opaque: what the picture should show there is the neutral's own colour.
      const expected = a === 255 ? own : rgbToLab(t * n.data[o]! + (1 - t) * pr, t * n.data[o + 1]! + (1 - t) * pg, t * n.data[o + 2]! + (1 - t) * pb);
      if (deltaE76Sq(here, expected) <= MATCH_TOLERANCE ** 2) visible++;
      distance += nearestPalette(here, paletteLab);
    }
  }
  const visibleArea = opaque === 0 ? 0 : visible / opaque;
  const colorDistance = inFrame === 0 ? 100 : distance / inFrame;
  const baseline = opaque === 0 ? 0 : ownDistance / opaque;
  const colorTerm = clamp01(1 - Math.max(0, colorDistance - baseline) / COLOR_EXCESS_RANGE);
  const structure = inFrame === 0 ? 0 : await regionSsim(picture, n, box);
  const score = visibleArea * structure * colorTerm;
  return {
    visible_area: round4(visibleArea),
    ssim: round4(structure),
    color_distance: round4(colorDistance),
    score: round4(score),
    passed: score >= threshold,
    box,
  };
}

/** SSIM of the in-frame part of `box` against the neutral composited over the same pixels. */
async function regionSsim(picture: Raster, n: Raster, box: Box): Promise<number> {
  const x0 = Math.max(0, box.x);
  const y0 = Math.max(0, box.y);
  const x1 = Math.min(picture.width, box.x + box.w);
  const y1 = Math.min(picture.height, box.y + box.h);
  const w = x1 - x0;
  const h = y1 - y0;
  if (w < 8 || h < 8) return 0;
  const region = Buffer.alloc(w * h * 4);
  const reference = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const q = ((y0 + y) * picture.width + x0 + x) * 4;
      const o = ((y0 + y - box.y) * box.w + (x0 + x - box.x)) * 4;
      const r = (y * w + x) * 4;
      const t = n.data[o + 3]! / 255;
      for (let c = 0; c < 3; c++) {
        region[r + c] = picture.data[q + c]!;
        reference[r + c] = Math.round(t * n.data[o + c]! + (1 - t) * picture.data[q + c]!);
      }
      region[r + 3] = 255;
      reference[r + 3] = 255;
    }
  }
  const k = Math.min(1, SSIM_SIDE / Math.max(w, h));
  const size = { width: Math.max(8, Math.round(w * k)), height: Math.max(8, Math.round(h * k)) };
  const small = async (buf: Buffer) => raster(sharp(buf, { raw: { width: w, height: h, channels: 4 } }), size);
  const [a, b] = await Promise.all([small(region), small(reference)]);
  const image = (r: Raster) => ({ data: new Uint8ClampedArray(r.data.buffer, r.data.byteOffset, r.data.length), width: r.width, height: r.height });
  return clamp01(ssim(image(a), image(b)).mssim);
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

function round4(v: number): number {
  return Math.round(v * 10000) / 10000;
}
