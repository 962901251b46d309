import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import { CapabilityNotConfigured, capabilityChoice, predictionClientFor } from '../../src/product/capabilities/index.ts';
import { RemoteImage } from '../../src/product/capabilities/remote-image.ts';
import { RemoteLipSync } from '../../src/product/capabilities/remote-lipsync.ts';
import { RemoteSceneImage } from '../../src/product/capabilities/remote-scene-image.ts';
import { FidelityFailedError, makeFaithfulSceneImage } from '../../src/product/scene-image.ts';
import { drawNeutral } from './neutral.ts';
import { compileSettings } from '../../src/settings.ts';
import { type PredictionServer, startPredictionServer } from '../providers/support/prediction-server.ts';

describe('remote capabilities', function () {
  this.timeout(20_000);
  let server: PredictionServer;
  let dir: string;
  let store: AssetStore;
  beforeEach(async () => {
    server = await startPredictionServer();
    dir = await mkdtemp(path.join(tmpdir(), 'slotflow-remote-cap-'));
    store = new AssetStore(dir);
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('chooses local by default and refuses remote without a base URL', () => {
    expect(capabilityChoice(compileSettings({}), 'image')).to.deep.equal({ provider: 'local' });
    expect(() => capabilityChoice(compileSettings({ SLOTFLOW_VIDEO_PROVIDER: 'remote' }), 'video')).to.throw(CapabilityNotConfigured, 'SLOTFLOW_VIDEO_BASE_URL');
    const client = predictionClientFor(compileSettings({ SLOTFLOW_LIPSYNC_PROVIDER: 'remote', SLOTFLOW_LIPSYNC_BASE_URL: server.origin, SLOTFLOW_LIPSYNC_MODEL: 'acme/lips' }), 'lipsync');
    expect(client?.provider).to.equal('remote:acme/lips');
  });

  it('sends the neutral image as a PNG data URI and stores the picture the model made', async () => {
    const neutral = path.join(dir, 'neutral.png');
    await sharp({ create: { width: 64, height: 48, channels: 4, background: { r: 200, g: 30, b: 30, alpha: 1 } } }).png().toFile(neutral);
    const made = await sharp({ create: { width: 320, height: 180, channels: 3, background: { r: 30, g: 90, b: 200 } } })
      .composite([{ input: neutral, left: 128, top: 66 }]).png().toBuffer();
    server.files.set('scene.png', made);
    server.onPoll = (p) => {
      p.status = 'succeeded';
      p.output = [`${server.origin}/files/scene.png`];
      return undefined;
    };
    const client = predictionClientFor(compileSettings({ SLOTFLOW_IMAGE_PROVIDER: 'remote', SLOTFLOW_IMAGE_BASE_URL: server.origin, SLOTFLOW_IMAGE_MODEL: 'acme/scene' }), 'image')!;
    const image = new RemoteImage({ client, store, wait: { pollMs: 10, maxPollMs: 50 } });
    const asset = await image.compose({ prompt: 'a red box on blue', width: 320, height: 180, neutral: { path: neutral, width: 64, height: 48 }, seed: 7 });
    const input = (server.requestsTo('/v1/predictions', 'POST')[0]!.body as { input: Record<string, unknown> }).input;
    expect(input).to.include({ prompt: 'a red box on blue', width: 320, height: 180, seed: 7 });
    expect(input.image).to.equal(`data:image/png;base64,${(await readFile(neutral)).toString('base64')}`);
    expect(asset).to.include({ provider: 'remote:acme/scene' });
    expect(asset.prediction).to.deep.equal({ id: 'p1', requestId: 'req-2' });
    expect(store.contains(asset.path)).to.equal(true);
    const meta = await sharp(asset.path).metadata();
    expect([meta.width, meta.height, meta.format]).to.deep.equal([320, 180, 'png']);
    await sharp(asset.path).toFile('/tmp/remote-image-scene.png');
  });

  it('makes scene images with a hosted model through the fidelity stage: a faithful answer passes, one without the product is asked for again, then fails', async () => {
    const neutral = await drawNeutral(dir);
    const client = predictionClientFor(compileSettings({ SLOTFLOW_IMAGE_PROVIDER: 'remote', SLOTFLOW_IMAGE_BASE_URL: server.origin, SLOTFLOW_IMAGE_MODEL: 'acme/scene' }), 'image')!;
    const scenes = new RemoteSceneImage(new RemoteImage({ client, store, wait: { pollMs: 10, maxPollMs: 50 } }), store);
    // The model's answer: the product set off-centre on a backdrop (the hint is the frame's centre, so it is searched for).
    const product = await sharp(neutral.path).resize(210, 450).png().toBuffer();
    server.files.set('good.png', await sharp({ create: { width: 720, height: 1280, channels: 3, background: '#e9dfcf' } })
      .composite([{ input: product, left: 60, top: 700 }]).png().toBuffer());
    server.files.set('empty.png', await sharp({ create: { width: 720, height: 1280, channels: 3, background: '#e9dfcf' } }).png().toBuffer());
    let answer = 'good.png';
    server.onPoll = (p) => {
      p.status = 'succeeded';
      p.output = [`${server.origin}/files/${answer}`];
      return undefined;
    };
    const req = { neutral, palette: neutral.palette, layout: 'hero' as const, seed: 3, headline: 'Cold all day', background: 'warm sand', width: 720, height: 1280 };
    const made = await makeFaithfulSceneImage(scenes, req);
    expect(made.scores.passed).to.equal(true);
    expect(made.scores.box.x).to.be.within(50, 70);
    expect(made.scores.box.y).to.be.within(690, 710);
    const prompt = (server.requestsTo('/v1/predictions', 'POST')[0]!.body as { input: { prompt: string } }).input.prompt;
    expect(prompt).to.include('warm sand').and.include('Cold all day');

    answer = 'empty.png';
    const failed = await makeFaithfulSceneImage(scenes, req).then(() => undefined, (e: unknown) => e);
    expect(failed).to.be.instanceOf(FidelityFailedError);
    expect((failed as FidelityFailedError).attempts).to.have.length(3);
    // One prediction for the good picture, then three for the scene that never showed the product.
    expect(server.requestsTo('/v1/predictions', 'POST')).to.have.length(4);
  });

  it('sends the face and the speech to a lip-sync model as data URIs', async () => {
    const face = path.join(dir, 'face.png');
    const audio = path.join(dir, 'speech.wav');
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).png().toFile(face);
    await writeFile(audio, Buffer.from('RIFF....WAVE'));
    server.files.set('talk.mp4', Buffer.from('pretend mp4'));
    server.onPoll = (p) => {
      p.status = 'succeeded';
      p.output = `${server.origin}/files/talk.mp4`;
      return undefined;
    };
    const sync = new RemoteLipSync({ client: predictionClientFor(compileSettings({ SLOTFLOW_LIPSYNC_PROVIDER: 'remote', SLOTFLOW_LIPSYNC_BASE_URL: server.origin }), 'lipsync')!, store, wait: { pollMs: 10 } });
    const asset = await sync.sync({ face, audio });
    const input = (server.requestsTo('/v1/predictions', 'POST')[0]!.body as { input: Record<string, string> }).input;
    expect(input.face).to.match(/^data:image\/png;base64,/);
    expect(input.audio).to.match(/^data:audio\/wav;base64,/);
    expect(path.extname(asset.path)).to.equal('.mp4');
    expect(asset.provider).to.equal('remote');
  });
});
