import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type FfmpegRunner, grabFrame } from '../../src/adapters/ffmpeg/index.ts';

/** A decoded picture, 8-bit RGB, rows from the top. */
export interface Picture {
  width: number;
  height: number;
  /** Red, green, blue of pixel (x, y). */
  at(x: number, y: number): [number, number, number];
}

/** A still, or a frame of a video at `atSec`, decoded by ffmpeg into a 24-bit BMP and read. */
export async function decodePicture(runner: FfmpegRunner, file: string, scratchBmp: string, atSec?: number): Promise<Picture> {
  // A still is read without a seek: the packaged 4.1 finds no frame in a JPEG after `-ss 0`.
  if (atSec === undefined) await runner.ffmpeg(['-i', path.resolve(file), '-frames:v', '1', '-pix_fmt', 'bgr24', '-f', 'image2', '-update', '1', path.resolve(scratchBmp)]);
  else await grabFrame(runner, file, atSec, scratchBmp);
  const data = await readFile(scratchBmp);
  const offset = data.readUInt32LE(10);
  const width = data.readInt32LE(18);
  const rawHeight = data.readInt32LE(22);
  const height = Math.abs(rawHeight);
  const bits = data.readUInt16LE(28);
  if (bits !== 24) throw new Error(`${scratchBmp}: expected a 24-bit BMP, got ${bits} bits`);
  const stride = Math.ceil((width * 3) / 4) * 4;
  return {
    width,
    height,
    at(x, y) {
      // Rows are stored bottom-up unless the height is negative.
      const row = rawHeight > 0 ? height - 1 - y : y;
      const i = offset + row * stride + x * 3;
      return [data[i + 2]!, data[i + 1]!, data[i]!];
    },
  };
}

/** Mean absolute difference (0..255) of two pictures of one size over the rows [y0, y1). */
export function bandDifference(a: Picture, b: Picture, y0 = 0, y1 = a.height): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`sizes differ: ${a.width}x${a.height} and ${b.width}x${b.height}`);
  let sum = 0;
  let n = 0;
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(a.height, Math.ceil(y1)); y++) {
    for (let x = 0; x < a.width; x++) {
      const [p, q] = [a.at(x, y), b.at(x, y)];
      sum += Math.abs(p[0] - q[0]) + Math.abs(p[1] - q[1]) + Math.abs(p[2] - q[2]);
      n += 3;
    }
  }
  return n === 0 ? 0 : sum / n;
}
