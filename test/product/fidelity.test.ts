import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { expect } from 'chai';
import sharp from 'sharp';
import { boxesOverlap, type ImageCapability, type SceneImage, type SceneImageRequest } from '../../src/product/capabilities/image.ts';
import { OfflineImageCapability, offlineImage } from '../../src/product/capabilities/offline-image.ts';
import { FIDELITY_DEFAULTS, scoreFidelity } from '../../src/product/fidelity.ts';
import { compileFidelity, FidelityFailedError, makeFaithfulSceneImage } from '../../src/product/scene-image.ts';
import { LAYOUTS, type Box, type FidelityScores } from '../../src/product/types.ts';
import { drawNeutral } from './neutral.ts';

/**
 * The fidelity stage against the real composer and real pictures: every
 * layout in every format passes; a caption over the product, the product half
 * out of frame and the product recoloured fail; the loop regenerates a
 * picture that covers the product and fails a scene that always does.
 */

const FORMATS = [[1920, 1080], [1080, 1920], [1080, 1080]] as const;

/** A composer that paints a caption plate over the product, on its first `times` pictures. */
class CoveringComposer implements ImageCapability {
  readonly name = 'covering';
  composed = 0;
  constructor(private readonly inner: ImageCapability, private readonly times: number) {}
  async compose(req: SceneImageRequest, signal?: AbortSignal): Promise<SceneImage> {
    const image = await this.inner.compose(req, signal);
    if (this.composed++ < this.times) await paintOver(image.path, image.productBox);
    return image;
  }
}

async function paintOver(file: string, b: Box): Promise<void> {
  const pic = await loadImage(file);
  const c = createCanvas(pic.width, pic.height);
  const ctx = c.getContext('2d');
  ctx.drawImage(pic, 0, 0);
  ctx.fillStyle = 'rgba(0,0,0,0.6)';
  ctx.fillRect(b.x - 20, b.y + b.h * 0.4, b.w + 40, b.h * 0.3);
  await writeFile(file, await c.encode('png'));
}

describe('fidelity of scene images', function () {
  this.timeout(900000);
  let dir: string;
  let neutral: Awaited<ReturnType<typeof drawNeutral>>;
  let composer: OfflineImageCapability;
  const table: Array<Record<string, string | number | boolean>> = [];
  const row = (what: string, s: FidelityScores) => table.push({ what, visible_area: s.visible_area, ssim: s.ssim, color_distance: s.color_distance, score: s.score, passed: s.passed });

  const request = (layout: SceneImageRequest['layout'], width: number, height: number, extra: Partial<SceneImageRequest> = {}): SceneImageRequest => ({
    neutral, palette: neutral.palette, layout, seed: 11, headline: 'Pour the morning, bottle the sun', callouts: ['Cold pressed', 'No added sugar', '750 ml'],
    background: 'sunny beach, soft light', width, height, ...extra,
  });

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-fidelity-'));
    neutral = await drawNeutral(dir);
    composer = offlineImage({ scratchDir: dir });
  });
  after(async () => {
    console.log(`fidelity threshold ${FIDELITY_DEFAULTS.threshold}`);
    console.table(table);
    await rm(dir, { recursive: true, force: true });
  });

  for (const layout of LAYOUTS) {
    for (const [width, height] of FORMATS) {
      it(`composes ${layout} at ${width}x${height} with text clear of the product, and it passes fidelity`, async () => {
        const caption = layout === 'hero' ? { text: 'Made in small batches', band: 'bottom' as const } : undefined;
        const image = await composer.compose(request(layout, width, height, caption ? { caption } : {}));
        const meta = await sharp(image.path).metadata();
        expect([meta.width, meta.height]).to.deep.equal([width, height]);
        expect(image.textBoxes.length).to.be.at.least(layout === 'callout' ? 4 : 1);
        for (const t of image.textBoxes) expect(boxesOverlap(t, image.productBox), JSON.stringify(t)).to.equal(false);
        const scores = await scoreFidelity(image.path, neutral, neutral.palette, { hint: image.productBox });
        row(`${layout} ${width}x${height}`, scores);
        expect(scores.passed, JSON.stringify(scores)).to.equal(true);
        // The product was found where it was drawn, within 3 % of its size.
        const pb = image.productBox;
        expect(Math.abs(scores.box.x - pb.x)).to.be.at.most(pb.w * 0.03 + 2);
        expect(Math.abs(scores.box.h - pb.h)).to.be.at.most(pb.h * 0.03 + 2);
      });
    }
  }

  it('makes each retake differ from the picture before it by construction, whatever the seed, and keeps the first', async () => {
    const pixels = async (image: SceneImage) => sharp(image.path).removeAlpha().raw().toBuffer();
    const meanDiff = (a: Buffer, b: Buffer) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0) / a.length;
    for (const layout of LAYOUTS) {
      for (const seed of [1, 4]) {
        const req = { ...request(layout, 540, 960), seed };
        const takes = [];
        for (const retake of [0, 1, 2]) {
          const image = await composer.compose({ ...req, retake });
          if (retake > 0) {
            const scores = await scoreFidelity(image.path, neutral, neutral.palette, { hint: image.productBox });
            expect(scores.passed, `${layout} seed ${seed} retake ${retake}: ${JSON.stringify(scores)}`).to.equal(true);
          }
          takes.push(await pixels(image));
        }
        expect(takes[0]!.equals(await pixels(await composer.compose(req))), `${layout} seed ${seed}: a first picture is as before`).to.equal(true);
        // The same seed each time: what differs is the retake alone (another seed moves a picture by 0.2 to 14 here).
        expect(meanDiff(takes[0]!, takes[1]!), `${layout} seed ${seed}: retake 1 against the first`).to.be.at.least(15);
        expect(meanDiff(takes[1]!, takes[2]!), `${layout} seed ${seed}: retake 2 against retake 1`).to.be.at.least(15);
      }
    }
  });

  it('finds the product without a hint', async () => {
    const image = await composer.compose(request('split', 1080, 1080));
    const scores = await scoreFidelity(image.path, neutral, neutral.palette);
    row('split 1080x1080, no hint', scores);
    expect(scores.passed).to.equal(true);
    expect(Math.abs(scores.box.x - image.productBox.x)).to.be.at.most(image.productBox.w * 0.05);
  });

  it('fails a caption drawn over the product', async () => {
    const image = await composer.compose(request('hero', 1080, 1080));
    await paintOver(image.path, image.productBox);
    const scores = await scoreFidelity(image.path, neutral, neutral.palette, { hint: image.productBox });
    row('BAD caption over product', scores);
    expect(scores.passed).to.equal(false);
    expect(scores.visible_area).to.be.below(0.8);
  });

  it('fails the product cropped half out of frame', async () => {
    const image = await composer.compose(request('hero', 1920, 1080));
    const pic = await loadImage(image.path);
    const c = createCanvas(1920, 1080);
    const ctx = c.getContext('2d');
    ctx.fillStyle = '#f0dfb8';
    ctx.fillRect(0, 0, 1920, 1080);
    const shift = 1920 - (image.productBox.x + image.productBox.w / 2);
    ctx.drawImage(pic, shift, 0);
    const file = path.join(dir, 'cropped.png');
    await writeFile(file, await c.encode('png'));
    const scores = await scoreFidelity(file, neutral, neutral.palette, { hint: { ...image.productBox, x: image.productBox.x + shift } });
    row('BAD product half out of frame', scores);
    expect(scores.passed).to.equal(false);
    expect(scores.visible_area).to.be.below(0.6);
  });

  it('fails the product recoloured', async () => {
    const image = await composer.compose(request('hero', 1080, 1920));
    const file = path.join(dir, 'recoloured.png');
    await sharp(image.path).modulate({ hue: 140 }).toFile(file);
    const scores = await scoreFidelity(file, neutral, neutral.palette, { hint: image.productBox });
    row('BAD product recoloured', scores);
    expect(scores.passed).to.equal(false);
    expect(scores.color_distance).to.be.above(20);
  });

  it('regenerates a picture that covers the product and keeps the first attempt\'s scores', async () => {
    const covering = new CoveringComposer(composer, 1);
    const made = await makeFaithfulSceneImage(covering, request('hero', 1080, 1080));
    expect(made.attempts).to.have.length(2);
    expect(made.attempts[0]!.scores.passed).to.equal(false);
    expect(made.attempts[1]!.scores.passed).to.equal(true);
    expect(made.attempts[1]!.seed).to.not.equal(made.attempts[0]!.seed);
    expect(made.scores).to.deep.equal(made.attempts[1]!.scores);
    row('loop: attempt 1 (covered)', made.attempts[0]!.scores);
    row('loop: attempt 2', made.attempts[1]!.scores);
  });

  it('fails with fidelity-failed after 1 + max_regenerations attempts when every picture covers the product', async () => {
    const covering = new CoveringComposer(composer, Infinity);
    let failure: unknown;
    try {
      await makeFaithfulSceneImage(covering, request('callout', 1080, 1080), { max_regenerations: 2 });
    } catch (e) {
      failure = e;
    }
    expect(failure).to.be.instanceOf(FidelityFailedError);
    const f = failure as FidelityFailedError;
    expect(f.code).to.equal('fidelity-failed');
    expect(f.retryable).to.equal(false);
    expect(f.attempts.map((a) => a.attempt)).to.deep.equal([1, 2, 3]);
    expect(f.attempts.every((a) => !a.scores.passed)).to.equal(true);
    // The last regeneration changes the layout, not only the seed.
    expect(f.attempts[2]!.layout).to.not.equal('callout');
    expect(covering.composed).to.equal(3);
  });

  it('refuses bad input before any work', async () => {
    await expectCode(composer.compose(request('diagonal' as 'hero', 1080, 1080)), 'invalid-scene-image-request');
    await expectCode(composer.compose(request('hero', 1080, 1080, { palette: ['red'] })), 'invalid-scene-image-request');
    await expectCode(scoreFidelity(neutral.path, neutral, []), 'fidelity-input');
    await expectCode(scoreFidelity(path.join(dir, 'missing.png'), neutral, neutral.palette), 'fidelity-input');
    expect(() => compileFidelity({ threshold: 2 })).to.throw().with.property('code', 'invalid-option');
    expect(() => compileFidelity({ max_regenerations: -1 })).to.throw().with.property('code', 'invalid-option');
  });
});

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect((e as { code?: string }).code, String(e)).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}
