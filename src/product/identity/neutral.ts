import sharp from 'sharp';
import type { NeutralImage } from '../types.ts';

/**
 * The neutral image of a product photo: what every output shows the product
 * as.
 *
 * The background is estimated from a strip along the photo's borders. When
 * it is plain (one colour, little variance; a gentle top-to-bottom studio
 * sweep counts as plain, so the background is modelled per row between the
 * top and bottom strips' medians), the product is cut out:
 * - each pixel's distance from the background colour of its row is measured;
 * - the background is what a flood fill from every border pixel reaches
 *   through pixels near that colour, so a cream logo inside a teal body stays
 *   product even though it is as light as the backdrop;
 * - background pixels get an alpha that ramps with the distance (the soft
 *   edge), and their colour has the background taken out of it, so an edge
 *   keeps no halo of the old backdrop;
 * - under the product's base, the backdrop in shadow (its own colour darkened,
 *   with no colour of its own) becomes a black shadow of that strength, so
 *   the studio's grey floor does not come along as a pale disc;
 * - the result is trimmed to the product (solid pixels) and padded evenly.
 *
 * A plain border around a full rectangle is a mat or a letterbox, not a
 * backdrop: when what the cut keeps fills its own box almost entirely and
 * most of the photo, the photo is treated as busy.
 *
 * On a busy background nothing is cut: the photo is trimmed of uniform
 * borders, its exposure normalised, and centred on a canvas no further than
 * 5:4 from square, over a blurred, dimmed widening of itself.
 */

/** Border strip width, as a share of the shorter side. */
const BORDER_SHARE = 0.02;
const MIN_BORDER_PX = 2;
/** A background is plain when 95% of its border pixels are within this distance (RGB, 0–441) of its row's colour. */
const PLAIN_P95 = 24;
/** The flood fill goes through pixels nearer the background than this. */
export const FILL_DISTANCE = 44;
/** Within the background, alpha ramps from 0 at this distance to 1 at FILL_DISTANCE. */
const CLEAR_DISTANCE = 16;
/**
 * The backdrop in shadow: a pixel whose colour is the background scaled by k (SHADOW_MIN_LIGHT ≤ k ≤ 1) to within
 * SHADOW_RESIDUAL, reached from the borders. Darker than that is taken for the product (a black lid, a dark sole).
 */
const SHADOW_MIN_LIGHT = 0.45;
const SHADOW_RESIDUAL = 10;
/** Shadows are looked for from this share of the product's height down (the floor it stands on). */
const SHADOW_FLOOR_SHARE = 0.88;
/** A kept shadow's opacity per unit of darkening. */
const SHADOW_STRENGTH = 1;
/** Pixels at least this opaque are the product when trimming. */
const SOLID_ALPHA = 128;
/** Padding around the product, as a share of its longer side. */
const PAD_SHARE = 0.06;
/** A framed copy's canvas is no further from square than this (width over height, and its inverse). */
const MAX_FRAME_ASPECT = 5 / 4;
/** A cut keeping at least this share of its box solid, over at least MAT_AREA of the photo, cut a picture out of its mat. */
const MAT_FILL = 0.98;
const MAT_AREA = 0.4;
/** How a framed copy's margins are blurred and dimmed. */
const FRAME_BLUR_SIGMA = 24;
const FRAME_DIM = 0.85;
/** `sharp.trim` threshold for uniform borders of a framed copy. */
const TRIM_THRESHOLD = 12;

/** Where a made file goes: scratch space, then the content-addressed store. */
export interface NeutralFiles {
  scratch(ext: string): Promise<string>;
  put(file: string): Promise<{ path: string; hash: string }>;
}

export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

export type Rgb = [number, number, number];

/** The background as estimated from the borders: a colour per row, and whether it is plain. */
export interface Background {
  top: Rgb;
  bottom: Rgb;
  plain: boolean;
  /** 95th percentile of the border pixels' distance from their row's colour. */
  spread: number;
}

export interface Cutout {
  /** RGBA, trimmed and padded. */
  data: Buffer;
  width: number;
  height: number;
  /** The product's solid pixels in the result: equal margins on every side, up to rounding. */
  box: { x: number; y: number; w: number; h: number };
  /** Where that box was in the photo: a photo pixel (x, y) is at (x − source.x + box.x, y − source.y + box.y). */
  source: { x: number; y: number; w: number; h: number };
}

/** Makes the neutral image of one photo and stores it. */
export async function makeNeutralImage(photo: string, source: string, files: NeutralFiles): Promise<NeutralImage> {
  const image = await decodeRgb(photo);
  const background = estimateBackground(image);
  const out = await files.scratch('.png');
  let width: number;
  let height: number;
  // Whether it is a mat is judged on the plain cut: a picture's own greys near its bottom would read as a floor shadow.
  const plainCut = background.plain ? cutOut(image, background) : undefined;
  const cutout = plainCut !== undefined && !isMat(plainCut, image);
  const cut = cutout ? cutOut(image, background, { shadows: true }) : undefined;
  if (cut) {
    await sharp(cut.data, { raw: { width: cut.width, height: cut.height, channels: 4 } }).png().toFile(out);
    ({ width, height } = cut);
  } else {
    ({ width, height } = await framedCopy(photo, out));
  }
  const stored = await files.put(out);
  return { path: stored.path, hash: stored.hash, width, height, cutout, source };
}

/** Whether a cut kept a full rectangle covering much of the photo: a picture in a mat, not a product on a backdrop. */
export function isMat(cut: Pick<Cutout, 'data' | 'width' | 'box'>, photo: RgbImage): boolean {
  const { x, y, w, h } = cut.box;
  let solid = 0;
  for (let row = y; row < y + h; row++) {
    for (let col = x; col < x + w; col++) if (cut.data[(row * cut.width + col) * 4 + 3]! >= SOLID_ALPHA) solid++;
  }
  return solid / (w * h) >= MAT_FILL && (w * h) / (photo.width * photo.height) >= MAT_AREA;
}

export async function decodeRgb(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).rotate().flatten({ background: '#ffffff' }).removeAlpha().raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function borderWidth(image: RgbImage): number {
  return Math.max(MIN_BORDER_PX, Math.round(Math.min(image.width, image.height) * BORDER_SHARE));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function medianColour(image: RgbImage, y0: number, y1: number): Rgb {
  const channels: [number[], number[], number[]] = [[], [], []];
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 3;
      for (let c = 0; c < 3; c++) channels[c]!.push(image.data[i + c]!);
    }
  }
  return [median(channels[0]), median(channels[1]), median(channels[2])];
}

function rowColour(bg: Background, y: number, height: number): Rgb {
  const t = height <= 1 ? 0 : y / (height - 1);
  return [0, 1, 2].map((c) => bg.top[c]! + (bg.bottom[c]! - bg.top[c]!) * t) as Rgb;
}

export function estimateBackground(image: RgbImage): Background {
  const b = borderWidth(image);
  const { width, height, data } = image;
  const top = medianColour(image, 0, b);
  const bottom = medianColour(image, height - b, height);
  const partial: Background = { top, bottom, plain: false, spread: 0 };
  const distances: number[] = [];
  for (let y = 0; y < height; y++) {
    const edgeRow = y < b || y >= height - b;
    const row = rowColour(partial, y, height);
    for (let x = 0; x < width; x++) {
      if (!edgeRow && x >= b && x < width - b) continue;
      const i = (y * width + x) * 3;
      distances.push(Math.hypot(data[i]! - row[0], data[i + 1]! - row[1], data[i + 2]! - row[2]));
    }
  }
  distances.sort((p, q) => p - q);
  const spread = distances[Math.floor(distances.length * 0.95)]!;
  // The sweep from top to bottom must be gentle too: a photo split into two colours is not a plain backdrop.
  const sweep = Math.hypot(top[0] - bottom[0], top[1] - bottom[1], top[2] - bottom[2]);
  return { top, bottom, spread, plain: spread <= PLAIN_P95 && sweep <= FILL_DISTANCE };
}

/** The product cut out of a plain background, trimmed and padded (see the header). */
export function cutOut(image: RgbImage, bg: Background, opts: { shadows?: boolean } = {}): Cutout {
  const rows: Rgb[] = [];
  for (let y = 0; y < image.height; y++) rows.push(rowColour(bg, y, image.height));
  const matte = cutMatte(image, rows, opts);
  return padEvenly(matte.data, image.width, matte.box);
}

/** What `cutMatte` gives: RGBA at the photo's own size and place, and the box of its solid pixels. */
export interface Matte {
  data: Buffer;
  width: number;
  height: number;
  box: { x: number; y: number; w: number; h: number };
}

/**
 * The cut itself, at the photo's own size (no trim, no padding), against a backdrop colour per row (`rows`, one per
 * row of the photo): the flood from the borders, the soft edge with the backdrop taken out of it, and with
 * `shadows` the floor shadow under the subject's base (see the header). Nothing standing out keeps the whole photo.
 */
export function cutMatte(image: RgbImage, rows: readonly Rgb[], opts: { shadows?: boolean } = {}): Matte {
  const { width, height, data } = image;
  const n = width * height;
  const distance = new Float32Array(n);
  for (let y = 0; y < height; y++) {
    const row = rows[y]!;
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const i = p * 3;
      distance[p] = Math.hypot(data[i]! - row[0], data[i + 1]! - row[1], data[i + 2]! - row[2]);
    }
  }
  const shadow = opts.shadows ? shadowRatios(data, rows, width, height) : new Float32Array(n);
  // A shadow lies on the floor: only under the product's base (found first without shadows) is the darkened
  // backdrop taken for one, so the shaded edge of a pale band round a mug stays part of the mug.
  const base = opts.shadows ? solidBottom(floodFromBorders(distance, width, height, new Float32Array(n)), width, height) : undefined;
  if (base) shadow.fill(0, 0, Math.max(0, base.top + Math.floor(base.height * SHADOW_FLOOR_SHARE)) * width);
  const background = floodFromBorders(distance, width, height, shadow);
  const rgba = Buffer.alloc(n * 4);
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y++) {
    const row = rows[y]!;
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const i = p * 3;
      const o = p * 4;
      if (background[p] && shadow[p]! > 0 && distance[p]! > CLEAR_DISTANCE) {
        // A shadow on the backdrop: the backdrop darkened, kept as black at the darkening's strength, so it lays on
        // whatever the product is set over instead of showing the studio's grey.
        rgba[o + 3] = Math.round(Math.min(1, (1 - shadow[p]!) * SHADOW_STRENGTH) * 255);
        continue;
      }
      const alpha = background[p] ? ramp(distance[p]!) : 1;
      for (let c = 0; c < 3; c++) {
        // Take the backdrop out of a part-transparent pixel: p = a·f + (1 − a)·bg.
        const value = alpha >= 1 ? data[i + c]! : alpha <= 0 ? row[c]! : (data[i + c]! - (1 - alpha) * row[c]!) / alpha;
        rgba[o + c] = clampByte(value);
      }
      const a = Math.round(alpha * 255);
      rgba[o + 3] = a;
      if (a >= SOLID_ALPHA) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  if (maxX < 0) {
    // Nothing stands out of the backdrop: keep the whole photo rather than an empty picture.
    minX = 0; minY = 0; maxX = width - 1; maxY = height - 1;
    for (let p = 0; p < n; p++) rgba[p * 4 + 3] = 255;
  }
  return { data: rgba, width, height, box: { x: minX, y: minY, w: maxX - minX + 1, h: maxY - minY + 1 } };
}

function ramp(d: number): number {
  if (d <= CLEAR_DISTANCE) return 0;
  if (d >= FILL_DISTANCE) return 1;
  return (d - CLEAR_DISTANCE) / (FILL_DISTANCE - CLEAR_DISTANCE);
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** The rows the product's solid pixels span (what no flood from the borders reached). */
function solidBottom(background: Uint8Array, width: number, height: number): { top: number; height: number } | undefined {
  let first = -1;
  let last = -1;
  for (let y = 0; y < height; y++) {
    const row = background.subarray(y * width, (y + 1) * width);
    if (row.includes(0)) {
      if (first < 0) first = y;
      last = y;
    }
  }
  return first < 0 ? undefined : { top: first, height: last - first + 1 };
}

/**
 * For each pixel that looks like the backdrop in shadow (its colour the row's background scaled down, with no
 * colour of its own), how much light is left (0–1); 0 for every other pixel.
 */
function shadowRatios(data: Buffer, rows: readonly Rgb[], width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = rows[y]!;
    const norm = row[0] * row[0] + row[1] * row[1] + row[2] * row[2];
    if (norm === 0) continue;
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const i = p * 3;
      const r = data[i]!, g = data[i + 1]!, b = data[i + 2]!;
      const k = (r * row[0] + g * row[1] + b * row[2]) / norm;
      if (k < SHADOW_MIN_LIGHT || k > 1) continue;
      const residual = Math.hypot(r - k * row[0], g - k * row[1], b - k * row[2]);
      if (residual <= SHADOW_RESIDUAL) out[p] = k;
    }
  }
  return out;
}

/**
 * Pixels connected to the border through pixels nearer the background than FILL_DISTANCE, or through the
 * backdrop in shadow (4-connected).
 */
function floodFromBorders(distance: Float32Array, width: number, height: number, shadow: Float32Array): Uint8Array {
  const seen = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  let top = 0;
  const push = (p: number) => {
    if (seen[p] || (distance[p]! >= FILL_DISTANCE && shadow[p] === 0)) return;
    seen[p] = 1;
    stack[top++] = p;
  };
  for (let x = 0; x < width; x++) {
    push(x);
    push((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    push(y * width);
    push(y * width + width - 1);
  }
  while (top > 0) {
    const p = stack[--top]!;
    const x = p % width;
    if (x > 0) push(p - 1);
    if (x < width - 1) push(p + 1);
    if (p >= width) push(p - width);
    if (p < width * (height - 1)) push(p + width);
  }
  return seen;
}

/** Crops RGBA to `box` and pads it with transparency by the same margin on every side. */
function padEvenly(rgba: Buffer, width: number, box: { x: number; y: number; w: number; h: number }): Cutout {
  const margin = Math.max(1, Math.round(Math.max(box.w, box.h) * PAD_SHARE));
  const outW = box.w + 2 * margin;
  const outH = box.h + 2 * margin;
  const out = Buffer.alloc(outW * outH * 4);
  for (let y = 0; y < box.h; y++) {
    const from = ((box.y + y) * width + box.x) * 4;
    rgba.copy(out, ((y + margin) * outW + margin) * 4, from, from + box.w * 4);
  }
  return { data: out, width: outW, height: outH, box: { x: margin, y: margin, w: box.w, h: box.h }, source: box };
}

/** A busy photo, trimmed of uniform borders, exposure normalised, centred on a canvas near square. */
async function framedCopy(photo: string, out: string): Promise<{ width: number; height: number }> {
  const trimmed = await sharp(photo).rotate().flatten({ background: '#ffffff' }).removeAlpha()
    .trim({ threshold: TRIM_THRESHOLD }).normalise().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = trimmed.info;
  const image: RgbImage = { data: trimmed.data, width, height };
  const targetW = Math.max(width, Math.ceil(height / MAX_FRAME_ASPECT));
  const targetH = Math.max(height, Math.ceil(width / MAX_FRAME_ASPECT));
  const left = Math.floor((targetW - width) / 2);
  const top = Math.floor((targetH - height) / 2);
  const raw = { raw: { width, height, channels: 3 as const } };
  // The margins show the photo itself, widened and blurred: a flat fill reads as a letterbox.
  const backdrop = await sharp(image.data, raw).resize(targetW, targetH, { fit: 'cover' }).blur(FRAME_BLUR_SIGMA).modulate({ brightness: FRAME_DIM })
    .raw().toBuffer();
  await sharp(backdrop, { raw: { width: targetW, height: targetH, channels: 3 } })
    .composite([{ input: image.data, ...raw, left, top }])
    .png().toFile(out);
  return { width: targetW, height: targetH };
}
