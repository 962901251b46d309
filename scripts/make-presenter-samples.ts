/**
 * Makes the presenter sample data in `examples/presenter/`: three portraits
 * of one invented presenter ("Maya Lindqvist": front, slight left, slight
 * right), a refusal sample with two people side by side, and a voice sample.
 * Everything is drawn or synthesized here, so the samples carry no one
 * else's rights and can be made again:
 *
 *   npx tsx scripts/make-presenter-samples.ts [OUT_DIR]
 *
 * The portraits are illustrated, shaded head-and-shoulders figures on a plain
 * studio backdrop, 1024×1280 JPEG: a shirt with a collar, a neck, a face
 * shaded from a light at the upper left, hair, brows, eyes with irises and
 * catch-lights, a nose shadow, a mouth. A turn moves the features and the
 * hair parting sideways and squeezes the far side of the face.
 *
 * The voice sample is Flite's `awb` voice reading two sentences, shifted
 * `VOICE_SHIFT_SEMITONES` up and slowed to `VOICE_TEMPO` with the ffmpeg
 * adapter: a voice that is not any installed one, whose nearest local voice
 * is the one it came from (what `test/presenter/voice-profile.test.ts` checks).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { createMedia, shiftVoice } from '../src/adapters/ffmpeg/index.ts';
import { FliteProvider } from '../src/providers/speech/flite.ts';

export const PORTRAIT_WIDTH = 1024;
export const PORTRAIT_HEIGHT = 1280;
const JPEG_QUALITY = 90;
const BACKDROP_TOP = '#dfe5ea';
const BACKDROP_BOTTOM = '#d3dae0';

export const SAMPLE_VOICE = 'awb';
export const VOICE_SHIFT_SEMITONES = 2;
export const VOICE_TEMPO = 0.92;
export const VOICE_TEXT = 'Hello, and welcome back to the studio. Today I will show you three simple ways to plan a week of healthy meals.';

const SKIN = '#e9b38f';
const SKIN_SHADE = '#c98a66';
const SKIN_LIGHT = '#f6cfb0';
const HAIR = '#3b2418';
const HAIR_LIGHT = '#6a4330';
const SHIRT = '#2f5d8a';
const SHIRT_SHADE = '#1f4266';
const COLLAR = '#f2f2ee';
const IRIS = '#4a6b3a';
const LIPS = '#b5605a';

export interface Figure {
  /** Centre of the head, in pixels. */
  cx: number;
  /** Top of the hair. */
  top: number;
  /** Scale: 1 is a head 300 px wide. */
  scale: number;
  /** −1 … 1: how far the face is turned to the viewer's left (negative) or right. */
  turn: number;
  hair?: string;
  shirt?: string;
}

function ellipse(ctx: SKRSContext2D, x: number, y: number, rx: number, ry: number): void {
  ctx.beginPath();
  ctx.ellipse(x, y, rx, ry, 0, 0, Math.PI * 2);
}

/** One shaded head-and-shoulders figure. */
export function drawFigure(ctx: SKRSContext2D, f: Figure): void {
  const s = f.scale;
  const headW = 300 * s;
  const headH = 390 * s;
  const cy = f.top + 60 * s + headH / 2;
  const turnPx = f.turn * 34 * s;
  const hair = f.hair ?? HAIR;
  const shirt = f.shirt ?? SHIRT;

  // Shoulders and shirt.
  const neckY = cy + headH * 0.42;
  const shoulderY = neckY + 120 * s;
  const torso = ctx.createLinearGradient(f.cx - 380 * s, 0, f.cx + 380 * s, 0);
  torso.addColorStop(0, shirt);
  torso.addColorStop(1, f.shirt ? shirt : SHIRT_SHADE);
  ctx.fillStyle = torso;
  ctx.beginPath();
  ctx.moveTo(f.cx - 130 * s, neckY + 60 * s);
  ctx.bezierCurveTo(f.cx - 330 * s, shoulderY - 10 * s, f.cx - 400 * s, shoulderY + 40 * s, f.cx - 420 * s, shoulderY + 1200 * s);
  ctx.lineTo(f.cx + 420 * s, shoulderY + 1200 * s);
  ctx.bezierCurveTo(f.cx + 400 * s, shoulderY + 40 * s, f.cx + 330 * s, shoulderY - 10 * s, f.cx + 130 * s, neckY + 60 * s);
  ctx.closePath();
  ctx.fill();

  // Neck, shaded under the chin.
  const neck = ctx.createLinearGradient(0, neckY - 40 * s, 0, neckY + 110 * s);
  neck.addColorStop(0, SKIN_SHADE);
  neck.addColorStop(1, SKIN);
  ctx.fillStyle = neck;
  ctx.beginPath();
  ctx.moveTo(f.cx - 70 * s, neckY - 60 * s);
  ctx.lineTo(f.cx + 70 * s, neckY - 60 * s);
  ctx.lineTo(f.cx + 85 * s, neckY + 95 * s);
  ctx.quadraticCurveTo(f.cx, neckY + 140 * s, f.cx - 85 * s, neckY + 95 * s);
  ctx.closePath();
  ctx.fill();

  // Collar: two white wings meeting in a V.
  ctx.fillStyle = COLLAR;
  for (const side of [-1, 1]) {
    ctx.beginPath();
    ctx.moveTo(f.cx + side * 95 * s, neckY + 70 * s);
    ctx.lineTo(f.cx + side * 10 * s, neckY + 170 * s);
    ctx.lineTo(f.cx + side * 150 * s, neckY + 150 * s);
    ctx.closePath();
    ctx.fill();
  }

  // Hair behind the head.
  ctx.fillStyle = hair;
  ellipse(ctx, f.cx - turnPx * 0.3, cy - 10 * s, headW * 0.62, headH * 0.56);
  ctx.fill();
  ctx.beginPath();
  ctx.roundRect(f.cx - turnPx * 0.3 - headW * 0.62, cy - 10 * s, headW * 1.24, headH * 0.46, 60 * s);
  ctx.fill();

  // Face: a radial light from the upper left.
  const face = ctx.createRadialGradient(f.cx - 60 * s + turnPx, cy - 80 * s, 20 * s, f.cx, cy, headH * 0.62);
  face.addColorStop(0, SKIN_LIGHT);
  face.addColorStop(0.55, SKIN);
  face.addColorStop(1, SKIN_SHADE);
  ctx.fillStyle = face;
  ctx.beginPath();
  const chin = f.cx + turnPx * 0.6;
  ctx.moveTo(f.cx, cy - headH * 0.5);
  ctx.bezierCurveTo(f.cx + headW * 0.5, cy - headH * 0.5, f.cx + headW * 0.52, cy - headH * 0.3, f.cx + headW * 0.5, cy - headH * 0.05);
  ctx.bezierCurveTo(f.cx + headW * 0.48, cy + headH * 0.28, chin + headW * 0.28, cy + headH * 0.5, chin, cy + headH * 0.5);
  ctx.bezierCurveTo(chin - headW * 0.28, cy + headH * 0.5, f.cx - headW * 0.48, cy + headH * 0.28, f.cx - headW * 0.5, cy - headH * 0.05);
  ctx.bezierCurveTo(f.cx - headW * 0.52, cy - headH * 0.3, f.cx - headW * 0.5, cy - headH * 0.5, f.cx, cy - headH * 0.5);
  ctx.fill();

  // Fringe: a swept cap over the forehead, parted off-centre.
  const part = f.cx - 40 * s + turnPx;
  const fringe = ctx.createLinearGradient(0, cy - headH * 0.58, 0, cy - headH * 0.2);
  fringe.addColorStop(0, HAIR_LIGHT);
  fringe.addColorStop(1, hair);
  ctx.fillStyle = fringe;
  ctx.beginPath();
  ctx.moveTo(f.cx - headW * 0.56, cy - headH * 0.02);
  ctx.bezierCurveTo(f.cx - headW * 0.62, cy - headH * 0.62, f.cx + headW * 0.62, cy - headH * 0.66, f.cx + headW * 0.57, cy - headH * 0.02);
  ctx.quadraticCurveTo(f.cx + headW * 0.42, cy - headH * 0.3, part, cy - headH * 0.3);
  ctx.quadraticCurveTo(f.cx - headW * 0.38, cy - headH * 0.24, f.cx - headW * 0.56, cy - headH * 0.02);
  ctx.fill();

  const fx = f.cx + turnPx;
  const eyeY = cy - headH * 0.04;
  const eyeGap = 62 * s;
  // Brows.
  ctx.strokeStyle = hair;
  ctx.lineWidth = 11 * s;
  ctx.lineCap = 'round';
  for (const side of [-1, 1]) {
    const squeeze = 1 - side * f.turn * 0.25;
    ctx.beginPath();
    ctx.moveTo(fx + side * (eyeGap - 38 * s) * squeeze, eyeY - 46 * s);
    ctx.quadraticCurveTo(fx + side * eyeGap * squeeze, eyeY - 62 * s, fx + side * (eyeGap + 40 * s) * squeeze, eyeY - 44 * s);
    ctx.stroke();
  }
  // Eyes: white, iris, pupil, catch-light, upper lid line.
  for (const side of [-1, 1]) {
    const squeeze = 1 - side * f.turn * 0.25;
    const ex = fx + side * eyeGap * squeeze;
    ctx.fillStyle = '#fbfaf7';
    ellipse(ctx, ex, eyeY, 30 * s * squeeze, 17 * s);
    ctx.fill();
    const irisX = ex + f.turn * 6 * s;
    ctx.fillStyle = IRIS;
    ellipse(ctx, irisX, eyeY, 14 * s, 14 * s);
    ctx.fill();
    ctx.fillStyle = '#141414';
    ellipse(ctx, irisX, eyeY, 6.5 * s, 6.5 * s);
    ctx.fill();
    ctx.fillStyle = '#ffffff';
    ellipse(ctx, irisX - 4 * s, eyeY - 5 * s, 3.5 * s, 3.5 * s);
    ctx.fill();
    ctx.strokeStyle = '#2a1a12';
    ctx.lineWidth = 4 * s;
    ctx.beginPath();
    ctx.ellipse(ex, eyeY, 31 * s * squeeze, 18 * s, 0, Math.PI * 1.05, Math.PI * 1.95);
    ctx.stroke();
  }
  // Nose: a soft shadow down one side and a tip.
  ctx.strokeStyle = SKIN_SHADE;
  ctx.lineWidth = 6 * s;
  ctx.beginPath();
  ctx.moveTo(fx + 8 * s, eyeY + 10 * s);
  ctx.quadraticCurveTo(fx + 22 * s + f.turn * 10 * s, eyeY + 70 * s, fx + 4 * s, eyeY + 92 * s);
  ctx.stroke();
  ctx.fillStyle = SKIN_SHADE;
  ellipse(ctx, fx - 14 * s, eyeY + 94 * s, 8 * s, 5 * s);
  ctx.fill();
  ellipse(ctx, fx + 18 * s, eyeY + 94 * s, 8 * s, 5 * s);
  ctx.fill();
  // Mouth: lips in a gentle smile.
  const mouthY = eyeY + 150 * s;
  ctx.fillStyle = LIPS;
  ctx.beginPath();
  ctx.moveTo(fx - 48 * s, mouthY);
  ctx.quadraticCurveTo(fx, mouthY - 14 * s, fx + 48 * s, mouthY);
  ctx.quadraticCurveTo(fx, mouthY + 30 * s, fx - 48 * s, mouthY);
  ctx.fill();
  ctx.strokeStyle = '#7d3b37';
  ctx.lineWidth = 3 * s;
  ctx.beginPath();
  ctx.moveTo(fx - 46 * s, mouthY);
  ctx.quadraticCurveTo(fx, mouthY + 8 * s, fx + 46 * s, mouthY);
  ctx.stroke();
  // Cheeks.
  ctx.fillStyle = 'rgba(220, 120, 110, 0.18)';
  ellipse(ctx, fx - 95 * s, eyeY + 95 * s, 38 * s, 24 * s);
  ctx.fill();
  ellipse(ctx, fx + 95 * s, eyeY + 95 * s, 38 * s, 24 * s);
  ctx.fill();
}

function backdrop(ctx: SKRSContext2D, width: number, height: number): void {
  const sweep = ctx.createLinearGradient(0, 0, 0, height);
  sweep.addColorStop(0, BACKDROP_TOP);
  sweep.addColorStop(1, BACKDROP_BOTTOM);
  ctx.fillStyle = sweep;
  ctx.fillRect(0, 0, width, height);
}

/** A portrait of one figure (or several) on the studio backdrop, as JPEG bytes. */
export async function portraitJpeg(figures: readonly Figure[], width = PORTRAIT_WIDTH, height = PORTRAIT_HEIGHT): Promise<Buffer> {
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  backdrop(ctx, width, height);
  for (const f of figures) drawFigure(ctx, f);
  return canvas.encode('jpeg', JPEG_QUALITY);
}

export const VIEWS: ReadonlyArray<{ file: string; figure: Figure }> = [
  { file: 'presenter-front.jpg', figure: { cx: 512, top: 210, scale: 1, turn: 0 } },
  { file: 'presenter-left.jpg', figure: { cx: 492, top: 230, scale: 0.97, turn: -0.6 } },
  { file: 'presenter-right.jpg', figure: { cx: 540, top: 190, scale: 1.02, turn: 0.6 } },
];

export const TWO_PEOPLE: readonly Figure[] = [
  { cx: 270, top: 360, scale: 0.55, turn: 0.3 },
  { cx: 770, top: 370, scale: 0.54, turn: -0.3, hair: '#1c1c1c', shirt: '#7a3b52' },
];

/** The voice sample: Flite's `awb` read `VOICE_TEXT`, shifted and slowed (see the header). */
export async function makeVoiceSample(out: string): Promise<void> {
  const raw = path.join(await mkdtemp(path.join(os.tmpdir(), 'slotflow-voice-')), 'raw.wav');
  try {
    await new FliteProvider().synthesize({ text: VOICE_TEXT, language: 'en', voice: SAMPLE_VOICE }, raw);
    await shiftVoice(createMedia().runner, { input: raw, out, semitones: VOICE_SHIFT_SEMITONES, tempo: VOICE_TEMPO });
  } finally {
    await rm(path.dirname(raw), { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? 'examples/presenter';
  await mkdir(dir, { recursive: true });
  for (const view of VIEWS) await writeFile(path.join(dir, view.file), await portraitJpeg([view.figure]));
  await writeFile(path.join(dir, 'two-people.jpg'), await portraitJpeg(TWO_PEOPLE));
  await makeVoiceSample(path.join(dir, 'voice-sample.wav'));
  console.log(`wrote ${VIEWS.length} portraits, two-people.jpg and voice-sample.wav to ${dir}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
