import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { expect } from 'chai';
import sharp from 'sharp';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { isTerminal } from '../../src/core/engine/task.ts';
import type { StoredAsset } from '../../src/core/ports/assets.ts';
import { jsonHash } from '../../src/product/handlers/shared.ts';
import { cutOut, decodeRgb, estimateBackground, FILL_DISTANCE, isMat, makeNeutralImage } from '../../src/product/identity/neutral.ts';
import { paletteOf } from '../../src/product/identity/palette.ts';
import { storyboardSeeds } from '../../src/product/identity/seeds.ts';
import { drawSheet, SHEET_VIEW_HEIGHT } from '../../src/product/identity/sheet.ts';
import { registerProductIdentity } from '../../src/product/register.ts';
import { LAYOUTS, type NeutralImage, type ProductMetadata, type ProductSnapshot, type StoryboardSeed } from '../../src/product/types.ts';
import { defaultRegistry, startEmbedded, type EmbeddedRuntime } from '../../src/runtime/composition.ts';
import { compileSettings } from '../../src/settings.ts';
import { eventually, useFreshEnv } from '../support/env.ts';

/**
 * The product identity: the neutral image (a cutout on a plain backdrop, a
 * framed copy on a busy one), the palette, the seeds, and the four handlers
 * run through the engine on the sample mug, with the asset graph they record.
 * The neutrals and the sheet are copied to <tmpdir>/slotflow-identity/ to be looked at.
 */

const SAMPLES = 'examples/product';
const PHOTOS = ['mug-front.jpg', 'mug-side.jpg', 'mug-three-quarter.jpg'];
const LOOK_DIR = path.join(os.tmpdir(), 'slotflow-identity');
/** Pixels at least this opaque are the product when measuring the frame. */
const SOLID = 128;
/** Margins may differ by this much: rounding, and the soft edge of an anti-aliased silhouette. */
const MARGIN_SLACK = 3;

interface Rgba {
  data: Buffer;
  width: number;
  height: number;
}

async function rgbaOf(file: string): Promise<Rgba> {
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const alphaAt = (img: Rgba, x: number, y: number) => img.data[(y * img.width + x) * 4 + 3]!;

function solidBox(img: Rgba) {
  let minX = img.width, minY = img.height, maxX = -1, maxY = -1;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (alphaAt(img, x, y) < SOLID) continue;
      minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
    }
  }
  return { left: minX, top: minY, right: img.width - 1 - maxX, bottom: img.height - 1 - maxY };
}

/** A busy photo: a product in front of coloured noise and stripes, inside a uniform white border. */
async function busyPhoto(out: string, core: { w: number; h: number }, border: number): Promise<void> {
  const canvas = createCanvas(core.w + 2 * border, core.h + 2 * border);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 900; i++) {
    ctx.fillStyle = `rgb(${Math.floor(rand() * 200)},${Math.floor(rand() * 200)},${Math.floor(rand() * 200)})`;
    ctx.fillRect(border + rand() * core.w - 20, border + rand() * core.h - 20, 10 + rand() * 60, 10 + rand() * 60);
  }
  ctx.fillStyle = '#1f6f73';
  ctx.fillRect(border + core.w * 0.4, border + core.h * 0.2, core.w * 0.2, core.h * 0.6);
  // The noise spills into the border; restore it so the border is uniform.
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, border);
  ctx.fillRect(0, canvas.height - border, canvas.width, border);
  ctx.fillRect(0, 0, border, canvas.height);
  ctx.fillRect(canvas.width - border, 0, border, canvas.height);
  await sharp(await canvas.encode('png')).jpeg({ quality: 92 }).toFile(out);
}

describe('product identity', function () {
  this.timeout(120000);
  const env = useFreshEnv();
  let dir: string;
  let assets: AssetStore;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-identity-test-'));
    assets = new AssetStore(path.join(dir, 'data'));
    await rm(LOOK_DIR, { recursive: true, force: true });
    await mkdir(LOOK_DIR, { recursive: true });
    await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } }).png().toBuffer(); // warm sharp up once
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('the neutral image', () => {
    it('cuts the sample mug out of its plain backdrop: transparent corners, even margins', async () => {
      const neutral = await makeNeutralImage(path.join(SAMPLES, PHOTOS[0]!), PHOTOS[0]!, assets);
      expect(neutral).to.include({ cutout: true, source: PHOTOS[0] });
      expect(assets.contains(neutral.path)).to.equal(true);
      const img = await rgbaOf(neutral.path);
      expect([img.width, img.height]).to.deep.equal([neutral.width, neutral.height]);
      for (const [x, y] of [[0, 0], [img.width - 1, 0], [0, img.height - 1], [img.width - 1, img.height - 1]]) {
        expect(alphaAt(img, x!, y!), `alpha at ${x},${y}`).to.equal(0);
      }
      const m = solidBox(img);
      const margins = [m.left, m.top, m.right, m.bottom];
      expect(Math.max(...margins) - Math.min(...margins), `margins ${margins.join(', ')}`).to.be.at.most(MARGIN_SLACK);
      expect(Math.min(...margins)).to.be.above(0);
      // The mug is taller than wide, and the crop is near it: not the 1200 × 1200 photo.
      expect(img.height).to.be.above(img.width);
      expect(img.height).to.be.below(1100);
      // The floor shadow under the base comes along as a faint dark shadow, never as an opaque grey disc wider than the mug.
      const body = (y: number) => {
        const xs = Array.from({ length: img.width }, (_, x) => x).filter((x) => alphaAt(img, x, y) >= 128);
        return { left: xs[0]!, right: xs[xs.length - 1]! };
      };
      const { left, right } = body(Math.round(img.height * 0.8));
      let beside = 0;
      for (let y = Math.round(img.height * 0.9); y < img.height; y++) {
        for (let x = 0; x < img.width; x++) if ((x < left - 3 || x > right + 3) && alphaAt(img, x, y) >= 128) beside++;
      }
      expect(beside, 'opaque pixels beside the base in the bottom tenth').to.equal(0);
    });

    it('keeps product pixels as light as the backdrop when the product surrounds them (the cream logo)', async () => {
      const photo = await decodeRgb(path.join(SAMPLES, PHOTOS[0]!));
      const bg = estimateBackground(photo);
      expect(bg.plain).to.equal(true);
      const cut = cutOut(photo, bg);
      // Across the middle of the logo: the light pixels between the first and last dark (product) pixel of the row.
      const y = Math.round(cut.source.y + cut.source.h * 0.4);
      const distance = (x: number) => {
        const i = (y * photo.width + x) * 3;
        return Math.hypot(photo.data[i]! - bg.top[0], photo.data[i + 1]! - bg.top[1], photo.data[i + 2]! - bg.top[2]);
      };
      const row = Array.from({ length: photo.width }, (_, x) => x);
      const inside = row.filter((x) => distance(x) >= FILL_DISTANCE * 2);
      const first = inside[0]!;
      const last = inside[inside.length - 1]!;
      const light = row.filter((x) => x > first && x < last && distance(x) < FILL_DISTANCE / 2);
      expect(light.length, 'backdrop-coloured pixels inside the silhouette on that row').to.be.above(20);
      for (const x of light) {
        const ox = x - cut.source.x + cut.box.x;
        const oy = y - cut.source.y + cut.box.y;
        expect(cut.data[(oy * cut.width + ox) * 4 + 3], `alpha of the logo pixel at ${x},${y}`).to.equal(255);
      }
      // And the backdrop beside the mug on the same row is gone.
      const outside = cut.source.x > 0 ? cut.source.x - 1 : undefined;
      if (outside !== undefined) expect(distance(outside)).to.be.below(FILL_DISTANCE);
      expect(cut.data[((y - cut.source.y + cut.box.y) * cut.width) * 4 + 3]).to.equal(0);
    });

    it('frames a photo with a busy background instead of cutting it: trimmed, near square, opaque', async () => {
      const busy = path.join(dir, 'busy.jpg');
      await busyPhoto(busy, { w: 800, h: 440 }, 40);
      const neutral = await makeNeutralImage(busy, 'busy.jpg', assets);
      expect(neutral.cutout).to.equal(false);
      // 800 × 440 once the border is trimmed, on a canvas no further than 5:4 from square.
      expect(neutral.width).to.be.within(796, 804);
      expect(neutral.height).to.equal(Math.ceil(neutral.width / 1.25));
      const img = await rgbaOf(neutral.path);
      const opaque = img.data.every((v, i) => i % 4 !== 3 || v === 255);
      expect(opaque).to.equal(true);
      await copyFile(busy, path.join(LOOK_DIR, 'busy-photo.jpg'));
      await copyFile(neutral.path, path.join(LOOK_DIR, 'busy-neutral.png'));
    });
  });

  it('does not cut a busy photo out of a uniform mat around it, nor a busy photo reaching its edges', async () => {
    const matted = path.join(dir, 'matted.jpg');
    await busyPhoto(matted, { w: 800, h: 440 }, 40);
    const photo = await decodeRgb(matted);
    const bg = estimateBackground(photo);
    // The white mat looks like a plain backdrop from the borders alone…
    expect(bg.plain).to.equal(true);
    // …but what it surrounds is a full rectangle: a picture, not a product.
    expect(isMat(cutOut(photo, bg), photo)).to.equal(true);
    const bleed = path.join(dir, 'bleed.jpg');
    await busyPhoto(bleed, { w: 600, h: 600 }, 0);
    expect(estimateBackground(await decodeRgb(bleed)).plain).to.equal(false);
    expect((await makeNeutralImage(bleed, 'bleed.jpg', assets)).cutout).to.equal(false);
  });

  it('puts the two colours of a two-colour product first in its palette, by weight', async () => {
    const canvas = createCanvas(400, 400);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#c0392b';
    ctx.fillRect(50, 50, 300, 210);
    ctx.fillStyle = '#2c3e50';
    ctx.fillRect(50, 260, 300, 90);
    const file = path.join(dir, 'two-colour.png');
    await sharp(await canvas.encode('png')).png().toFile(file);
    const palette = await paletteOf(file);
    expect(palette.slice(0, 2).map((c) => c.hex)).to.deep.equal(['#c0392b', '#2c3e50']);
    expect(palette[0]!.weight).to.be.closeTo(0.7, 0.03);
    expect(palette[1]!.weight).to.be.closeTo(0.3, 0.03);
  });

  it('sets the views of the sheet side by side at one height, the name in dark type under them', async () => {
    const views = [];
    for (const [i, [w, h, colour]] of ([[300, 600, '#1f6f73'], [500, 250, '#c0392b']] as const).entries()) {
      const file = path.join(dir, `view-${i}.png`);
      await sharp({ create: { width: w, height: h, channels: 4, background: colour } }).png().toFile(file);
      views.push({ path: file, width: w, height: h });
    }
    const out = path.join(dir, 'sheet.png');
    const sheet = await drawSheet(views, 'Harbor Ceramic Travel Mug', out);
    const img = await rgbaOf(out);
    expect([img.width, img.height]).to.deep.equal([sheet.width, sheet.height]);
    // 280 + 48 + 1120 wide at 560 high, with 64 px margins.
    expect(sheet.width).to.equal(64 + 280 + 48 + 1120 + 64);
    const at = (x: number, y: number) => [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3)];
    const mid = 64 + SHEET_VIEW_HEIGHT / 2;
    expect(at(64 + 140, mid)).to.deep.equal([0x1f, 0x6f, 0x73]);
    expect(at(64 + 280 + 48 + 560, mid)).to.deep.equal([0xc0, 0x39, 0x2b]);
    // Both views span the same rows: the first and last row of each are at the same heights.
    for (const x of [64 + 140, 64 + 280 + 48 + 560]) {
      expect(at(x, 64)).to.not.deep.equal(at(x, 63));
      expect(at(x, 64 + SHEET_VIEW_HEIGHT - 1)).to.not.deep.equal(at(x, 64 + SHEET_VIEW_HEIGHT));
    }
    let ink = 0;
    for (let y = 64 + SHEET_VIEW_HEIGHT; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) if (at(x, y).every((v) => v < 80)) ink++;
    }
    expect(ink, 'dark pixels of the name under the views').to.be.above(2000);
  });

  describe('storyboard seeds', () => {
    const meta: ProductMetadata = {
      name: 'Harbor Ceramic Travel Mug', category: 'drinkware', palette: ['#1e5055', '#35777a', '#f1ece2'], aspect: 0.62,
      brand: 'Tidewell', price: { amount: '34.00', currency: 'USD' },
      description: 'A 12 oz double-walled ceramic travel mug in a teal glaze, with a leak-proof lid.',
    };

    it('makes four to six concepts, each with a layout of LAYOUTS, a prompt, a headline and a background', () => {
      const seeds = storyboardSeeds(meta);
      expect(seeds).to.have.length(6);
      expect(seeds.map((s) => s.concept)).to.deep.equal(['hero shot', 'detail close-up', 'feature callout', 'lifestyle split', 'price offer', 'brand sign-off']);
      for (const s of seeds) {
        expect(LAYOUTS).to.include(s.layout);
        expect(s.prompt).to.include('Tidewell Harbor Ceramic Travel Mug');
        expect(s.headline.length).to.be.within(3, 48);
        expect(s.background).to.not.equal('');
      }
      expect(seeds.find((s) => s.concept === 'price offer')!.headline).to.include('$34.00');
      expect(seeds.find((s) => s.concept === 'feature callout')!.headline).to.equal('With a leak-proof lid');
    });

    it('is deterministic, and drops the price and brand concepts when the page gave neither', () => {
      expect(storyboardSeeds(meta)).to.deep.equal(storyboardSeeds({ ...meta }));
      const bare = storyboardSeeds({ name: 'Desk Lamp', category: 'home', palette: [], aspect: 1 });
      expect(bare.map((s) => s.layout)).to.deep.equal(['hero', 'close-up', 'callout', 'split']);
      expect(bare[0]!.headline).to.equal('Meet the Desk Lamp');
    });
  });

  describe('through the engine (flows/product-identity.json, embedded)', () => {
    let rt: EmbeddedRuntime;
    let snapshot: ProductSnapshot;
    let photoHashes: string[];

    before(async () => {
      const settings = compileSettings({ ...env().env, SLOTFLOW_DATA_DIR: path.join(dir, 'data') });
      rt = await startEmbedded({ settings, registry: registerProductIdentity(defaultRegistry(), { assets }) });
      const stored = await Promise.all(PHOTOS.map(async (f) => assets.putBytes(await readFile(path.join(SAMPLES, f)), '.jpg')));
      const page = await assets.putBytes(await readFile(path.join(SAMPLES, 'page.html')), '.html');
      photoHashes = stored.map((s) => s.hash);
      snapshot = {
        contract: 'product-creation/1',
        name: 'Harbor Ceramic Travel Mug',
        images: PHOTOS.map((file, i) => ({ file, asset: path.basename(stored[i]!.path) })),
        page: { file: 'page.html', asset: path.basename(page.path) },
      };
    });
    after(async () => {
      await rt?.close();
    });

    async function run(input: unknown) {
      const { id } = await rt.engine.submit({ flow: loadFlow('flows/product-identity.json'), input });
      const done = await eventually(`task ${id} to finish`, async () => {
        const snap = await rt.store.readTask(id);
        return snap && isTerminal(snap.phase) ? snap : undefined;
      }, 90000);
      return { id, done };
    }

    it('builds the neutral, metadata, sheet and seeds, each an asset whose inputs are what it was made from', async () => {
      const { id, done } = await run(snapshot);
      expect(done.phase, JSON.stringify(done.error)).to.equal('completed');
      expect(done.status).to.equal('ready');
      const out = await rt.store.outputsOf(id, ['ProductNeutral', 'ProductMetadata', 'ProductSheet', 'StoryboardSeeds']);
      const { neutral, views } = out.ProductNeutral as { neutral: NeutralImage; views: NeutralImage[] };
      const meta = out.ProductMetadata as ProductMetadata;
      const { sheet } = out.ProductSheet as { sheet: { path: string; hash: string; width: number; height: number } };
      const { seeds } = out.StoryboardSeeds as { seeds: StoryboardSeed[] };

      expect(neutral).to.include({ cutout: true, source: 'mug-front.jpg' });
      expect(views.map((v) => [v.source, v.cutout])).to.deep.equal([['mug-side.jpg', true], ['mug-three-quarter.jpg', true]]);
      expect(meta).to.include({ name: 'Harbor Ceramic Travel Mug', title: 'Harbor Ceramic Travel Mug', brand: 'Tidewell', category: 'drinkware' });
      expect(meta.price).to.deep.equal({ amount: '34.00', currency: 'USD' });
      expect(meta.aspect).to.be.closeTo(neutral.width / neutral.height, 0.001);
      expect(meta.palette).to.have.length.within(3, 5);
      // The glazed teal body is the most prominent colour: green and blue well above red.
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(meta.palette[0]!.slice(i, i + 2), 16));
      expect(g! - r!, meta.palette[0]).to.be.above(30);
      expect(b! - r!, meta.palette[0]).to.be.above(30);
      expect(sheet.width).to.be.above(sheet.height);
      expect(seeds).to.have.length.within(4, 6);
      expect(seeds.some((s) => s.headline.includes('$34.00'))).to.equal(true);

      const ledger = await rt.reads.listAssets(id);
      const byKind = (kind: string) => ledger.filter((a) => a.kind === kind);
      const one = (kind: string): StoredAsset => {
        expect(byKind(kind), kind).to.have.length(1);
        return byKind(kind)[0]!;
      };
      expect(ledger.every((a) => a.provider === 'local')).to.equal(true);
      expect(one('neutral')).to.include({ hash: neutral.hash, path: neutral.path, stage: 'ProductNeutral', component: 'ProductNeutral' });
      expect(one('neutral').inputs).to.deep.equal([`sha256:${photoHashes[0]}`]);
      expect(byKind('view').map((a) => [a.hash, a.inputs])).to.deep.equal(views.map((v, i) => [v.hash, [`sha256:${photoHashes[i + 1]}`]]));
      expect(one('sheet')).to.include({ hash: sheet.hash, path: sheet.path });
      expect(one('sheet').inputs).to.deep.equal([neutral, ...views].map((v) => `sha256:${v.hash}`).concat('snapshot:name'));
      expect(one('metadata').inputs).to.deep.equal([`sha256:${neutral.hash}`, 'snapshot:name', 'snapshot:page']);
      expect(JSON.parse(await readFile(one('metadata').path, 'utf8'))).to.deep.equal(meta);
      // The seeds are made from the metadata asset: its hash is the one in their inputs.
      expect(one('metadata').hash).to.equal(jsonHash(meta));
      expect(one('seeds').inputs).to.deep.equal([`sha256:${one('metadata').hash}`]);
      expect(JSON.parse(await readFile(one('seeds').path, 'utf8'))).to.deep.equal(seeds);

      const sheetImage = await sharp(sheet.path).metadata();
      expect([sheetImage.width, sheetImage.height, sheetImage.format]).to.deep.equal([sheet.width, sheet.height, 'png']);
      const neutralImage = await sharp(neutral.path).metadata();
      expect([neutralImage.format, neutralImage.hasAlpha]).to.deep.equal(['png', true]);
      await copyFile(neutral.path, path.join(LOOK_DIR, 'neutral.png'));
      await copyFile(sheet.path, path.join(LOOK_DIR, 'sheet.png'));
    });

    it('reuses every part when the same product is built again', async () => {
      const { id, done } = await run(snapshot);
      expect(done.phase).to.equal('completed');
      const runs = await rt.store.listRuns(id);
      expect(runs.map((r) => r.cached ?? false)).to.deep.equal([true, true, true, true]);
      // The repeat's ledger still lists its identity (marked reused), so an output made from it has asset ids to name.
      const listed = await rt.store.listAssets(id);
      expect(listed.map((a) => a.kind).sort()).to.deep.equal(['metadata', 'neutral', 'seeds', 'sheet', 'view', 'view']);
      expect(listed.every((a) => a.reused && a.taskId === id && (a.inputs?.length ?? 0) > 0)).to.equal(true);
    });

    it('fails ProductNeutral with product-image-missing, before any work, when a photo is not stored', async () => {
      const missing = { ...snapshot, images: [...snapshot.images, { file: 'gone.jpg', asset: `${'0'.repeat(64)}.jpg` }] };
      const { id, done } = await run(missing);
      expect(done.phase).to.equal('failed');
      expect(done.error).to.include({ component: 'ProductNeutral', code: 'product-image-missing' });
      expect(await rt.reads.listAssets(id)).to.deep.equal([]);
    });
  });
});
