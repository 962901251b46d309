import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { resolveCaptionLayout } from '../../src/adapters/ffmpeg/index.ts';
import { CAPTION_LINE_HEIGHT, fitLines } from '../../src/adapters/ffmpeg/ass.ts';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import type { HandlerContext, RecordedAsset } from '../../src/handlers/registry.ts';
import { offlineImage } from '../../src/product/capabilities/offline-image.ts';
import { makeSceneImage, type SceneImageOutput } from '../../src/product/handlers/scene-image.ts';
import type { VideoScene } from '../../src/product/storyboard/common.ts';
import type { Layout, OutputSnapshot } from '../../src/product/types.ts';
import { drawNeutral, NEUTRAL_SIZE } from './neutral.ts';

/**
 * `product.scene-image` in a scene child, run as the worker runs it (a handler context of plain values): a
 * narrated scene's picture leaves the band its clip burns the captions into clear of the product, and a new take
 * of a scene is a new picture that still passes fidelity.
 */

const W = 1080;
const H = 1920;
const NARRATION = 'Honestly, I did not expect a travel mug to keep my coffee hot all the way through a long commute.';

describe('product.scene-image in a scene child', function () {
  this.timeout(120000);
  let dir = '';
  let assets: AssetStore;
  let snapshot: OutputSnapshot;
  let handler: ReturnType<typeof makeSceneImage>;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-scene-image-'));
    assets = new AssetStore(path.join(dir, 'data'));
    const drawn = await drawNeutral(dir);
    const stored = await assets.put(drawn.path);
    const ref = (id: number, kind: string) => ({ id, kind, path: stored.path, hash: stored.hash });
    snapshot = {
      contract: 'output-generation/1', product: 'prod_scene_image', mode: 'ugc', prompt: 'keeps coffee hot', options: { format: '9:16' },
      identity: {
        product: 'prod_scene_image', neutral: { ...ref(1, 'neutral'), ...NEUTRAL_SIZE, cutout: true }, views: [], sheet: ref(2, 'sheet'),
        metadata: { name: 'Ember Bottle', category: 'bottle', palette: drawn.palette, aspect: NEUTRAL_SIZE.width / NEUTRAL_SIZE.height, brand: 'Ember' },
        seeds: [],
      },
    };
    handler = makeSceneImage({ assets, image: offlineImage({ scratchDir: path.join(dir, 'scratch') }) });
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function run(scene: VideoScene, take = 1): Promise<{ out: SceneImageOutput; recorded: RecordedAsset[] }> {
    const recorded: RecordedAsset[] = [];
    const ctx: HandlerContext = {
      taskId: 'child', component: 'SceneImage', attempt: 1, params: {}, inputs: {}, deps: {}, signal: new AbortController().signal,
      input: { item: scene, index: scene.scene - 1, count: 3, ...(take > 1 ? { take } : {}), parent: { input: snapshot } },
      recordAsset: (a) => recorded.push(a),
    };
    return { out: (await handler(ctx)) as SceneImageOutput, recorded };
  }

  const scene = (layout: Layout, band: VideoScene['band']): VideoScene => ({
    scene: 2, layout, headline: 'Still hot at noon', background: 'warm kitchen counter', narration: NARRATION, caption: NARRATION,
    duration_s: 4, seed: 4242, band, motion: band === 'middle' ? 'handheld' : 'push',
  });

  /** Rows the clip burns this narration into: the caption layout the scene clip uses for the band, lines fitted. */
  function burnedRows(band: VideoScene['band']): { top: number; bottom: number } {
    const layout = resolveCaptionLayout(W, H, { style: 'karaoke', layout: band === 'middle' ? 'middle' : 'boxed' });
    const { lines, scale } = fitLines(NARRATION, layout);
    const bottom = H - layout.marginV + layout.outline;
    return { top: bottom - lines.length * layout.fontSize * scale * CAPTION_LINE_HEIGHT - 2 * layout.outline, bottom };
  }

  for (const [layout, band] of [['hero', 'bottom'], ['close-up', 'bottom'], ['hero', 'middle'], ['split', 'middle']] as const) {
    it(`keeps the product of a narrated ${layout} scene out of its ${band} caption band, and draws no caption itself`, async () => {
      const { out } = await run(scene(layout, band));
      const rows = burnedRows(band);
      const box = out.scores.box;
      await sharp(out.image.path).toFile(`/tmp/slotflow-scene-caption-${layout}-${band}.png`);
      const overlaps = box.y < rows.bottom && rows.top < box.y + box.h;
      expect(overlaps, `product rows ${box.y}–${box.y + box.h} against caption rows ${rows.top.toFixed(0)}–${rows.bottom.toFixed(0)}`).to.equal(false);
      expect(out.scores.passed).to.equal(true);
    });
  }

  it('makes take 2 of a scene a different picture that still passes fidelity, and take 1 the same again', async () => {
    const first = await run(scene('hero', 'bottom'));
    const again = await run(scene('hero', 'bottom'));
    const second = await run(scene('hero', 'bottom'), 2);
    expect(again.out.image.hash, 'the same take draws the same picture').to.equal(first.out.image.hash);
    expect(second.out.image.hash, 'a new take draws another').to.not.equal(first.out.image.hash);
    expect(second.out.attempts[0]!.seed).to.not.equal(first.out.attempts[0]!.seed);
    expect(second.out.scores.passed).to.equal(true);
    const [a, b] = await Promise.all([first, second].map(async (r) => sharp(r.out.image.path).removeAlpha().raw().toBuffer()));
    let sum = 0;
    for (let i = 0; i < a!.length; i++) sum += Math.abs(a![i]! - b![i]!);
    expect(sum / a!.length, 'mean difference of the two takes (0–255)').to.be.above(3);
    await sharp(second.out.image.path).toFile('/tmp/slotflow-scene-take-2.png');
    await sharp(first.out.image.path).toFile('/tmp/slotflow-scene-take-1.png');
  });
});
