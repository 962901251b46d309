/**
 * Draws the product-creative sample data in `examples/product/`: three photos
 * of one product (the "Harbor" ceramic travel mug by Tidewell: front, side,
 * three-quarter) on plain near-white studio backgrounds, and a saved product
 * page for it. Everything is drawn here, so the samples carry no one else's
 * rights and can be made again byte for byte:
 *
 *   npx tsx scripts/make-product-samples.ts [OUT_DIR]
 *
 * The mug is a tapered cylinder in glazed teal with a cream ceramic band and
 * a cream logo mark (a wave in a circle), a charcoal lid with a sip slot, a
 * soft contact shadow on the ground and a specular highlight. The cream parts
 * are close to the background colour on purpose: a cutout must keep them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';

const SIZE = 1200;
const JPEG_QUALITY = 90;
/** The studio backdrop: near-white, a touch warm. */
const BACKDROP = '#f4f2ee';
const BACKDROP_FLOOR = '#eeebe6';

const TEAL_DARK = '#0d3b40';
const TEAL = '#1f6f73';
const TEAL_LIGHT = '#4fa3a0';
const CREAM = '#f1ebdf';
const CREAM_SHADE = '#c9c0b0';
const LID = '#2b2d31';
const LID_LIGHT = '#55585e';

interface View {
  file: string;
  /** Where the logo sits across the body: 0 centre, ±1 at the silhouette's edge (turned away past that). */
  logoAt: number | undefined;
  /** How far the lid's sip slot is turned towards the camera (0 side-on, 1 facing). */
  slotToward: number;
  /** How much of the top ellipse shows: a higher camera shows more. */
  tilt: number;
}

const VIEWS: View[] = [
  { file: 'mug-front.jpg', logoAt: 0, slotToward: 1, tilt: 0.16 },
  { file: 'mug-side.jpg', logoAt: undefined, slotToward: 0, tilt: 0.12 },
  { file: 'mug-three-quarter.jpg', logoAt: -0.45, slotToward: 0.6, tilt: 0.22 },
];

/** The body's outline: a cylinder tapering towards the base. */
const BODY = { cx: SIZE / 2, top: 330, bottom: 1000, topHalf: 215, bottomHalf: 180 };
const LID_HEIGHT = 95;
const BAND = { from: 0.74, to: 0.86 };

function halfWidthAt(y: number): number {
  const t = (y - BODY.top) / (BODY.bottom - BODY.top);
  return BODY.topHalf + (BODY.bottomHalf - BODY.topHalf) * t;
}

function drawBackdrop(ctx: SKRSContext2D): void {
  const g = ctx.createLinearGradient(0, 0, 0, SIZE);
  g.addColorStop(0, BACKDROP);
  g.addColorStop(1, BACKDROP_FLOOR);
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, SIZE, SIZE);
}

function drawShadow(ctx: SKRSContext2D): void {
  const cy = BODY.bottom + 6;
  ctx.save();
  ctx.translate(BODY.cx + 30, cy);
  ctx.scale(1, 0.16);
  const g = ctx.createRadialGradient(0, 0, 0, 0, 0, BODY.bottomHalf * 1.7);
  g.addColorStop(0, 'rgba(40,35,30,0.5)');
  g.addColorStop(0.55, 'rgba(40,35,30,0.16)');
  g.addColorStop(1, 'rgba(40,35,30,0)');
  ctx.fillStyle = g;
  ctx.beginPath();
  ctx.arc(0, 0, BODY.bottomHalf * 1.7, 0, Math.PI * 2);
  ctx.fill();
  ctx.restore();
}

/** A horizontal gradient that reads as a lit cylinder: light from the upper left, a rim light on the right. */
function cylinderShade(ctx: SKRSContext2D, half: number, dark: string, mid: string, light: string) {
  const g = ctx.createLinearGradient(BODY.cx - half, 0, BODY.cx + half, 0);
  g.addColorStop(0, dark);
  g.addColorStop(0.18, mid);
  g.addColorStop(0.34, light);
  g.addColorStop(0.55, mid);
  g.addColorStop(0.88, dark);
  g.addColorStop(1, mid);
  return g;
}

function bodyPath(ctx: SKRSContext2D, from: number, to: number, tilt: number): void {
  const y0 = BODY.top + (BODY.bottom - BODY.top) * from;
  const y1 = BODY.top + (BODY.bottom - BODY.top) * to;
  const h0 = halfWidthAt(y0);
  const h1 = halfWidthAt(y1);
  ctx.beginPath();
  ctx.moveTo(BODY.cx - h0, y0);
  ctx.ellipse(BODY.cx, y0, h0, h0 * tilt, 0, Math.PI, 0, true);
  ctx.lineTo(BODY.cx + h1, y1);
  ctx.ellipse(BODY.cx, y1, h1, h1 * tilt, 0, 0, Math.PI, false);
  ctx.closePath();
}

function drawBody(ctx: SKRSContext2D, view: View): void {
  ctx.fillStyle = cylinderShade(ctx, BODY.topHalf, TEAL_DARK, TEAL, TEAL_LIGHT);
  bodyPath(ctx, 0, 1, view.tilt);
  ctx.fill();
  // The unglazed cream band near the base.
  ctx.fillStyle = cylinderShade(ctx, BODY.topHalf, CREAM_SHADE, CREAM, '#fbf8f2');
  bodyPath(ctx, BAND.from, BAND.to, view.tilt);
  ctx.fill();
  // Glaze highlight: a soft vertical streak on the lit side.
  const hx = BODY.cx - BODY.topHalf * 0.42;
  const g = ctx.createLinearGradient(hx - 26, 0, hx + 26, 0);
  g.addColorStop(0, 'rgba(255,255,255,0)');
  g.addColorStop(0.5, 'rgba(255,255,255,0.42)');
  g.addColorStop(1, 'rgba(255,255,255,0)');
  ctx.fillStyle = g;
  ctx.fillRect(hx - 26, BODY.top + 40, 52, (BODY.bottom - BODY.top) * BAND.from - 70);
  // Ambient occlusion under the lid.
  const ao = ctx.createLinearGradient(0, BODY.top, 0, BODY.top + 60);
  ao.addColorStop(0, 'rgba(0,0,0,0.35)');
  ao.addColorStop(1, 'rgba(0,0,0,0)');
  ctx.fillStyle = ao;
  bodyPath(ctx, 0, 0.09, view.tilt);
  ctx.fill();
}

/** The logo: a wave in a circle, in cream, foreshortened as the body turns. */
function drawLogo(ctx: SKRSContext2D, view: View): void {
  if (view.logoAt === undefined) return;
  const cy = BODY.top + (BODY.bottom - BODY.top) * 0.4;
  const half = halfWidthAt(cy);
  const angle = Math.asin(Math.max(-1, Math.min(1, view.logoAt)));
  const cx = BODY.cx + half * Math.sin(angle);
  const squash = Math.cos(angle);
  const r = 78;
  ctx.save();
  ctx.translate(cx, cy);
  ctx.scale(squash, 1);
  ctx.strokeStyle = CREAM;
  ctx.fillStyle = CREAM;
  ctx.lineWidth = 12;
  ctx.beginPath();
  ctx.arc(0, 0, r, 0, Math.PI * 2);
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(-r * 0.62, r * 0.12);
  ctx.bezierCurveTo(-r * 0.35, -r * 0.45, -r * 0.05, -r * 0.45, 0, r * 0.05);
  ctx.bezierCurveTo(r * 0.08, r * 0.45, r * 0.4, r * 0.42, r * 0.62, -r * 0.12);
  ctx.lineTo(r * 0.62, r * 0.3);
  ctx.bezierCurveTo(r * 0.4, r * 0.62, r * 0.02, r * 0.62, -r * 0.1, r * 0.3);
  ctx.bezierCurveTo(-r * 0.2, -r * 0.02, -r * 0.42, -r * 0.02, -r * 0.62, r * 0.42);
  ctx.closePath();
  ctx.fill();
  ctx.restore();
  // The wordmark under the mark.
  ctx.save();
  ctx.translate(cx, cy + r + 58);
  ctx.scale(squash, 1);
  ctx.fillStyle = CREAM;
  ctx.font = 'bold 40px sans-serif';
  ctx.textAlign = 'center';
  ctx.fillText('TIDEWELL', 0, 0);
  ctx.restore();
}

function drawLid(ctx: SKRSContext2D, view: View): void {
  const top = BODY.top - LID_HEIGHT;
  const half = BODY.topHalf + 8;
  const g = ctx.createLinearGradient(BODY.cx - half, 0, BODY.cx + half, 0);
  g.addColorStop(0, '#17181b');
  g.addColorStop(0.3, LID_LIGHT);
  g.addColorStop(0.6, LID);
  g.addColorStop(1, '#141517');
  ctx.fillStyle = g;
  ctx.beginPath();
  ctx.moveTo(BODY.cx - half, top);
  ctx.lineTo(BODY.cx - half, BODY.top);
  ctx.ellipse(BODY.cx, BODY.top, half, half * view.tilt, 0, Math.PI, 0, true);
  ctx.lineTo(BODY.cx + half, top);
  ctx.closePath();
  ctx.fill();
  // The lid's top face, lit from above.
  const face = ctx.createLinearGradient(0, top - half * view.tilt, 0, top + half * view.tilt);
  face.addColorStop(0, '#6a6d73');
  face.addColorStop(1, '#3a3c41');
  ctx.fillStyle = face;
  ctx.beginPath();
  ctx.ellipse(BODY.cx, top, half, half * view.tilt, 0, 0, Math.PI * 2);
  ctx.fill();
  // The sip slot, towards the camera.
  if (view.slotToward > 0) {
    const sy = top + half * view.tilt * 0.55 * view.slotToward;
    ctx.fillStyle = '#0b0b0d';
    ctx.beginPath();
    ctx.ellipse(BODY.cx, sy, 70 * (0.4 + 0.6 * view.slotToward), 9 * view.tilt * 5, 0, 0, Math.PI * 2);
    ctx.fill();
  }
  // Turned side-on, the raised mouthpiece around the slot shows in profile at the lid's edge.
  if (view.slotToward < 0.5) {
    const mx = BODY.cx - half + 40;
    const g2 = ctx.createLinearGradient(mx - 45, 0, mx + 45, 0);
    g2.addColorStop(0, '#1c1d20');
    g2.addColorStop(0.4, LID_LIGHT);
    g2.addColorStop(1, '#232428');
    ctx.fillStyle = g2;
    ctx.beginPath();
    ctx.moveTo(mx - 50, top + 2);
    ctx.bezierCurveTo(mx - 44, top - 26, mx + 44, top - 26, mx + 56, top + 2);
    ctx.closePath();
    ctx.fill();
  }
  // Rim highlight where the lid meets the body.
  ctx.strokeStyle = 'rgba(255,255,255,0.18)';
  ctx.lineWidth = 3;
  ctx.beginPath();
  ctx.ellipse(BODY.cx, BODY.top - 4, half - 2, (half - 2) * view.tilt, 0, 0.1 * Math.PI, 0.9 * Math.PI);
  ctx.stroke();
}

async function drawView(view: View, out: string): Promise<void> {
  const canvas = createCanvas(SIZE, SIZE);
  const ctx = canvas.getContext('2d');
  drawBackdrop(ctx);
  drawShadow(ctx);
  drawBody(ctx, view);
  drawLogo(ctx, view);
  drawLid(ctx, view);
  await writeFile(out, await canvas.encode('jpeg', JPEG_QUALITY));
}

export const SAMPLE_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Harbor Ceramic Travel Mug 12 oz | Tidewell</title>
  <meta property="og:type" content="product">
  <meta property="og:title" content="Harbor Ceramic Travel Mug – Tidewell">
  <meta property="og:description" content="A glazed ceramic travel mug that keeps coffee hot for hours.">
  <meta property="og:image" content="https://shop.tidewell.example/images/harbor-front.jpg">
  <meta property="og:url" content="https://shop.tidewell.example/products/harbor-travel-mug">
  <meta property="product:price:amount" content="34.00">
  <meta property="product:price:currency" content="USD">
  <script type="application/ld+json">
  {
    "@context": "https://schema.org",
    "@graph": [
      { "@type": "Organization", "name": "Tidewell", "url": "https://shop.tidewell.example" },
      {
        "@type": "Product",
        "name": "Harbor Ceramic Travel Mug",
        "brand": { "@type": "Brand", "name": "Tidewell" },
        "description": "A 12 oz double-walled ceramic travel mug in a teal glaze, with a leak-proof lid. Keeps coffee hot for four hours and fits every cup holder.",
        "image": ["https://shop.tidewell.example/images/harbor-front.jpg"],
        "sku": "TW-HARBOR-12-TEAL",
        "offers": [
          { "@type": "Offer", "price": "34.00", "priceCurrency": "USD", "availability": "https://schema.org/InStock" }
        ]
      }
    ]
  }
  </script>
</head>
<body>
  <main>
    <h1>Harbor Ceramic Travel Mug</h1>
    <p class="price">$34.00</p>
    <p>Double-walled ceramic, teal glaze, leak-proof lid. Keeps coffee hot for four hours.</p>
  </main>
</body>
</html>
`;

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? 'examples/product');
  await mkdir(dir, { recursive: true });
  for (const view of VIEWS) await drawView(view, path.join(dir, view.file));
  await writeFile(path.join(dir, 'page.html'), SAMPLE_PAGE);
  console.log(`wrote ${VIEWS.map((v) => v.file).join(', ')} and page.html to ${dir}`);
}

await main();
