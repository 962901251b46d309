/**
 * A scene's picture when no photo or clip matches: its illustration, large,
 * with a soft shadow, over the scene's background, beside (landscape) or above
 * (portrait, square) its key phrase set in large bold type; or the key phrase
 * alone when nothing matched. Composed as one SVG and rendered by resvg into a
 * PNG of the frame size, once per scene: the scene's Ken Burns move runs over
 * the still. The text uses the project's bundled font, so the picture is the
 * same on every machine. Everything stays clear of the burned-in captions at
 * the bottom and of the top band short-video apps cover.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { renderAsync } from '@resvg/resvg-js';
import sharp from 'sharp';
import { SlotflowError } from '../../core/errors.ts';
import { bundledFonts } from '../fonts.ts';
import type { IconSvg } from './fluent-emoji.ts';

/** The illustration's side as a share of the frame's short side. */
export const ICON_SHARE = 0.6;
/** The picture's content keeps out of these bands (shares of the height): app controls on top, captions below. */
const TOP_BAND = { portrait: 0.12, landscape: 0.07 } as const;
export const BOTTOM_BAND = { portrait: 0.34, landscape: 0.27 } as const;
const SIDE_MARGIN = 0.07;
const GAP = 0.04;
/** Key phrase size as a share of the short side, before it is shrunk to fit. */
const PHRASE_SIZE = { withIcon: 0.11, alone: 0.15 } as const;
const MIN_PHRASE_SIZE = 0.045;
const MAX_PHRASE_LINES = 3;
const LINE_HEIGHT = 1.18;
/** Advance widths in em of the bold face, rounded up so an estimate never overflows. */
const ADVANCE = { wide: 1.0, upper: 0.72, lower: 0.6, digit: 0.6, space: 0.26, other: 0.45 } as const;
/** Darkening over the background, so white type reads on the lightest gradient. */
const SCRIM_OPACITY = 0.28;

/** resvg refused the composed SVG: a bug in the composition or a broken icon, which no retry mends. */
export class PictureError extends SlotflowError {
  override name = 'PictureError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, { code: 'picture-failed', cause: options?.cause });
  }
}

export interface PictureOptions {
  width: number;
  height: number;
  /** A PNG or JPEG covering the frame: the scene's generated background. */
  background: string;
  /** The illustration; none gives typography alone. */
  icon?: IconSvg | undefined;
  phrase: string;
  out: string;
  signal?: AbortSignal | undefined;
}

export interface PhraseLayout {
  lines: string[];
  fontSize: number;
}

function advance(ch: string): number {
  if (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u.test(ch)) return ADVANCE.wide;
  if (ch === ' ') return ADVANCE.space;
  if (/\p{Lu}/u.test(ch)) return ADVANCE.upper;
  if (/\p{Ll}/u.test(ch)) return ADVANCE.lower;
  if (/\p{N}/u.test(ch)) return ADVANCE.digit;
  return ADVANCE.other;
}

/** Estimated width of a line in em. */
export function lineEm(line: string): number {
  let em = 0;
  for (const ch of line) em += advance(ch);
  return em;
}

/** Words for Latin text, single characters for CJK: the places a line may break. */
function breakUnits(text: string): string[] {
  return text.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}][，。、！？：；”’）》]?|[^\s\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+|\s+/gu) ?? [];
}

function fillLines(units: readonly string[], maxEm: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const unit of units) {
    if (/^\s+$/.test(unit)) {
      if (line) line += ' ';
      continue;
    }
    const next = line + unit;
    if (line.trim() && lineEm(next) > maxEm) {
      lines.push(line.trim());
      line = unit;
    } else line = next;
  }
  if (line.trim()) lines.push(line.trim());
  return lines;
}

/**
 * The key phrase in at most `MAX_PHRASE_LINES` lines inside a box, as large as
 * fits from `startSize` down; a phrase too long even at the smallest size is
 * cut with an ellipsis, never set outside the box.
 */
export function layoutPhrase(phrase: string, boxWidth: number, boxHeight: number, startSize: number, minSize: number): PhraseLayout {
  const units = breakUnits(phrase.replace(/\s+/g, ' ').trim());
  for (let size = Math.floor(startSize); size >= Math.floor(minSize); size -= Math.max(1, Math.round(size * 0.06))) {
    const lines = fillLines(units, boxWidth / size);
    const fits = lines.length <= MAX_PHRASE_LINES && lines.length * size * LINE_HEIGHT <= boxHeight && lines.every((l) => lineEm(l) * size <= boxWidth);
    if (fits) return { lines, fontSize: size };
  }
  const size = Math.floor(minSize);
  const all = fillLines(units, boxWidth / size);
  const lines = all.slice(0, MAX_PHRASE_LINES).map((line, i, kept) => {
    const more = i === kept.length - 1 && all.length > kept.length;
    if (!more && lineEm(line) * size <= boxWidth) return line;
    let cut = line;
    while (cut.length > 1 && lineEm(`${cut}…`) * size > boxWidth) cut = [...cut].slice(0, -1).join('');
    return `${cut.trimEnd()}…`;
  });
  return { lines, fontSize: size };
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where the icon and the phrase go: side by side on a wide frame, stacked on a tall or square one. */
function layout(width: number, height: number, withIcon: boolean): { icon: Box | undefined; text: Box; align: 'start' | 'middle' } {
  const short = Math.min(width, height);
  const wide = width > height * 1.2;
  const band = wide ? 'landscape' : 'portrait';
  const top = Math.round(height * TOP_BAND[band]);
  const bottom = Math.round(height * (1 - BOTTOM_BAND[band]));
  const side = Math.round(width * SIDE_MARGIN);
  const gap = Math.round(short * GAP);
  if (!withIcon) return { icon: undefined, text: { x: side, y: top, width: width - 2 * side, height: bottom - top }, align: 'middle' };
  if (wide) {
    const size = Math.min(Math.round(short * ICON_SHARE), bottom - top);
    const icon = { x: side, y: Math.round(top + (bottom - top - size) / 2), width: size, height: size };
    const x = icon.x + size + gap * 2;
    return { icon, text: { x, y: top, width: width - side - x, height: bottom - top }, align: 'start' };
  }
  // Tall: the icon shrinks before the phrase loses its room (a third of the content band).
  const size = Math.min(Math.round(short * ICON_SHARE), Math.round((bottom - top) * 0.62));
  const icon = { x: Math.round((width - size) / 2), y: top, width: size, height: size };
  const y = top + size + gap;
  return { icon, text: { x: side, y, width: width - 2 * side, height: bottom - y }, align: 'middle' };
}

/** The picture as SVG markup; exported for tests that check the layout without rendering. */
export function pictureSvg(options: Omit<PictureOptions, 'out' | 'signal'> & { backgroundHref: string; fontFamily: string }): { svg: string; phrase: PhraseLayout } {
  const { width, height, icon } = options;
  const short = Math.min(width, height);
  const boxes = layout(width, height, Boolean(icon));
  const startSize = short * (icon ? PHRASE_SIZE.withIcon : PHRASE_SIZE.alone);
  const phrase = layoutPhrase(options.phrase, boxes.text.width, boxes.text.height, startSize, short * MIN_PHRASE_SIZE);
  const lineStep = phrase.fontSize * LINE_HEIGHT;
  const blockHeight = phrase.lines.length * lineStep;
  // The text block is centred in its box; the first baseline sits about 0.8 em below its top.
  const firstBaseline = boxes.text.y + (boxes.text.height - blockHeight) / 2 + phrase.fontSize * 0.86;
  const x = boxes.align === 'middle' ? boxes.text.x + boxes.text.width / 2 : boxes.text.x;
  const shadow = Math.max(2, short * 0.018);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    '<defs>',
    '<radialGradient id="sf-shadow"><stop offset="0" stop-color="#000000" stop-opacity="0.45"/><stop offset="0.6" stop-color="#000000" stop-opacity="0.18"/><stop offset="1" stop-color="#000000" stop-opacity="0"/></radialGradient>',
    '<radialGradient id="sf-halo"><stop offset="0" stop-color="#ffffff" stop-opacity="0.28"/><stop offset="1" stop-color="#ffffff" stop-opacity="0"/></radialGradient>',
    '</defs>',
    `<image x="0" y="0" width="${width}" height="${height}" preserveAspectRatio="xMidYMid slice" xlink:href="${options.backgroundHref}"/>`,
    `<rect width="${width}" height="${height}" fill="#000000" fill-opacity="${SCRIM_OPACITY}"/>`,
  ];
  if (icon && boxes.icon) {
    const b = boxes.icon;
    const cx = b.x + b.width / 2;
    const cy = b.y + b.height / 2;
    // The soft shadow is a blurred ellipse under the icon, drawn as a gradient: a Gaussian blur of the
    // icon's own shape at full size cost half the render time (about 0.5 s at 1080×1920).
    parts.push(
      `<circle cx="${cx}" cy="${cy}" r="${(b.width * 0.62).toFixed(1)}" fill="url(#sf-halo)"/>`,
      `<ellipse cx="${cx}" cy="${(b.y + b.height * 0.93).toFixed(1)}" rx="${(b.width * 0.42).toFixed(1)}" ry="${(b.height * 0.07 + shadow).toFixed(1)}" fill="url(#sf-shadow)"/>`,
      `<svg x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" viewBox="0 0 ${icon.width} ${icon.height}">${icon.body}</svg>`,
    );
  }
  const stroke = Math.max(1, phrase.fontSize * 0.06).toFixed(1);
  parts.push(
    `<g font-family="${xml(options.fontFamily)}" font-weight="700" font-size="${phrase.fontSize}" fill="#ffffff" stroke="#000000" stroke-opacity="0.35" stroke-width="${stroke}" paint-order="stroke" stroke-linejoin="round" text-anchor="${boxes.align}">`,
    ...phrase.lines.map((line, i) => `<text x="${x.toFixed(1)}" y="${(firstBaseline + i * lineStep).toFixed(1)}">${xml(line)}</text>`),
    '</g>',
    '</svg>',
  );
  return { svg: parts.join(''), phrase };
}

function mimeOf(file: string): string {
  const ext = path.extname(file).toLowerCase();
  return ext === '.jpg' || ext === '.jpeg' ? 'image/jpeg' : ext === '.webp' ? 'image/webp' : 'image/png';
}

/** Renders the picture into `out` (PNG, the frame's size). */
export async function composePicture(options: PictureOptions): Promise<void> {
  options.signal?.throwIfAborted();
  const fonts = bundledFonts();
  const backgroundHref = `data:${mimeOf(options.background)};base64,${(await readFile(options.background)).toString('base64')}`;
  const { svg } = pictureSvg({ ...options, backgroundHref, fontFamily: fonts.family });
  // resvg's own `signal` is napi-rs's AbortSignal, not the platform's (it refuses one with InvalidArg):
  // a render takes well under a second, so the abort is checked around it instead.
  let rendered: Awaited<ReturnType<typeof renderAsync>>;
  try {
    rendered = await renderAsync(svg, {
      fitTo: { mode: 'original' },
      font: { loadSystemFonts: false, fontFiles: [fonts.bold], defaultFontFamily: fonts.family },
      shapeRendering: 2,
      textRendering: 1,
      logLevel: 'off',
    });
  } catch (error) {
    throw new PictureError(`resvg could not render the scene picture (${(error as Error).message || (error as { code?: string }).code || 'no reason given'})`, { cause: error });
  }
  options.signal?.throwIfAborted();
  // Encoded by sharp, off the main thread: resvg's `asPng` runs on it (about 36 ms a 1080×1920 frame, in the phase
  // where speech and the title card start) and compresses less (195 against 110 kB at sharp's default level). The
  // pixels are premultiplied; the picture is opaque (its background fills the frame), so they are the colours as drawn.
  const { width, height } = rendered;
  await sharp(rendered.pixels, { raw: { width, height, channels: 4, premultiplied: true } }).png().toFile(options.out);
}
