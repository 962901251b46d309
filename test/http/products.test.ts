import { expect } from 'chai';
import path from 'node:path';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import { eventually } from '../support/env.ts';
import { useFullServer } from '../support/server.ts';
import { productPhoto } from '../support/product-images.ts';

/**
 * Product creative's routes against the real runtime (MariaDB, Redis, the scheduler and a worker): contracts,
 * refusals before any work, idempotency, the product view. The identity flow here is a stand-in with the
 * real component names (test/fixtures/flows/product), until the identity handlers land.
 */

/** What the routes answer, loosely: a created id, a view, or an error. */
interface Answer {
  id: string;
  phase: string;
  outputs: unknown[];
  error: { code: string; message: string; pointer?: string; modes?: string[]; refusals: Array<{ file: string; code: string; reason: string }> };
  [field: string]: unknown;
}

const FLOWS_DIR = path.resolve('test/fixtures/flows/product');

describe('product creative over HTTP', function () {
  this.timeout(60000);
  const server = useFullServer({ SLOTFLOW_FLOWS_DIR: FLOWS_DIR });

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
    expect(res.body.error).to.include({ code: 'unknown-asset', pointer: '/images/1' });
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

  it('refuses outputs of an unknown product (404), a bad mode (400 at /mode), a mode with no flow installed, and a bad option', async () => {
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
    const unavailable = await post(`/v1/products/${body.id}/outputs`, { contract: 'output-generation/1', mode: 'fast_paced' });
    expect(unavailable.status).to.equal(400);
    expect(unavailable.body.error.code).to.equal('mode-unavailable');
    expect(unavailable.body.error.message).to.include('product-fast-paced');
    expect(await server().d.store.listSnapshotsUnder(body.id)).to.deep.equal([]);
  });

  it('refuses an unknown output with unknown-output', async () => {
    const res = await get('/v1/outputs/00000000-0000-0000-0000-000000000000');
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('unknown-output');
    const retry = await post('/v1/outputs/00000000-0000-0000-0000-000000000000/retry', { contract: 'output-retry/1', from: 'bundle' });
    expect(retry.body.error.code).to.equal('unknown-output');
  });
});
