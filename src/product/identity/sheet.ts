import { writeFile } from 'node:fs/promises';
import { createCanvas, GlobalFonts, loadImage } from '@napi-rs/canvas';
import { bundledFonts } from '../../adapters/fonts.ts';

/**
 * The product sheet: every neutral view side by side at one height on a
 * light background, the product's name set under them in the bundled font.
 * It is what a person (or a model) is shown as "this product".
 */

/** Height every view is scaled to. */
export const SHEET_VIEW_HEIGHT = 560;
const MARGIN = 64;
const GAP = 48;
const NAME_SIZE = 44;
const NAME_GAP = 40;
const BACKGROUND = '#f6f5f2';
const INK = '#24262b';
/** The name shrinks to fit, down to this share of its size, and is then cut with an ellipsis. */
const MIN_NAME_SCALE = 0.6;
const FONT_ALIAS = 'slotflow-sheet';

export interface SheetView {
  path: string;
  width: number;
  height: number;
}

export interface Sheet {
  width: number;
  height: number;
}

let fontRegistered = false;

function registerFont(): void {
  if (fontRegistered) return;
  GlobalFonts.registerFromPath(bundledFonts().bold, FONT_ALIAS);
  fontRegistered = true;
}

/** Draws the sheet of `views` with `name` to `out` (PNG). */
export async function drawSheet(views: readonly SheetView[], name: string, out: string): Promise<Sheet> {
  registerFont();
  const widths = views.map((v) => Math.round((v.width / v.height) * SHEET_VIEW_HEIGHT));
  const row = widths.reduce((s, w) => s + w, 0) + GAP * Math.max(0, views.length - 1);
  const width = Math.max(row, 480) + 2 * MARGIN;
  const height = MARGIN + SHEET_VIEW_HEIGHT + NAME_GAP + NAME_SIZE + MARGIN;
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, width, height);
  let x = (width - row) / 2;
  for (const [i, view] of views.entries()) {
    const image = await loadImage(view.path);
    ctx.drawImage(image, x, MARGIN, widths[i]!, SHEET_VIEW_HEIGHT);
    x += widths[i]! + GAP;
  }
  const room = width - 2 * MARGIN;
  let size = NAME_SIZE;
  ctx.font = `${size}px ${FONT_ALIAS}`;
  while (ctx.measureText(name).width > room && size > NAME_SIZE * MIN_NAME_SCALE) {
    size -= 2;
    ctx.font = `${size}px ${FONT_ALIAS}`;
  }
  let label = name;
  while (label.length > 1 && ctx.measureText(`${label}…`).width > room) label = label.slice(0, -1);
  if (label !== name) label = `${label.trimEnd()}…`;
  ctx.fillStyle = INK;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(label, width / 2, MARGIN + SHEET_VIEW_HEIGHT + NAME_GAP + NAME_SIZE * 0.8);
  await writeFile(out, await canvas.encode('png'));
  return { width, height };
}
