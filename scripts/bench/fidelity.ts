/**
 * `npx tsx scripts/bench/fidelity.ts [--reps N]`
 *
 * The fidelity check's cost and scores on the offline composer's pictures: every layout in every format with the
 * composer's hint, one picture without a hint, and the three bad pictures of test/product/fidelity.test.ts
 * (a caption plate over the product, the product half out of frame, recoloured). Prints, per picture, the CPU
 * time of one scoring (user + system of this process, median of the reps) and the scores, then the totals.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import sharp from 'sharp';
import { offlineImage } from '../../src/product/capabilities/offline-image.ts';
import type { SceneImageRequest } from '../../src/product/capabilities/image.ts';
import { scoreFidelity } from '../../src/product/fidelity.ts';
import { type Box, LAYOUTS } from '../../src/product/types.ts';
import { drawNeutral } from '../../test/product/neutral.ts';
import { median, round } from './lib/stats.ts';

const FORMATS = [[1920, 1080], [1080, 1920], [1080, 1080]] as const;

async function paintOver(file: string, b: Box): Promise<void> {
  const pic = await loadImage(file);
  const c = createCanvas(pic.width, pic.height);
  const ctx = c.getContext('2d');
  ctx.drawImage(pic, 0, 0);
  ctx.fillStyle = 'rgba(0,0,0,0.6)';
  ctx.fillRect(b.x - 20, b.y + b.h * 0.4, b.w + 40, b.h * 0.3);
  await writeFile(file, await c.encode('png'));
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function main(): Promise<void> {
  const repsAt = process.argv.indexOf('--reps');
  const reps = repsAt > 0 ? Number(process.argv[repsAt + 1]) : 3;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-bench-fidelity-'));
  try {
    const neutral = await drawNeutral(dir);
    const composer = offlineImage({ scratchDir: dir });
    const request = (layout: SceneImageRequest['layout'], width: number, height: number): SceneImageRequest => ({
      neutral, palette: neutral.palette, layout, seed: 11, headline: 'Pour the morning, bottle the sun', callouts: ['Cold pressed', 'No added sugar', '750 ml'],
      background: 'sunny beach, soft light', width, height,
    });
    const cases: Array<{ what: string; file: string; hint?: Box }> = [];
    for (const layout of LAYOUTS) {
      for (const [w, h] of FORMATS) {
        const image = await composer.compose(request(layout, w, h));
        cases.push({ what: `${layout} ${w}x${h}`, file: image.path, hint: image.productBox });
      }
    }
    const split = await composer.compose(request('split', 1080, 1080));
    cases.push({ what: 'split 1080x1080, no hint', file: split.path });
    const covered = await composer.compose(request('hero', 1080, 1080));
    await paintOver(covered.path, covered.productBox);
    cases.push({ what: 'BAD caption over product', file: covered.path, hint: covered.productBox });
    const wide = await composer.compose(request('hero', 1920, 1080));
    const pic = await loadImage(wide.path);
    const c = createCanvas(1920, 1080);
    const ctx = c.getContext('2d');
    ctx.fillStyle = '#f0dfb8';
    ctx.fillRect(0, 0, 1920, 1080);
    const shift = 1920 - (wide.productBox.x + wide.productBox.w / 2);
    ctx.drawImage(pic, shift, 0);
    const cropped = path.join(dir, 'cropped.png');
    await writeFile(cropped, await c.encode('png'));
    cases.push({ what: 'BAD product half out of frame', file: cropped, hint: { ...wide.productBox, x: wide.productBox.x + shift } });
    const tall = await composer.compose(request('hero', 1080, 1920));
    const recoloured = path.join(dir, 'recoloured.png');
    await sharp(tall.path).modulate({ hue: 140 }).toFile(recoloured);
    cases.push({ what: 'BAD product recoloured', file: recoloured, hint: tall.productBox });

    const rows = [];
    let total = 0;
    for (const k of cases) {
      const costs: number[] = [];
      let scores;
      for (let r = 0; r < reps; r++) {
        const t0 = cpuMs();
        scores = await scoreFidelity(k.file, neutral, neutral.palette, k.hint ? { hint: k.hint } : {});
        costs.push(cpuMs() - t0);
      }
      const ms = median(costs) ?? 0;
      total += ms;
      rows.push({ what: k.what, cpu_ms: round(ms, 0), score: scores!.score, visible_area: scores!.visible_area, ssim: scores!.ssim, color_distance: scores!.color_distance, passed: scores!.passed });
    }
    console.table(rows);
    console.log(`fidelity: ${cases.length} pictures, ${round(total, 0)} CPU ms in all, ${round(total / cases.length, 0)} ms each (median of ${reps})`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
