import { expect } from 'chai';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import type { OutputSnapshot } from '../../src/product/types.ts';
import { eventually } from '../support/env.ts';
import { useFullServer } from '../support/server.ts';
import { productPhoto } from '../support/product-images.ts';

/**
 * Product creative's routes against the real runtime (MariaDB, Redis, the scheduler and a worker): contracts,
 * refusals before any work, idempotency, the product view and its asset graph, an image-bundle output made
 * from the identity's assets by id, and a retry of one scene.
 */

/** What the routes answer, loosely: a created id, a view, or an error. */
interface Answer {
  id: string;
  phase: string;
  outputs: unknown[];
  error: { code: string; message: string; pointer?: string; modes?: string[]; stages?: string[]; refusals: Array<{ file: string; code: string; reason: string }> };
  [field: string]: unknown;
}


describe('product creative over HTTP', function () {
  this.timeout(60000);
  const server = useFullServer();

  async function upload(bytes: Buffer, type: string): Promise<{ status: number; body: { url?: string; error?: { code: string } } }> {
    const res = await fetch(`${server().base}/v1/assets`, { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(bytes) });
    return { status: res.status, body: (await res.json()) as { url?: string } };
  }

  async function post(route: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Answer }> {
    const res = await fetch(`${server().base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Answer };
  }

  async function get(route: string): Promise<{ status: number; body: Answer }> {
    const res = await fetch(`${server().base}${route}`);
    return { status: res.status, body: (await res.json()) as Answer };
  }

  async function taskCount(): Promise<number> {
    return (await server().d.reads.listTasks({ limit: 1000 })).length;
  }

  let photo = '';
  before(async () => {
    photo = (await upload(await productPhoto(800, 800, 'png'), 'image/png')).body.url!;
  });

  const refusals: Array<{ what: string; body: () => Promise<unknown>; status: number; code: string; pointer: string }> = [
    { what: 'an unknown field', body: async () => ({ contract: 'product-creation/1', name: 'Bottle', images: [photo], colour: 'blue' }), status: 400, code: 'invalid-body', pointer: '/colour' },
    { what: 'a wrong contract version', body: async () => ({ contract: 'product-creation/2', name: 'Bottle', images: [photo] }), status: 400, code: 'unknown-contract', pointer: '/contract' },
    { what: 'another contract\'s name', body: async () => ({ contract: 'output-generation/1', name: 'Bottle', images: [photo] }), status: 400, code: 'unknown-contract', pointer: '/contract' },
    { what: 'an image that is not an upload reference', body: async () => ({ contract: 'product-creation/1', name: 'Bottle', images: ['bottle.png'] }), status: 400, code: 'invalid-body', pointer: '/images/0' },
    { what: 'an unknown field inside an image', body: async () => ({ contract: 'product-creation/1', name: 'Bottle', images: [{ file: 'a.png', asset: photo.slice(6), size: 1 }] }), status: 400, code: 'invalid-body', pointer: '/images/0/size' },
    { what: 'a missing name', body: async () => ({ contract: 'product-creation/1', images: [photo] }), status: 400, code: 'invalid-body', pointer: '/name' },
  ];
  for (const r of refusals) {
    it(`refuses a product request with ${r.what}: ${r.status} ${r.code} at ${r.pointer}, and creates nothing`, async () => {
      const before = await taskCount();
      const res = await post('/v1/products', await r.body());
      expect(res.status).to.equal(r.status);
      expect(res.body.error).to.include({ code: r.code, pointer: r.pointer });
      expect(res.body.error.message).to.be.a('string').and.not.include(server().env.settings.dataDir);
      expect(await taskCount()).to.equal(before);
    });
  }

  it('refuses photos that cannot be used, every one named with its reason, and creates nothing', async () => {
    const store = new AssetStore(server().env.settings.dataDir);
    const small = (await upload(await productPhoto(400, 300, 'jpeg'), 'image/jpeg')).body.url!;
    // A GIF and a text file cannot be uploaded through POST /v1/assets; stored directly, as the command line stores files.
    const gif = path.basename((await store.putBytes(await productPhoto(800, 800, 'gif'), '.gif')).path);
    const text = path.basename((await store.putBytes(Buffer.from('not a picture at all\n'), '.png')).path);
    const before = await taskCount();
    const res = await post('/v1/products', {
      contract: 'product-creation/1', name: 'Bottle',
      images: [photo, { file: 'small.jpg', asset: small.slice(6) }, { file: 'anim.gif', asset: gif }, { file: 'notes.png', asset: text }],
    });
    expect(res.status).to.equal(400);
    expect(res.body.error).to.include({ code: 'product-images-refused', pointer: '/images' });
    expect(res.body.error.refusals.map((r) => [r.file, r.code])).to.deep.equal([
      ['small.jpg', 'image-too-small'], ['anim.gif', 'image-format'], ['notes.png', 'image-undecodable'],
    ]);
    expect(res.body.error.refusals[0]!.reason).to.include('400×300');
    expect(res.body.error.message).to.include('small.jpg').and.include('anim.gif').and.include('notes.png');
    expect(await taskCount()).to.equal(before);
  });

  it('refuses more than 8 photos with product-images-count naming the ones over', async () => {
    const before = await taskCount();
    const res = await post('/v1/products', { contract: 'product-creation/1', name: 'Bottle', images: Array.from({ length: 10 }, (_, i) => ({ file: `p${i + 1}.png`, asset: photo.slice(6) })) });
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('product-images-refused');
    expect(res.body.error.refusals).to.have.length(2);
    expect(res.body.error.refusals.map((r) => [r.file, r.code])).to.deep.equal([['p9.png', 'product-images-count'], ['p10.png', 'product-images-count']]);
    expect(await taskCount()).to.equal(before);
  });

  it('refuses an upload the store does not hold, at its pointer', async () => {
    const res = await post('/v1/products', { contract: 'product-creation/1', name: 'Bottle', images: [photo, `asset:${'0'.repeat(64)}.png`] });
    expect(res.status).to.equal(400);
    expect(res.body.error).to.include({ code: 'unknown-upload', pointer: '/images/1' });
  });

  it('takes a saved product page as a text/html upload', async () => {
    const page = await upload(Buffer.from('<!doctype html><html><head><meta property="og:title" content="Blue Bottle"></head></html>'), 'text/html; charset=utf-8');
    expect(page.status).to.equal(201);
    expect(page.body.url).to.match(/^asset:[0-9a-f]{64}\.html$/);
    const res = await post('/v1/products', { contract: 'product-creation/1', name: 'Bottle', images: [photo], page: page.body.url });
    expect(res.status).to.equal(202);
    const task = await server().d.reads.getTask(res.body.id);
    expect((task!.input as { page: { asset: string } }).page.asset).to.equal(page.body.url!.slice(6));
  });

  it('creates a product once per idempotency key: the same body answers the same id, a different one 422', async () => {
    const body = { contract: 'product-creation/1', name: 'Idem bottle', images: [{ file: 'front.png', asset: photo.slice(6) }], category: 'drinkware' };
    const first = await post('/v1/products', body, { 'idempotency-key': 'product-idem-1' });
    expect(first.status).to.equal(202);
    const again = await post('/v1/products', body, { 'idempotency-key': 'product-idem-1' });
    expect(again.status).to.equal(202);
    expect(again.body.id).to.equal(first.body.id);
    const other = await post('/v1/products', { ...body, name: 'Another bottle' }, { 'idempotency-key': 'product-idem-1' });
    expect(other.status).to.equal(422);
    expect(other.body.error.code).to.equal('idempotency-key-reused');
    const snapshots = await server().d.store.listSnapshots(first.body.id);
    expect(snapshots).to.have.length(1);
    expect(snapshots[0]).to.deep.include({ contract: 'product-creation/1', parent: null });
    expect(snapshots[0]!.body).to.deep.equal({ ...body, images: [{ file: 'front.png', asset: photo.slice(6) }] });
  });

  it('shows a product by an 8-character prefix of its id, and refuses an unknown one with unknown-product', async () => {
    const { body } = await post('/v1/products', { contract: 'product-creation/1', name: 'Shown bottle', images: [photo] });
    const view = await eventually('the product to be ready', async () => {
      const v = await get(`/v1/products/${body.id.slice(0, 8)}`);
      return v.body.phase === 'completed' ? v : undefined;
    });
    expect(view.status).to.equal(200);
    expect(view.body).to.include({ id: body.id, name: 'Shown bottle', status: 'ready' });
    expect(view.body.outputs).to.deep.equal([]);
    const missing = await get('/v1/products/00000000-0000-0000-0000-000000000000');
    expect(missing.status).to.equal(404);
    expect(missing.body.error.code).to.equal('unknown-product');
  });

  it('refuses outputs of an unknown product (404), a bad mode (400 at /mode), a bad option and an unknown contract version', async () => {
    const { body } = await post('/v1/products', { contract: 'product-creation/1', name: 'Modes bottle', images: [photo] });
    const unknown = await post('/v1/products/00000000-0000-0000-0000-000000000000/outputs', { contract: 'output-generation/1', mode: 'image_bundle' });
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error.code).to.equal('unknown-product');
    const mode = await post(`/v1/products/${body.id}/outputs`, { contract: 'output-generation/1', mode: 'cinema' });
    expect(mode.status).to.equal(400);
    expect(mode.body.error).to.include({ code: 'unknown-mode', pointer: '/mode' });
    expect(mode.body.error.modes).to.deep.equal(['image_bundle', 'fast_paced', 'script_to_video', 'ugc']);
    const option = await post(`/v1/products/${body.id}/outputs`, { contract: 'output-generation/1', mode: 'ugc', options: { format: '4:3' } });
    expect(option.status).to.equal(400);
    expect(option.body.error).to.include({ code: 'invalid-body', pointer: '/options/format' });
    const version = await post(`/v1/products/${body.id}/outputs`, { contract: 'output-generation/7', mode: 'ugc' });
    expect(version.body.error).to.include({ code: 'unknown-contract', pointer: '/contract' });
    expect(await server().d.store.listSnapshotsUnder(body.id)).to.deep.equal([]);
  });

  it('refuses an unknown output with unknown-output', async () => {
    const res = await get('/v1/outputs/00000000-0000-0000-0000-000000000000');
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('unknown-output');
    const retry = await post('/v1/outputs/00000000-0000-0000-0000-000000000000/retry', { contract: 'output-retry/1', from: 'bundle' });
    expect(retry.body.error.code).to.equal('unknown-output');
  });

  describe('a product from the sample photos, and an image bundle of it', () => {
    let product = '';
    let output = '';
    let view: Answer;

    before(async function () {
      this.timeout(120000);
      const images = [];
      for (const file of ['mug-front.jpg', 'mug-side.jpg', 'mug-three-quarter.jpg']) {
        const up = await upload(await readFile(path.join('examples/product', file)), 'image/jpeg');
        images.push({ file, asset: up.body.url!.slice(6) });
      }
      const page = await upload(await readFile('examples/product/page.html'), 'text/html');
      const created = await post('/v1/products', { contract: 'product-creation/1', name: 'Harbor mug', images, page: { file: 'page.html', asset: page.body.url!.slice(6) }, category: 'kitchen' });
      expect(created.status, JSON.stringify(created.body)).to.equal(202);
      product = created.body.id;
      view = await eventually('the identity to be built', async () => {
        const v = await get(`/v1/products/${product}`);
        if (v.body.phase === 'failed') throw new Error(JSON.stringify(v.body));
        return v.body.phase === 'completed' ? v.body : undefined;
      }, 100000);
    });

    it('shows the identity as an asset graph: inputs resolved to upload names, snapshot fields and asset ids', () => {
      const assets = view.assets as Array<{ id: number; kind: string; stage: string; inputs: string[]; hash: string; provider: string }>;
      expect(assets.length).to.be.greaterThan(2);
      expect(view).to.include({ name: 'Harbor mug', status: 'ready' });
      expect((view.metadata as { name: string }).name).to.equal('Harbor mug');
      const ids = new Set(assets.map((a) => String(a.id)));
      const all = assets.flatMap((a) => a.inputs);
      expect(all.some((i) => i.startsWith('upload:mug-'))).to.equal(true);
      // Nothing is left as a bare hash when the asset it names is in the graph or an upload.
      for (const input of all) expect(input.startsWith('upload:') || input.startsWith('snapshot:') || ids.has(input), input).to.equal(true);
      const sheet = assets.find((a) => a.kind === 'sheet');
      expect(sheet?.stage).to.equal('product-sheet');
      expect(sheet, JSON.stringify(assets.map((a) => a.stage))).to.not.equal(undefined);
      expect(sheet!.inputs.some((i) => ids.has(i)), 'the sheet is made from identity assets').to.equal(true);
    });

    it('refuses an output frame size that is odd (invalid-body at /options/size) or over 3840 (invalid-option), before any task', async () => {
      const before = (await server().d.reads.listTasks({ limit: 1000 })).length;
      const odd = await post(`/v1/products/${product}/outputs`, { contract: 'output-generation/1', mode: 'ugc', options: { format: '9:16', size: '541x960' } });
      expect(odd.status).to.equal(400);
      expect(odd.body.error).to.include({ code: 'invalid-body', pointer: '/options/size' });
      const huge = await post(`/v1/products/${product}/outputs`, { contract: 'output-generation/1', mode: 'ugc', options: { format: '9:16', size: '3842x2160' } });
      expect(huge.status).to.equal(400);
      expect(huge.body.error).to.include({ code: 'invalid-option' });
      expect((await server().d.reads.listTasks({ limit: 1000 })).length).to.equal(before);
    });

    it('makes an image bundle whose snapshot references the identity by asset id, once per idempotency key', async function () {
      this.timeout(120000);
      const created = await post(`/v1/products/${product.slice(0, 8)}/outputs`, { contract: 'output-generation/1', mode: 'image_bundle', prompt: 'A calm morning coffee', options: { scenes: 3, format: '1:1' } }, { 'idempotency-key': `bundle-${product}` });
      expect(created.status, JSON.stringify(created.body)).to.equal(202);
      output = created.body.id;
      const again = await post(`/v1/products/${product}/outputs`, { contract: 'output-generation/1', mode: 'image_bundle', prompt: 'A calm morning coffee', options: { scenes: 3, format: '1:1' } }, { 'idempotency-key': `bundle-${product}` });
      expect(again.body.id).to.equal(output);
      const other = await post(`/v1/products/${product}/outputs`, { contract: 'output-generation/1', mode: 'image_bundle', prompt: 'Something else' }, { 'idempotency-key': `bundle-${product}` });
      expect(other.status).to.equal(422);
      const [snapshot] = await server().d.store.listSnapshots(output);
      const body = snapshot!.body as OutputSnapshot;
      expect(snapshot!.parent).to.equal(product);
      const identityIds = (view.assets as Array<{ id: number }>).map((a) => a.id);
      expect(identityIds).to.include(body.identity.neutral.id);
      expect(identityIds).to.include(body.identity.sheet.id);
      for (const v of body.identity.views) expect(identityIds).to.include(v.id);
      expect(body.identity.seeds.length).to.be.greaterThan(0);
      const done = await eventually('the bundle', async () => {
        const v = await get(`/v1/outputs/${output}`);
        if (v.body.phase === 'failed') throw new Error(JSON.stringify(v.body.error));
        return v.body.phase === 'completed' ? v.body : undefined;
      }, 100000);
      expect(done).to.include({ product, mode: 'image_bundle', stage: 'done', bundle: `/v1/outputs/${output}/bundle`, waiting_for: null });
      expect(done.approvals).to.deep.equal([]);
      const scenes = done.scenes as Array<{ scene: number; status: string; image: { id: number } | null; scores: { score?: number } | null }>;
      expect(scenes.map((s) => s.scene)).to.deep.equal([1, 2, 3]);
      for (const s of scenes) expect(s.image).to.not.equal(null);
      const assets = done.assets as Array<{ id: number; stage: string; inputs: string[] }>;
      const sceneImage = assets.find((a) => a.stage === 'scene-image');
      expect(sceneImage, JSON.stringify(assets.map((a) => a.stage))).to.not.equal(undefined);
      expect(sceneImage!.inputs).to.include(String(body.identity.neutral.id));
      const product2 = await get(`/v1/products/${product}`);
      expect(product2.body.outputs).to.deep.equal([{ id: output, mode: 'image_bundle', status: done.status }]);
      const range = await fetch(`${server().base}/v1/outputs/${output}/bundle`, { headers: { range: 'bytes=0-3' } });
      expect(range.status).to.equal(206);
      expect(Buffer.from(await range.arrayBuffer()).toString('latin1')).to.equal('PK\x03\x04');
    });

    it('refuses a retry from an unknown stage (listing the stages) or an unknown scene', async () => {
      const stage = await post(`/v1/outputs/${output}/retry`, { contract: 'output-retry/1', from: 'polish' });
      expect(stage.status).to.equal(400);
      expect(stage.body.error.code).to.equal('unknown-stage');
      expect(stage.body.error.stages).to.deep.equal(['storyboard', 'scene-images', 'scene-image', 'bundle']);
      const scene = await post(`/v1/outputs/${output}/retry`, { contract: 'output-retry/1', from: 'scene-image', scene: 9 });
      expect(scene.status).to.equal(404);
      expect(scene.body.error.code).to.equal('unknown-scene');
      const field = await post(`/v1/outputs/${output}/retry`, { contract: 'output-retry/1', from: 'bundle', force: true });
      expect(field.body.error).to.include({ code: 'invalid-body', pointer: '/force' });
    });

    it('retries scene 2 from its image: only that scene runs again, then the bundle; the retry is stored as a snapshot', async function () {
      this.timeout(120000);
      const reads = server().d.reads;
      // Executions of SceneImage per scene, over every take: a cached answer executes nothing.
      const sceneRuns = async () => {
        const children = await reads.listTakes(output);
        const counts = [0, 0, 0];
        for (const c of children) counts[c.sceneIndex!]! += (await reads.listRuns(c.id)).filter((r) => r.component === 'SceneImage').reduce((n, r) => n + r.executions, 0);
        return counts;
      };
      const before = await sceneRuns();
      const bundleRuns = (await reads.listRuns(output)).filter((r) => r.component === 'Bundle').length;
      const storyboardRuns = (await reads.listRuns(output)).filter((r) => r.component === 'Storyboard').length;
      const retried = await post(`/v1/outputs/${output.slice(0, 8)}/retry`, { contract: 'output-retry/1', from: 'scene-image', scene: 2 });
      expect(retried.status, JSON.stringify(retried.body)).to.equal(202);
      const busy = await post(`/v1/outputs/${output}/retry`, { contract: 'output-retry/1', from: 'bundle' });
      if (busy.status !== 202) expect(busy.body.error.code).to.equal('task-busy');
      await eventually('the output to finish again', async () => {
        const v = await get(`/v1/outputs/${output}`);
        return v.body.phase === 'completed' && (await reads.listRuns(output)).filter((r) => r.component === 'Bundle').length > bundleRuns ? v : undefined;
      }, 100000);
      const after = await sceneRuns();
      expect(after[1]).to.equal(before[1]! + 1);
      const v = await get(`/v1/outputs/${output}`);
      expect((v.body.scenes as Array<{ take: number }>).map((x) => x.take)).to.deep.equal([1, 2, 1]);
      expect(after[0]).to.equal(before[0]);
      expect(after[2]).to.equal(before[2]);
      expect((await reads.listRuns(output)).filter((r) => r.component === 'Storyboard').length).to.equal(storyboardRuns);
      const snapshots = await server().d.store.listSnapshots(output);
      expect(snapshots.map((s) => s.contract)).to.include('output-retry/1');
      expect(snapshots.find((s) => s.contract === 'output-retry/1')!.body).to.deep.equal({ contract: 'output-retry/1', from: 'scene-image', scene: 2 });
    });
  });
});
