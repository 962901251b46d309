import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createCanvas, GlobalFonts, loadImage, type Image, type SKRSContext2D } from '@napi-rs/canvas';
import { bundledFonts } from '../../adapters/fonts.ts';
import { SlotflowError } from '../../core/errors.ts';
import { seededRandom, type Random } from '../../core/random.ts';
import { LAYOUTS, type Box } from '../types.ts';
import { boxesOverlap, type ImageCapability, type SceneImage, type SceneImageRequest } from './image.ts';

/**
 * The offline image adapter: a scene picture composed from the neutral image
 * with no model. The backdrop is made from the product's palette and the
 * background's words (a tone per known word, a gradient, a soft light whose
 * angle the seed picks, a floor and the product's shadow). No picture is set
 * behind the product: a dimmed illustration cut by the frame read as a stray
 * sticker, not as a set. Then the layout places
 * the product and the text:
 *
 * - `hero`: the product large and centred, the headline above it;
 * - `close-up`: the product scaled past the frame, cropped at the bottom (or,
 *   with a caption, at one side) by at most `CLOSE_UP_CROP`, so its top, where
 *   a label or a face usually is, stays in frame;
 * - `callout`: the product on one side, the headline and two or three labels
 *   on the other, each with a leader line to a point on the product;
 * - `split`: two panels, the product on one, a colour block with the headline
 *   on the other.
 *
 * Text is placed after the product and never overlaps its box; a caption band
 * is reserved before the product is placed.
 */

export const OFFLINE_IMAGE_PROVIDER = 'offline-compose';

/** Share of the frame's short side left as margin. */
const MARGIN = 0.05;
/** Height of the headline band, as a share of the frame height, by orientation. */
const HEADLINE_BAND = { landscape: 0.17, portrait: 0.13, square: 0.15 } as const;
/** Height of a caption band, as a share of the frame height. */
const CAPTION_BAND = 0.11;
/** How much of its area the product fills in the hero layout. */
const HERO_FILL = 0.9;
/** The share of the close-up's product left out of frame. */
const CLOSE_UP_CROP = 0.18;
/** The product panel's share of the width in the callout and split layouts (landscape and square). */
const CALLOUT_PRODUCT_SHARE = 0.54;
/** The seed's jitter of the product position, as a share of the frame. */
const JITTER = 0.02;

/** Backdrop tones for words a background description often uses. */
const BACKDROP_TONES: Readonly<Record<string, string>> = {
  studio: '#eceef1', white: '#f6f6f4', minimal: '#f1f1ef', marble: '#e9e6e0', concrete: '#b9b8b3', stone: '#c9c4bb',
  kitchen: '#f2e6d2', wood: '#c9a27a', wooden: '#c9a27a', warm: '#f5d9b7', morning: '#fbe8c8', sunrise: '#f9d3a5',
  sunset: '#f2a36b', golden: '#f1cf8a', beach: '#f0dfb8', sand: '#e9d3a6', desert: '#e3bf8c', ocean: '#9fc8df',
  sea: '#9fc8df', water: '#a9d2e6', sky: '#bfdcf2', blue: '#c5d8ee', forest: '#9ec29b', nature: '#b5d3a6',
  garden: '#b9daa9', green: '#c3dfc0', leaf: '#b7d5a0', spring: '#d8ecc4', autumn: '#e3b07c', winter: '#e2ecf4',
  snow: '#eef3f8', night: '#1e2842', dark: '#23262c', neon: '#3b1d5e', city: '#8f9aaa', urban: '#8f9aaa',
  pastel: '#f3d7e4', pink: '#f6d3df', cosy: '#ecd2b6', cozy: '#ecd2b6', office: '#dfe3e8', desk: '#e4ddd2',
  gym: '#cfd4da', bathroom: '#e6eef0', spa: '#dcebe6', cafe: '#dcc3a5', coffee: '#cfae8c',
};

/** The words the backdrop knows a tone for: a prompt's words among them are folded into scene backgrounds. */
export function backdropWords(): string[] {
  return Object.keys(BACKDROP_TONES);
}


/** A request the composer cannot make a picture from: refused before any drawing. */
export class SceneImageRequestError extends SlotflowError {
  override name = 'SceneImageRequestError';
  constructor(readonly field: string, message: string) {
    super(message, { code: 'invalid-scene-image-request' });
  }
}

const HEX = /^#[0-9a-f]{6}$/i;

export function checkSceneImageRequest(req: SceneImageRequest): void {
  if (!LAYOUTS.includes(req.layout)) throw new SceneImageRequestError('layout', `unknown layout "${String(req.layout)}"; one of ${LAYOUTS.join(', ')}`);
  for (const [field, v] of [['width', req.width], ['height', req.height]] as const) {
    if (!Number.isInteger(v) || v < 64 || v > 4096) throw new SceneImageRequestError(field, `${field} must be a whole number of pixels from 64 to 4096`);
  }
  if (!(req.neutral.width > 0 && req.neutral.height > 0)) throw new SceneImageRequestError('neutral', 'the neutral image has no size');
  if (req.palette.length === 0 || !req.palette.every((c) => HEX.test(c))) throw new SceneImageRequestError('palette', 'the palette must hold at least one #rrggbb colour');
  if (!Number.isFinite(req.seed)) throw new SceneImageRequestError('seed', 'the seed must be a number');
}

type Rgb = [number, number, number];

export function hexToRgb(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function css([r, g, b]: Rgb, alpha = 1): string {
  return alpha === 1 ? `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})` : `rgba(${Math.round(r)},${Math.round(g)},${Math.round(b)},${alpha})`;
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function luminance([r, g, b]: Rgb): number {
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];
const INK: Rgb = [28, 28, 32];

function inkOn(bg: Rgb): Rgb {
  return luminance(bg) > 0.55 ? INK : WHITE;
}

function wordsOf(text: string): string[] {
  return text.toLowerCase().split(/[^a-z]+/).filter((w) => w.length > 0);
}

type Orientation = keyof typeof HEADLINE_BAND;

function orientationOf(width: number, height: number): Orientation {
  if (width > height * 1.2) return 'landscape';
  if (height > width * 1.2) return 'portrait';
  return 'square';
}

/** The largest box of `aspect` (width over height) inside `area` scaled by `fill`, centred in it. */
function fitBox(area: Box, aspect: number, fill: number): Box {
  let w = area.w * fill;
  let h = w / aspect;
  if (h > area.h * fill) {
    h = area.h * fill;
    w = h * aspect;
  }
  return { x: area.x + (area.w - w) / 2, y: area.y + (area.h - h) / 2, w, h };
}

function rounded(b: Box): Box {
  return { x: Math.round(b.x), y: Math.round(b.y), w: Math.round(b.w), h: Math.round(b.h) };
}

interface TextLayout {
  lines: string[];
  size: number;
  lineHeight: number;
  /** The box the lines take, aligned in the box they were fitted to. */
  box: Box;
}

/** Breaks `text` into at most `maxLines` lines that fit `box`, from `maxSize` down. */
function fitText(ctx: SKRSContext2D, text: string, box: Box, maxSize: number, maxLines: number, weight: 'bold' | 'normal', align: 'left' | 'center' | 'right'): TextLayout {
  const words = text.trim().split(/\s+/);
  const minSize = Math.max(10, maxSize * 0.35);
  for (let size = maxSize; ; size = Math.max(minSize, size * 0.92)) {
    ctx.font = `${weight} ${size}px "${FONT}"`;
    const lines: string[] = [];
    let current = '';
    for (const word of words) {
      const next = current ? `${current} ${word}` : word;
      if (ctx.measureText(next).width <= box.w || !current) current = next;
      else {
        lines.push(current);
        current = word;
      }
    }
    if (current) lines.push(current);
    const lineHeight = size * 1.18;
    const widest = Math.max(...lines.map((l) => ctx.measureText(l).width));
    const fits = lines.length <= maxLines && lines.length * lineHeight <= box.h && widest <= box.w;
    if (fits || size === minSize) {
      const shown = lines.slice(0, maxLines);
      const w = Math.min(box.w, widest);
      const h = Math.min(box.h, shown.length * lineHeight);
      const x = align === 'left' ? box.x : align === 'right' ? box.x + box.w - w : box.x + (box.w - w) / 2;
      return { lines: shown, size, lineHeight, box: { x, y: box.y + (box.h - h) / 2, w, h } };
    }
  }
}

function drawText(ctx: SKRSContext2D, t: TextLayout, color: Rgb, weight: 'bold' | 'normal', align: 'left' | 'center' | 'right'): void {
  ctx.font = `${weight} ${t.size}px "${FONT}"`;
  ctx.fillStyle = css(color);
  ctx.textBaseline = 'middle';
  ctx.textAlign = align;
  const x = align === 'left' ? t.box.x : align === 'right' ? t.box.x + t.box.w : t.box.x + t.box.w / 2;
  t.lines.forEach((line, i) => ctx.fillText(line, x, t.box.y + t.lineHeight * (i + 0.5)));
}

const FONT = 'Slotflow Sans';
let fontsReady = false;

function ensureFonts(): void {
  if (fontsReady) return;
  const fonts = bundledFonts();
  GlobalFonts.registerFromPath(fonts.regular, FONT);
  GlobalFonts.registerFromPath(fonts.bold, FONT);
  fontsReady = true;
}

/** What the seed decides, drawn once in this order so a seed always gives the same picture. */
interface Variation {
  jitterX: number;
  jitterY: number;
  /** Where the soft light comes from, radians from the top. */
  lightAngle: number;
  /** Which side the product takes in the callout and split layouts. */
  productFirst: boolean;
  gradientTurn: number;
  /** 0 on a first picture; on a retake 1 or 2, in turn: the hero and the close-up framed smaller and off centre. */
  reframe: 0 | 1 | 2;
}

/** A reframed product's size against the first picture's, by `reframe`: a hero's, and a close-up's (still cropped). */
const REFRAME_SCALE = { hero: [1, 0.76, 0.86], closeUp: [1, 0.88, 0.93] } as const;

/** A reframed product moved this share of the room beside it, towards its side. */
const REFRAME_SHIFT = 0.75;

/** The light's swing either way from the top, radians. */
const LIGHT_SWING = 0.9;

/**
 * A retake (`retake` pictures came before) differs from the take before it whatever its seed: the light swings by
 * half its range, the backdrop's gradient turns by half its range, and the product changes sides (the layouts with a
 * side; a hero's offset is mirrored).
 */
function variationOf(random: Random, retake = 0): Variation {
  const flip = retake % 2 === 1;
  const jitterX = (random() * 2 - 1) * JITTER;
  const jitterY = (random() * 2 - 1) * JITTER;
  const light = (random() * 2 - 1) * LIGHT_SWING;
  const productFirst = random() < 0.5;
  const gradientTurn = random();
  return {
    jitterX: flip ? -jitterX : jitterX,
    jitterY,
    // A first picture keeps the seed's angle exactly; a retake's is moved on by `retake` swings, within the range.
    lightAngle: retake === 0 ? light : ((light + LIGHT_SWING + retake * LIGHT_SWING) % (2 * LIGHT_SWING)) - LIGHT_SWING,
    productFirst: flip ? !productFirst : productFirst,
    gradientTurn: (gradientTurn + retake * 0.5) % 1,
    reframe: retake === 0 ? 0 : flip ? 1 : 2,
  };
}

/** The box moved within `room` (its x range) towards the product's side, by `REFRAME_SHIFT` of the space it has. */
function offCentre(box: Box, room: Box, v: Variation): Box {
  if (v.reframe === 0) return box;
  const spare = Math.max(0, room.w - box.w) / 2;
  return { ...box, x: room.x + (room.w - box.w) / 2 + (v.productFirst ? -1 : 1) * spare * REFRAME_SHIFT };
}

interface Backdrop {
  base: Rgb;
  accent: Rgb;
}

function backdropOf(req: SceneImageRequest): Backdrop {
  const words = wordsOf(req.background);
  const tone = words.map((w) => BACKDROP_TONES[w]).find((t) => t !== undefined);
  const product = hexToRgb(req.palette[0]!);
  // Without a known word the backdrop is a pale tint of the product's colour, far enough from it that the product stands out.
  const base = tone ? hexToRgb(tone) : mix(product, WHITE, 0.86);
  const accent = mix(base, hexToRgb(req.palette[1] ?? req.palette[0]!), 0.22);
  return { base, accent };
}

export interface OfflineImageOptions {
  /** Where scratch PNGs go; default the system temp dir. */
  scratchDir?: string;
}

export class OfflineImageCapability implements ImageCapability {
  readonly name = OFFLINE_IMAGE_PROVIDER;
  private readonly scratchDir: string;
  private readonly neutrals = new Map<string, Promise<{ image: Image; alpha: Uint8ClampedArray; w: number; h: number }>>();

  constructor(options: OfflineImageOptions = {}) {
    this.scratchDir = options.scratchDir ?? os.tmpdir();
  }

  async compose(req: SceneImageRequest, signal?: AbortSignal): Promise<SceneImage> {
    checkSceneImageRequest(req);
    signal?.throwIfAborted();
    ensureFonts();
    const neutral = await this.neutral(req.neutral.path);
    const { width: W, height: H } = req;
    const canvas = createCanvas(W, H);
    const ctx = canvas.getContext('2d');
    const v = variationOf(seededRandom(req.seed), req.retake ?? 0);
    const orientation = orientationOf(W, H);
    const m = Math.round(MARGIN * Math.min(W, H));
    const backdrop = backdropOf(req);
    const aspect = neutral.w / neutral.h;

    paintBackdrop(ctx, W, H, backdrop, v);

    const frame: Box = { x: 0, y: 0, w: W, h: H };
    const rows = req.caption?.rows;
    const captionBand = !req.caption ? undefined : rows ? { x: m, y: Math.floor(rows.top), w: W - 2 * m, h: Math.ceil(rows.bottom - rows.top) } : captionBandOf(req.caption.band, W, H, m);
    const textBoxes: Box[] = [];
    const ink = inkOn(backdrop.base);
    let productBox: Box;
    let panel: Box | undefined;

    /** The frame below `top` (and above the caption band, or in the larger part beside a middle band). */
    const areaBelow = (top: number, within: Box = frame): Box => {
      let y0 = Math.max(within.y, top);
      let y1 = within.y + within.h - m;
      if (captionBand && captionBand.y < y1 && captionBand.y + captionBand.h > y0) {
        const above = captionBand.y - m * 0.5 - y0;
        const below = y1 - (captionBand.y + captionBand.h + m * 0.5);
        if (below > above) y0 = captionBand.y + captionBand.h + m * 0.5;
        else y1 = captionBand.y - m * 0.5;
      }
      return { x: within.x + m, y: y0, w: within.w - 2 * m, h: Math.max(1, y1 - y0) };
    };
    const headlineBand: Box = { x: m, y: m, w: W - 2 * m, h: H * HEADLINE_BAND[orientation] };

    switch (req.layout) {
      case 'hero': {
        const area = areaBelow(headlineBand.y + headlineBand.h + m * 0.5);
        productBox = offCentre(fitBox(area, aspect, HERO_FILL * REFRAME_SCALE.hero[v.reframe]), area, v);
        productBox.x += v.jitterX * W;
        productBox.y += v.jitterY * H * 0.5;
        break;
      }
      case 'close-up': {
        const band: Box = { ...headlineBand, h: headlineBand.h * 0.8 };
        const top = band.y + band.h + m * 0.4;
        if (captionBand && captionBand.y > top) {
          // The bottom is the caption's: the product fills the height between and leaves the frame at one side.
          const area = areaBelow(top);
          const h = area.h;
          const w = h * aspect;
          const x = v.productFirst ? -w * CLOSE_UP_CROP : W - w * (1 - CLOSE_UP_CROP);
          productBox = { x: Math.min(Math.max(x, -w * CLOSE_UP_CROP), W - w * (1 - CLOSE_UP_CROP)), y: area.y, w, h };
          if (w < W * 0.6) productBox.x = (W - w) / 2 + v.jitterX * W;
        } else {
          const room = H - top;
          let h = room / (1 - CLOSE_UP_CROP);
          let w = h * aspect;
          if (w > W * 1.05) {
            w = W * 1.05;
            h = w / aspect;
          }
          w *= REFRAME_SCALE.closeUp[v.reframe];
          h *= REFRAME_SCALE.closeUp[v.reframe];
          productBox = offCentre({ x: (W - w) / 2, y: top, w, h }, frame, v);
          productBox.x += v.jitterX * W;
        }
        headlineBand.h = band.h;
        break;
      }
      case 'callout': {
        const portrait = orientation === 'portrait';
        const share = portrait ? 0.62 : CALLOUT_PRODUCT_SHARE;
        const top = portrait ? headlineBand.y + headlineBand.h + m * 0.5 : 0;
        const side: Box = v.productFirst ? { x: 0, y: 0, w: W * share, h: H } : { x: W * (1 - share), y: 0, w: W * share, h: H };
        productBox = fitBox(areaBelow(top + m * 0.5, side), aspect, 0.9);
        productBox.y += v.jitterY * H * 0.5;
        panel = v.productFirst ? { x: W * share, y: 0, w: W * (1 - share), h: H } : { x: 0, y: 0, w: W * (1 - share), h: H };
        break;
      }
      case 'split': {
        const portrait = orientation === 'portrait';
        const half = portrait ? { w: W, h: H / 2 } : { w: W / 2, h: H };
        const first: Box = { x: 0, y: 0, ...half };
        const second: Box = portrait ? { x: 0, y: H / 2, ...half } : { x: W / 2, y: 0, ...half };
        const productPanel = v.productFirst ? first : second;
        panel = v.productFirst ? second : first;
        productBox = fitBox(areaBelow(productPanel.y + m, productPanel), aspect, 0.86);
        break;
      }
    }
    productBox = rounded(productBox);

    let panelInk = ink;
    if (req.layout === 'split' && panel) {
      const block = hexToRgb(req.palette[0]!);
      ctx.fillStyle = css(block);
      ctx.fillRect(panel.x, panel.y, panel.w, panel.h);
      panelInk = inkOn(block);
    }
    if (req.layout !== 'split') paintShadow(ctx, productBox, H);
    ctx.drawImage(neutral.image, productBox.x, productBox.y, productBox.w, productBox.h);

    const avoid = (b: Box): Box => avoidBox(b, productBox, frame);
    if (req.headline) {
      let target: Box;
      let align: 'left' | 'center' = 'center';
      if ((req.layout === 'split' || (req.layout === 'callout' && orientation !== 'portrait')) && panel) {
        target = req.layout === 'split'
          ? { x: panel.x + m, y: panel.y + panel.h * 0.25, w: panel.w - 2 * m, h: panel.h * 0.5 }
          : { x: panel.x + m * 0.5, y: m, w: panel.w - m * 1.5, h: H * 0.26 };
        align = req.layout === 'split' ? 'center' : 'left';
      } else target = headlineBand;
      const t = fitText(ctx, req.headline, avoid(target), Math.round(Math.min(W, H) * (req.layout === 'split' ? 0.085 : 0.07)), 3, 'bold', align);
      drawText(ctx, t, req.layout === 'split' ? panelInk : ink, 'bold', align);
      textBoxes.push(rounded(t.box));
    }

    if (req.layout === 'callout' && panel) {
      const labels = (req.callouts && req.callouts.length > 0 ? req.callouts : req.palette.slice(0, 3).map((c) => c.toUpperCase())).slice(0, 3);
      const column: Box = orientation === 'portrait'
        ? { x: panel.x + m * 0.5, y: productBox.y, w: panel.w - m, h: productBox.h }
        : { x: panel.x + m * 0.5, y: H * 0.34, w: panel.w - m * 1.5, h: H * 0.56 };
      const slot = column.h / labels.length;
      labels.forEach((label, i) => {
        const anchor = anchorOn(neutral, productBox, (i + 0.5) / labels.length);
        const t = fitText(ctx, label, avoid({ x: column.x, y: column.y + slot * i + slot * 0.2, w: column.w, h: Math.min(slot * 0.6, Math.min(W, H) * 0.09) }), Math.round(Math.min(W, H) * 0.038), 2, 'normal', v.productFirst ? 'left' : 'right');
        const fromX = v.productFirst ? t.box.x - m * 0.3 : t.box.x + t.box.w + m * 0.3;
        const fromY = t.box.y + t.box.h / 2;
        ctx.strokeStyle = css(ink, 0.75);
        ctx.lineWidth = Math.max(2, Math.min(W, H) * 0.003);
        ctx.beginPath();
        ctx.moveTo(fromX, fromY);
        ctx.lineTo(anchor.x, anchor.y);
        ctx.stroke();
        ctx.fillStyle = css(ink, 0.9);
        ctx.beginPath();
        ctx.arc(anchor.x, anchor.y, Math.max(4, Math.min(W, H) * 0.007), 0, Math.PI * 2);
        ctx.fill();
        drawText(ctx, t, ink, 'normal', v.productFirst ? 'left' : 'right');
        textBoxes.push(rounded(t.box));
      });
    }

    if (req.caption && captionBand && req.caption.drawn !== false) {
      const band = avoid(captionBand);
      ctx.fillStyle = css(BLACK, 0.55);
      const t = fitText(ctx, req.caption.text, { x: band.x + m * 0.5, y: band.y, w: band.w - m, h: band.h }, Math.round(Math.min(W, H) * 0.045), 2, 'bold', 'center');
      const plate: Box = rounded({ x: t.box.x - m * 0.4, y: band.y, w: t.box.w + m * 0.8, h: band.h });
      const shown = avoid(plate);
      ctx.fillRect(shown.x, shown.y, shown.w, shown.h);
      drawText(ctx, { ...t, box: { ...t.box, y: shown.y + (shown.h - t.box.h) / 2 } }, WHITE, 'bold', 'center');
      textBoxes.push(shown);
    }

    for (const b of textBoxes) {
      if (boxesOverlap(b, productBox)) throw new Error(`the ${req.layout} layout set text over the product (${JSON.stringify(b)} over ${JSON.stringify(productBox)})`);
    }
    await mkdir(this.scratchDir, { recursive: true });
    const out = path.join(this.scratchDir, `scene-${randomUUID()}.png`);
    await writeFile(out, await canvas.encode('png'));
    return { path: out, width: W, height: H, layout: req.layout, seed: req.seed, productBox, textBoxes };
  }

  private neutral(file: string) {
    let found = this.neutrals.get(file);
    if (!found) {
      found = loadImage(file).then((image) => {
        const c = createCanvas(image.width, image.height);
        const cx = c.getContext('2d');
        cx.drawImage(image, 0, 0);
        const alpha = cx.getImageData(0, 0, image.width, image.height).data;
        return { image, alpha, w: image.width, h: image.height };
      });
      this.neutrals.set(file, found);
      // The cache only spares decoding within a burst of scenes; a long-lived worker does not keep every product.
      if (this.neutrals.size > 8) this.neutrals.delete(this.neutrals.keys().next().value!);
    }
    return found;
  }

}

/** The offline adapter. */
export function offlineImage(options: OfflineImageOptions = {}): OfflineImageCapability {
  return new OfflineImageCapability(options);
}

function captionBandOf(band: 'bottom' | 'middle', W: number, H: number, m: number): Box {
  const h = Math.round(H * CAPTION_BAND);
  return { x: m, y: band === 'bottom' ? H - m - h : Math.round(H / 2 - h / 2), w: W - 2 * m, h };
}

/** `b` moved or narrowed so it no longer overlaps `product`: to the wider free side, else above or below. */
function avoidBox(b: Box, product: Box, frame: Box): Box {
  if (!boxesOverlap(b, product)) return b;
  const gap = 4;
  const left = product.x - gap - b.x;
  const right = b.x + b.w - (product.x + product.w + gap);
  if (Math.max(left, right) >= Math.min(b.w, frame.w * 0.3)) {
    return left >= right ? { ...b, w: left } : { ...b, x: product.x + product.w + gap, w: right };
  }
  const above = product.y - gap - b.h;
  const below = product.y + product.h + gap;
  if (above >= frame.y) return { ...b, y: above };
  if (below + b.h <= frame.y + frame.h) return { ...b, y: below };
  // No room anywhere: the text shrinks into the widest free column rather than cover the product.
  return left >= right ? { ...b, w: Math.max(1, left) } : { ...b, x: product.x + product.w + gap, w: Math.max(1, right) };
}

/** A point of the product's opaque pixels at height share `t` of its box, near its edge facing the labels' side. */
function anchorOn(neutral: { alpha: Uint8ClampedArray; w: number; h: number }, box: Box, t: number): { x: number; y: number } {
  const row = Math.min(neutral.h - 1, Math.round(t * neutral.h));
  let first = -1;
  let last = -1;
  for (let x = 0; x < neutral.w; x++) {
    if (neutral.alpha[(row * neutral.w + x) * 4 + 3]! > 200) {
      if (first < 0) first = x;
      last = x;
    }
  }
  const mid = first < 0 ? neutral.w / 2 : (first + last) / 2;
  // A quarter of the way in from the middle towards the edge: on the product, clear of its outline.
  const x = first < 0 ? mid : mid + (last - first) * 0.1;
  return { x: box.x + (x / neutral.w) * box.w, y: box.y + t * box.h };
}

function paintBackdrop(ctx: SKRSContext2D, W: number, H: number, b: Backdrop, v: Variation): void {
  const turn = v.gradientTurn * Math.PI * 0.5;
  const g = ctx.createLinearGradient(W / 2 - Math.sin(turn) * W / 2, 0, W / 2 + Math.sin(turn) * W / 2, H);
  g.addColorStop(0, css(mix(b.base, WHITE, 0.25)));
  g.addColorStop(0.6, css(b.base));
  g.addColorStop(1, css(b.accent));
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, W, H);
  // Soft light from the seed's angle.
  const lx = W / 2 + Math.sin(v.lightAngle) * W * 0.45;
  const ly = H * 0.25 - Math.cos(v.lightAngle) * H * 0.15;
  const r = Math.max(W, H) * 0.7;
  const light = ctx.createRadialGradient(lx, ly, 0, lx, ly, r);
  light.addColorStop(0, css(WHITE, 0.42));
  light.addColorStop(1, css(WHITE, 0));
  ctx.fillStyle = light;
  ctx.fillRect(0, 0, W, H);
  // A floor: the lower part of the frame a little darker, fading in.
  const floor = ctx.createLinearGradient(0, H * 0.62, 0, H);
  floor.addColorStop(0, css(BLACK, 0));
  floor.addColorStop(1, css(BLACK, 0.1));
  ctx.fillStyle = floor;
  ctx.fillRect(0, H * 0.62, W, H * 0.38);
}

function paintShadow(ctx: SKRSContext2D, box: Box, H: number): void {
  const cx = box.x + box.w / 2;
  const cy = Math.min(box.y + box.h * 0.985, H - 2);
  const rx = box.w * 0.48;
  const ry = Math.max(6, box.h * 0.05);
  ctx.save();
  ctx.translate(cx, cy);
  ctx.scale(1, ry / rx);
  const g = ctx.createRadialGradient(0, 0, 0, 0, 0, rx);
  g.addColorStop(0, css(BLACK, 0.32));
  g.addColorStop(1, css(BLACK, 0));
  ctx.fillStyle = g;
  ctx.beginPath();
  ctx.arc(0, 0, rx, 0, Math.PI * 2);
  ctx.fill();
  ctx.restore();
}

