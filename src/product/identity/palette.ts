import sharp from 'sharp';

/**
 * The product's dominant colours: k-means over the product's own pixels
 * (alpha > 0 of the neutral image, each weighted by its alpha) on a
 * downscaled copy. Deterministic: the first centre is the most common
 * coarse colour and each next one the pixel farthest from the centres so far
 * (weighted), so the same picture always gives the same palette.
 */

/** The copy is at most this many pixels on its longer side. */
const SAMPLE_SIDE = 96;
const CLUSTERS = 6;
const ITERATIONS = 12;
/** Centres nearer than this (RGB distance) are one colour. */
const MERGE_DISTANCE = 28;
/** A colour under this share of the product is left out once three colours are found. */
const MIN_WEIGHT = 0.04;
export const MIN_COLOURS = 3;
export const MAX_COLOURS = 5;

export interface PaletteColour {
  /** `#rrggbb` */
  hex: string;
  /** Its share of the product's pixels (alpha-weighted), 0–1; the colours' weights sum to at most 1. */
  weight: number;
}

type Rgb = [number, number, number];

interface Sample {
  rgb: Rgb;
  w: number;
}

export async function paletteOf(neutral: string): Promise<PaletteColour[]> {
  const { data, info } = await sharp(neutral).ensureAlpha()
    .resize(SAMPLE_SIDE, SAMPLE_SIDE, { fit: 'inside', withoutEnlargement: true, kernel: 'nearest' })
    .raw().toBuffer({ resolveWithObject: true });
  const samples: Sample[] = [];
  for (let i = 0; i < info.width * info.height; i++) {
    const a = data[i * 4 + 3]!;
    if (a > 0) samples.push({ rgb: [data[i * 4]!, data[i * 4 + 1]!, data[i * 4 + 2]!], w: a / 255 });
  }
  return paletteOfSamples(samples);
}

export function paletteOfSamples(samples: readonly Sample[]): PaletteColour[] {
  if (samples.length === 0) return [];
  const total = samples.reduce((s, p) => s + p.w, 0);
  let centres = initialCentres(samples);
  let assignment: Int32Array = new Int32Array(samples.length);
  for (let it = 0; it < ITERATIONS; it++) {
    assignment = assign(samples, centres);
    const sums = centres.map(() => [0, 0, 0, 0]);
    samples.forEach((s, i) => {
      const acc = sums[assignment[i]!]!;
      acc[0]! += s.rgb[0] * s.w; acc[1]! += s.rgb[1] * s.w; acc[2]! += s.rgb[2] * s.w; acc[3]! += s.w;
    });
    centres = centres.map((c, k) => {
      const [r, g, b, w] = sums[k]!;
      return w! > 0 ? [r! / w!, g! / w!, b! / w!] as Rgb : c;
    });
  }
  assignment = assign(samples, centres);
  const weights = centres.map(() => 0);
  samples.forEach((s, i) => { weights[assignment[i]!]! += s.w; });
  const clusters = merge(centres.map((c, k) => ({ rgb: c, w: weights[k]! / total })).filter((c) => c.w > 0));
  clusters.sort((a, b) => b.w - a.w);
  const kept = clusters.filter((c, i) => i < MIN_COLOURS || c.w >= MIN_WEIGHT).slice(0, MAX_COLOURS);
  return kept.map((c) => ({ hex: hexOf(c.rgb), weight: Math.round(c.w * 1000) / 1000 }));
}

function distance2(a: Rgb, b: Rgb): number {
  return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2;
}

function initialCentres(samples: readonly Sample[]): Rgb[] {
  // The most common colour on a 16-level grid starts it.
  const bins = new Map<number, { w: number; sum: Rgb }>();
  for (const s of samples) {
    const key = ((s.rgb[0] >> 4) << 8) | ((s.rgb[1] >> 4) << 4) | (s.rgb[2] >> 4);
    const bin = bins.get(key) ?? { w: 0, sum: [0, 0, 0] };
    bin.w += s.w;
    bin.sum[0] += s.rgb[0] * s.w; bin.sum[1] += s.rgb[1] * s.w; bin.sum[2] += s.rgb[2] * s.w;
    bins.set(key, bin);
  }
  let best: { w: number; sum: Rgb } | undefined;
  for (const [, bin] of [...bins.entries()].sort((a, b) => a[0] - b[0])) if (!best || bin.w > best.w) best = bin;
  const centres: Rgb[] = [[best!.sum[0] / best!.w, best!.sum[1] / best!.w, best!.sum[2] / best!.w]];
  while (centres.length < CLUSTERS) {
    let far = -1;
    let farScore = 0;
    samples.forEach((s, i) => {
      const d = Math.min(...centres.map((c) => distance2(c, s.rgb))) * s.w;
      if (d > farScore) { farScore = d; far = i; }
    });
    if (far < 0) break;
    centres.push([...samples[far]!.rgb]);
  }
  return centres;
}

function assign(samples: readonly Sample[], centres: readonly Rgb[]): Int32Array {
  const out = new Int32Array(samples.length);
  samples.forEach((s, i) => {
    let best = 0;
    let bestD = Infinity;
    centres.forEach((c, k) => {
      const d = distance2(c, s.rgb);
      if (d < bestD) { bestD = d; best = k; }
    });
    out[i] = best;
  });
  return out;
}

function merge(clusters: Array<{ rgb: Rgb; w: number }>): Array<{ rgb: Rgb; w: number }> {
  const out: Array<{ rgb: Rgb; w: number }> = [];
  for (const c of [...clusters].sort((a, b) => b.w - a.w)) {
    const near = out.find((o) => distance2(o.rgb, c.rgb) < MERGE_DISTANCE ** 2);
    if (!near) {
      out.push({ rgb: [...c.rgb], w: c.w });
      continue;
    }
    const w = near.w + c.w;
    near.rgb = [0, 1, 2].map((i) => (near.rgb[i]! * near.w + c.rgb[i]! * c.w) / w) as Rgb;
    near.w = w;
  }
  return out;
}

function hexOf(rgb: Rgb): string {
  return `#${rgb.map((v) => Math.round(Math.max(0, Math.min(255, v))).toString(16).padStart(2, '0')).join('')}`;
}
