import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createCanvas } from '@napi-rs/canvas';

/**
 * A neutral image made in the test, as the identity stage would make one: a
 * drawn product (a bottle with a cap and a label) cut out on transparency,
 * trimmed, and its palette, most prominent colour first.
 */

export const NEUTRAL_PALETTE = ['#c8462a', '#f1ebdc', '#2a2a2e'];
export const NEUTRAL_SIZE = { width: 420, height: 900 } as const;

export async function drawNeutral(dir: string, name = 'neutral.png'): Promise<{ path: string; width: number; height: number; cutout: true; palette: string[] }> {
  const { width: W, height: H } = NEUTRAL_SIZE;
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d');
  // Cap.
  ctx.fillStyle = NEUTRAL_PALETTE[2]!;
  ctx.beginPath();
  ctx.roundRect(W * 0.3, 0, W * 0.4, H * 0.12, 18);
  ctx.fill();
  // Neck and body, with a shading gradient so the product has structure.
  const body = ctx.createLinearGradient(0, 0, W, 0);
  body.addColorStop(0, '#a8371f');
  body.addColorStop(0.35, NEUTRAL_PALETTE[0]!);
  body.addColorStop(0.6, '#dc5a3c');
  body.addColorStop(1, '#9c3119');
  ctx.fillStyle = body;
  ctx.beginPath();
  ctx.moveTo(W * 0.36, H * 0.11);
  ctx.lineTo(W * 0.64, H * 0.11);
  ctx.lineTo(W * 0.64, H * 0.2);
  ctx.quadraticCurveTo(W, H * 0.26, W, H * 0.36);
  ctx.lineTo(W, H * 0.95);
  ctx.quadraticCurveTo(W, H, W * 0.92, H);
  ctx.lineTo(W * 0.08, H);
  ctx.quadraticCurveTo(0, H, 0, H * 0.95);
  ctx.lineTo(0, H * 0.36);
  ctx.quadraticCurveTo(0, H * 0.26, W * 0.36, H * 0.2);
  ctx.closePath();
  ctx.fill();
  // Label with printed lines and a mark.
  ctx.fillStyle = NEUTRAL_PALETTE[1]!;
  ctx.fillRect(0, H * 0.45, W, H * 0.3);
  ctx.fillStyle = NEUTRAL_PALETTE[2]!;
  ctx.beginPath();
  ctx.arc(W * 0.5, H * 0.54, W * 0.12, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillRect(W * 0.2, H * 0.64, W * 0.6, H * 0.025);
  ctx.fillRect(W * 0.3, H * 0.69, W * 0.4, H * 0.018);
  const file = path.join(dir, name);
  await writeFile(file, await canvas.encode('png'));
  return { path: file, width: W, height: H, cutout: true, palette: NEUTRAL_PALETTE };
}
