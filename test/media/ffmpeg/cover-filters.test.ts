/**
 * Covering the frame: a source of another shape fills the frame, centred,
 * never letterboxed, and is cropped before it is scaled (a small wide photo
 * covering a tall oversampled frame was once scaled to 6,827×3,840 first).
 * Real ffmpeg on three-band test pictures; the pixels are read back raw.
 */
import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createMedia } from '../../../src/adapters/ffmpeg/index.ts';
import { coverFilters } from '../../../src/adapters/ffmpeg/encoding.ts';

const RED = [255, 0, 0];
const GREEN = [0, 255, 0];
const BLUE = [0, 0, 255];
/** YUV 4:2:0 and back moves a flat colour by a few levels. */
const TOLERANCE = 24;

describe('cover filters', function () {
  this.timeout(60_000);
  const { runner } = createMedia({});
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-cover-'));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A `width`×`height` picture of three equal bands, red, green, blue: side by side when `across`, else top to bottom. */
  async function bands(name: string, width: number, height: number, across: boolean): Promise<string> {
    const [w, h] = across ? [Math.ceil(width / 3), height] : [width, Math.ceil(height / 3)];
    const band = (colour: string) => ['-f', 'lavfi', '-i', `color=c=${colour}:s=${w}x${h}:d=1`];
    await runner.ffmpeg([
      ...band('red'), ...band('lime'), ...band('blue'),
      '-filter_complex', `[0:v][1:v][2:v]${across ? 'hstack' : 'vstack'}=inputs=3,crop=${width}:${height}:0:0`,
      '-frames:v', '1', '-update', '1', file(name),
    ]);
    return file(name);
  }

  /** The frame `coverFilters(width, height)` makes of `source`, as RGB rows. */
  async function covered(source: string, width: number, height: number): Promise<(x: number, y: number) => number[]> {
    const out = file(`${path.basename(source, '.png')}-${width}x${height}.rgb`);
    await runner.ffmpeg(['-i', source, '-vf', [...coverFilters(width, height), 'scale=in_color_matrix=bt709:in_range=tv', 'format=rgb24'].join(','), '-frames:v', '1', '-f', 'rawvideo', out]);
    const pixels = await readFile(out);
    expect(pixels.length, 'one frame of the asked size').to.equal(width * height * 3);
    return (x, y) => [...pixels.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
  }

  function near(actual: number[], expected: number[], where: string): void {
    for (const [i, value] of actual.entries()) expect(Math.abs(value - expected[i]!), `${where}: ${actual.join(',')} for ${expected.join(',')}`).to.be.at.most(TOLERANCE);
  }

  it('fills a tall frame from a wide picture with its centre band, edge to edge', async () => {
    // 640×360 to 9:16: the crop keeps the middle 202 columns, all of them inside the green band (213–426).
    const at = await covered(await bands('wide.png', 640, 360, true), 216, 384);
    for (const [x, y] of [[0, 0], [215, 0], [108, 192], [0, 383], [215, 383]] as const) near(at(x, y), GREEN, `(${x}, ${y})`);
  });

  it('fills a wide frame from a tall picture with its centre band, edge to edge', async () => {
    const at = await covered(await bands('tall.png', 360, 640, false), 384, 216);
    for (const [x, y] of [[0, 0], [383, 0], [192, 108], [0, 215], [383, 215]] as const) near(at(x, y), GREEN, `(${x}, ${y})`);
  });

  it('keeps the whole picture when it has the frame\'s shape, scaled up or down', async () => {
    const source = await bands('same.png', 270, 480, true);
    for (const [width, height] of [[135, 240], [540, 960]] as const) {
      const at = await covered(source, width, height);
      const middle = Math.floor(height / 2);
      near(at(2, middle), RED, `${width}x${height} left`);
      near(at(Math.floor(width / 2), middle), GREEN, `${width}x${height} centre`);
      near(at(width - 3, middle), BLUE, `${width}x${height} right`);
    }
  });

  it('crops the source to the frame\'s shape before it scales it to the frame', () => {
    const chain = coverFilters(2160, 3840);
    const crop = chain.findIndex((f) => f.startsWith('crop='));
    const scale = chain.findIndex((f) => f.startsWith('scale=2160:3840'));
    expect(crop, chain.join(',')).to.be.greaterThan(-1);
    expect(scale, chain.join(',')).to.be.greaterThan(crop);
    expect(chain.join(',')).to.not.include('force_original_aspect_ratio');
  });
});
