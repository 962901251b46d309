import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { isTerminal, TaskPhase } from '../../src/core/engine/task.ts';
import { registerProductCreative } from '../../src/product/register-creative.ts';
import type { OutputSnapshot, StoryboardSeed } from '../../src/product/types.ts';
import { defaultRegistry, startEmbedded, type EmbeddedRuntime } from '../../src/runtime/composition.ts';
import { compileSettings } from '../../src/settings.ts';
import { eventually } from '../support/env.ts';
import { drawNeutral } from './neutral.ts';
import { readZip } from '../support/zip.ts';

/**
 * The image-bundle mode end to end in the embedded runtime: a hand-made
 * output snapshot in, a zip out with one faithful picture per storyboard
 * scene, the product sheet and a manifest; every picture recorded as a
 * `scene-image` asset with its scores and what it was made from.
 */


describe('product image bundle (embedded)', function () {
  this.timeout(600000);
  let dir: string;
  let rt: EmbeddedRuntime;
  let snapshot: OutputSnapshot;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-bundle-'));
    const settings = compileSettings({ ...process.env, SLOTFLOW_DATA_DIR: path.join(dir, 'data') });
    const assets = new AssetStore(settings.dataDir);
    const drawn = await drawNeutral(dir);
    const neutral = await assets.put(drawn.path);
    const sheet = await assets.putBytes(await sharp({ create: { width: 800, height: 400, channels: 3, background: '#eeeeee' } }).png().toBuffer(), '.png');
    const seeds: StoryboardSeed[] = [
      { concept: 'hero', prompt: 'the bottle on a beach', layout: 'hero', headline: 'Sunshine, bottled', background: 'sunny beach' },
      { concept: 'detail', prompt: 'the label up close', layout: 'close-up', headline: 'Read the label', background: 'soft studio light' },
      { concept: 'features', prompt: 'what is inside', layout: 'callout', headline: 'Only fruit', background: 'marble counter' },
    ];
    snapshot = {
      contract: 'output-generation/1', product: 'p-0001', mode: 'image_bundle', prompt: 'Summer launch on the beach. Cold and fresh.',
      options: { format: '1:1', scenes: 4 },
      identity: {
        product: 'p-0001',
        neutral: { id: 1, kind: 'neutral', path: neutral.path, hash: neutral.hash, width: drawn.width, height: drawn.height, cutout: true },
        views: [],
        sheet: { id: 2, kind: 'sheet', path: sheet.path, hash: sheet.hash },
        metadata: { name: 'Sun Juice', category: 'drinks', palette: drawn.palette, aspect: drawn.width / drawn.height, brand: 'Sunny Co', price: { amount: '4.50', currency: 'EUR' } },
        seeds,
      },
    };
    rt = await startEmbedded({ registry: registerProductCreative(defaultRegistry(), { assets }), settings, concurrency: 2 });
  });
  after(async () => {
    await rt?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a zip of one faithful picture per scene, the product sheet and a manifest, and records the assets with scores', async () => {
    const flow = loadFlow('flows/product-image-bundle.json');
    const { id } = await rt.engine.submit({ flow, input: snapshot });
    const done = await eventually(`task ${id} to finish`, async () => {
      const snap = await rt.store.readTask(id);
      return snap && isTerminal(snap.phase) ? snap : undefined;
    }, 540000, 250);
    expect(done.phase, JSON.stringify(done.error)).to.equal(TaskPhase.completed);

    const outputs = await rt.store.outputsOf(id, ['Storyboard', 'Bundle']);
    const storyboard = outputs.Storyboard as { scenes: Array<{ scene: number; layout: string; headline: string; background: string }> };
    expect(storyboard.scenes.map((s) => s.layout)).to.deep.equal(['hero', 'close-up', 'callout', 'close-up']);
    expect(storyboard.scenes[0]!.headline).to.equal('Summer launch on the beach');
    expect(storyboard.scenes[1]!.background).to.include('beach');
    const bundle = outputs.Bundle as { bundle: { path: string; hash: string; bytes: number }; files: string[] };
    expect(bundle.files).to.deep.equal(['scene-01.png', 'scene-02.png', 'scene-03.png', 'scene-04.png', 'product-sheet.png', 'manifest.json']);

    const zip = await readZip(bundle.bundle.path);
    expect([...zip.keys()]).to.deep.equal(bundle.files);
    for (const name of bundle.files.filter((f) => f.startsWith('scene-'))) {
      const meta = await sharp(zip.get(name)!).metadata();
      expect([meta.format, meta.width, meta.height], name).to.deep.equal(['png', 1080, 1080]);
    }
    const manifest = JSON.parse(zip.get('manifest.json')!.toString('utf8')) as {
      product: string; mode: string; prompt: string; scenes: Array<{ scene: number; file: string; headline: string; hash: string; scores: { score: number; passed: boolean } }>;
      assets: { neutral: string; sheet: string; scenes: string[] };
    };
    expect(manifest).to.include({ product: 'p-0001', mode: 'image_bundle', prompt: snapshot.prompt });
    expect(manifest.scenes.map((s) => s.headline)).to.deep.equal(['Summer launch on the beach', 'Read the label', 'Only fruit', 'Sunshine, bottled']);
    expect(manifest.scenes.every((s) => s.scores.passed && s.scores.score >= 0.65)).to.equal(true);
    expect(manifest.assets.neutral).to.equal(snapshot.identity.neutral.hash);

    const children = await rt.store.listChildren(id, 'SceneImages');
    expect(children).to.have.length(4);
    const sceneAssets = (await Promise.all(children.map((c) => rt.reads.listAssets(c.id)))).flat();
    expect(sceneAssets.map((a) => a.kind)).to.deep.equal(['scene-image', 'scene-image', 'scene-image', 'scene-image']);
    expect(sceneAssets.map((a) => a.scene).sort()).to.deep.equal([1, 2, 3, 4]);
    for (const a of sceneAssets) {
      expect(a.inputs).to.include(`sha256:${snapshot.identity.neutral.hash}`).and.include('snapshot:prompt');
      expect(a.scores).to.have.property('passed', true);
      expect(a.scores).to.have.property('attempts').that.is.an('array').with.length.at.least(1);
      expect(manifest.assets.scenes).to.include(a.hash);
    }
    const [bundleAsset] = (await rt.reads.listAssets(id)).filter((a) => a.kind === 'bundle');
    expect(bundleAsset!.hash).to.equal(bundle.bundle.hash);
    expect(bundleAsset!.inputs).to.include.members(sceneAssets.map((a) => `sha256:${a.hash}`));
    console.table(manifest.scenes.map((s) => ({ scene: s.scene, headline: s.headline, score: s.scores.score })));
  });
});
