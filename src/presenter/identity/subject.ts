import sharp from 'sharp';
import { FILL_DISTANCE, type RgbImage } from '../../product/identity/neutral.ts';
import type { Box } from '../types.ts';

/**
 * Where the people in a photo are: the subject separated from the backdrop,
 * then the connected regions of what is left, largest first.
 *
 * The photo is looked at scaled down (`ANALYSIS_SIDE` on its longer side):
 * regions are large, and the flood and the labelling stay cheap.
 * - A plain backdrop is estimated as the product neutral's is, from the
 *   borders, but from the top and the sides only: a portrait's bottom edge is
 *   the subject's shirt. Each row's colour is the median of the side strips
 *   around it (a studio sweep darkens downwards). The backdrop is what a
 *   flood from the top and sides reaches through pixels near their row's
 *   colour (`FILL_DISTANCE`, as the product cutout); the rest is foreground,
 *   even where it touches the bottom edge.
 * - On a busy backdrop the foreground is what stands out: local contrast of
 *   the luminance against a blurred copy, over a threshold set from its own
 *   spread, closed up by a blur of the mask.
 * Regions smaller than `MIN_REGION_SHARE` of the picture are specks, not subjects.
 */

export const ANALYSIS_SIDE = 256;
export const MIN_REGION_SHARE = 0.01;
/** Saliency: the blurred copy's sigma, in analysis pixels, and how far above the mean contrast counts. */
const SALIENCY_SIGMA = 12;
const SALIENCY_SPREAD = 1.5;
const MASK_CLOSE_SIGMA = 4;
const MASK_CLOSE_LEVEL = 40;
/** Regions this close (a share of the picture's height) one above the other are one subject. */
const STACK_GAP = 0.05;
/** Border strip width, as a share of the shorter side, and the rows either side a row's colour is taken over. */
const BORDER_SHARE = 0.03;
const ROW_WINDOW_SHARE = 0.04;
/** A backdrop is plain when 95 % of its top and side border pixels are within this distance (RGB) of their row's colour. */
const PLAIN_P95 = 24;

export interface Region {
  /** In the photo's own pixels. */
  box: Box;
  /** Share of the picture's area. */
  share: number;
  /** Head centre across, in the photo's pixels: the middle of the region's top rows. */
  topCentreX: number;
  /** Median width of the region's top rows (its head), in the photo's pixels. */
  topWidth: number;
}

export interface Subjects {
  plain: boolean;
  /** Largest first. */
  regions: Region[];
}

export async function findSubjects(photo: string): Promise<Subjects> {
  const meta = await sharp(photo).rotate().metadata();
  const { data, info } = await sharp(photo).rotate().flatten({ background: '#ffffff' }).removeAlpha()
    .resize(ANALYSIS_SIDE, ANALYSIS_SIDE, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
  const image: RgbImage = { data, width: info.width, height: info.height };
  const backdrop = estimateBackdrop(image);
  const mask = backdrop.plain ? plainMask(image, backdrop.rows) : await salientMask(image);
  const width = meta.autoOrient?.width ?? meta.width ?? info.width;
  const scale = width / info.width;
  return { plain: backdrop.plain, regions: regionsOf(mask, info.width, info.height, scale) };
}

type Rgb = [number, number, number];

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] ?? 0;
}

/** Each row's backdrop colour from the side strips (the top strip for the rows it covers), and whether it is plain. */
export function estimateBackdrop(image: RgbImage): { rows: Rgb[]; plain: boolean } {
  const { width, height, data } = image;
  const b = Math.max(2, Math.round(Math.min(width, height) * BORDER_SHARE));
  const win = Math.max(1, Math.round(height * ROW_WINDOW_SHARE));
  const at = (x: number, y: number, c: number) => data[(y * width + x) * 3 + c]!;
  const rows: Rgb[] = [];
  for (let y = 0; y < height; y++) {
    const colour: number[] = [];
    for (let c = 0; c < 3; c++) {
      const values: number[] = [];
      for (let yy = Math.max(0, y - win); yy <= Math.min(height - 1, y + win); yy++) {
        for (let x = 0; x < b; x++) values.push(at(x, yy, c), at(width - 1 - x, yy, c));
        if (yy < b) for (let x = b; x < width - b; x++) values.push(at(x, yy, c));
      }
      colour.push(median(values));
    }
    rows.push(colour as Rgb);
  }
  const distances: number[] = [];
  for (let y = 0; y < height; y++) {
    const row = rows[y]!;
    for (let x = 0; x < width; x++) {
      if (y >= b && x >= b && x < width - b) continue;
      if (y >= height - b) continue;
      distances.push(Math.hypot(at(x, y, 0) - row[0], at(x, y, 1) - row[1], at(x, y, 2) - row[2]));
    }
  }
  distances.sort((p, q) => p - q);
  return { rows, plain: distances[Math.floor(distances.length * 0.95)]! <= PLAIN_P95 };
}

function plainMask(image: RgbImage, rows: readonly Rgb[]): Uint8Array {
  const { width, height, data } = image;
  const near = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = rows[y]!;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      near[y * width + x] = Math.hypot(data[i]! - row[0]!, data[i + 1]! - row[1]!, data[i + 2]! - row[2]!) < FILL_DISTANCE ? 1 : 0;
    }
  }
  // Background: near pixels reached from the border; everything else is foreground.
  const reached = new Uint8Array(width * height);
  const stack: number[] = [];
  const push = (p: number) => {
    if (!near[p] || reached[p]) return;
    reached[p] = 1;
    stack.push(p);
  };
  for (let x = 0; x < width; x++) push(x);
  for (let y = 0; y < height; y++) { push(y * width); push(y * width + width - 1); }
  while (stack.length > 0) {
    const p = stack.pop()!;
    const x = p % width;
    if (x > 0) push(p - 1);
    if (x < width - 1) push(p + 1);
    if (p >= width) push(p - width);
    if (p < width * (height - 1)) push(p + width);
  }
  return reached.map((r) => (r ? 0 : 1));
}

async function salientMask(image: RgbImage): Promise<Uint8Array> {
  const { width, height, data } = image;
  const raw = { raw: { width, height, channels: 3 as const } };
  const grey = await sharp(data, raw).greyscale().raw().toBuffer();
  const blurred = await sharp(data, raw).greyscale().blur(SALIENCY_SIGMA).raw().toBuffer();
  const contrast = new Float32Array(width * height);
  let sum = 0;
  for (let p = 0; p < contrast.length; p++) sum += contrast[p] = Math.abs(grey[p * (grey.length / contrast.length)]! - blurred[p * (blurred.length / contrast.length)]!);
  const mean = sum / contrast.length;
  let sq = 0;
  for (const c of contrast) sq += (c - mean) ** 2;
  const threshold = mean + SALIENCY_SPREAD * Math.sqrt(sq / contrast.length);
  const salient = Buffer.from(Array.from(contrast, (c) => (c > threshold ? 255 : 0)));
  const closed = await sharp(salient, { raw: { width, height, channels: 1 } }).blur(MASK_CLOSE_SIGMA).raw().toBuffer();
  return Uint8Array.from(closed, (v) => (v > MASK_CLOSE_LEVEL ? 1 : 0));
}

/** 8-connected regions of `mask`, largest first, with their boxes scaled back to the photo. */
function regionsOf(mask: Uint8Array, width: number, height: number, scale: number): Region[] {
  const label = new Int32Array(width * height);
  const groups: number[][] = [];
  let next = 0;
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || label[start]) continue;
    next += 1;
    const pixels: number[] = [start];
    label[start] = next;
    for (let k = 0; k < pixels.length; k++) {
      const p = pixels[k]!;
      const x = p % width;
      const y = (p - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx, ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const q = ny * width + nx;
          if (mask[q] && !label[q]) { label[q] = next; pixels.push(q); }
        }
      }
    }
    groups.push(pixels);
  }
  return mergeStacked(groups, width, height)
    .filter((pixels) => pixels.length / mask.length >= MIN_REGION_SHARE)
    .map((pixels) => describe(pixels, width, pixels.length / mask.length, scale))
    .sort((a, b) => b.share - a.share);
}

/**
 * One person may come apart where the backdrop's colour runs through them (a pale neck on a pale wall): a region
 * whose bottom is within `STACK_GAP` of another's top, and whose centre is over it, is part of it (a head on its
 * shoulders). Side-by-side regions are never merged.
 */
function mergeStacked(groups: number[][], width: number, height: number): number[][] {
  const span = (pixels: readonly number[]) => {
    let minX = Infinity, maxX = -1, minY = Infinity, maxY = -1;
    for (const p of pixels) {
      const x = p % width, y = (p - x) / width;
      minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
    }
    return { minX, maxX, minY, maxY };
  };
  const merged = groups.map((g) => [...g]);
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = 0; i < merged.length && !changed; i++) {
      for (let j = 0; j < merged.length && !changed; j++) {
        if (i === j) continue;
        const upper = span(merged[i]!), lower = span(merged[j]!);
        const centre = (upper.minX + upper.maxX) / 2;
        if (upper.maxY < lower.minY && lower.minY - upper.maxY <= STACK_GAP * height && centre >= lower.minX && centre <= lower.maxX && upper.minY < lower.minY) {
          merged[j] = merged[j]!.concat(merged[i]!);
          merged.splice(i, 1);
          changed = true;
        }
      }
    }
  }
  return merged;
}

function describe(pixels: readonly number[], width: number, share: number, scale: number): Region {
  let minX = Infinity, minY = Infinity, maxX = -1, maxY = -1;
  const rows = new Map<number, { min: number; max: number }>();
  for (const p of pixels) {
    const x = p % width;
    const y = (p - x) / width;
    minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
    const row = rows.get(y);
    if (row) { row.min = Math.min(row.min, x); row.max = Math.max(row.max, x); } else rows.set(y, { min: x, max: x });
  }
  // The head: the rows in the top fifth of the region (a head-and-shoulders figure's top is its head).
  const topRows = [...rows.entries()].filter(([y]) => y <= minY + (maxY - minY) * 0.2).map(([, r]) => r);
  const widths = topRows.map((r) => r.max - r.min + 1).sort((a, b) => a - b);
  const centres = topRows.map((r) => (r.min + r.max + 1) / 2);
  return {
    box: { x: minX * scale, y: minY * scale, w: (maxX - minX + 1) * scale, h: (maxY - minY + 1) * scale },
    share,
    topCentreX: (centres.reduce((s, c) => s + c, 0) / centres.length) * scale,
    topWidth: widths[Math.floor(widths.length * 0.75)]! * scale,
  };
}
