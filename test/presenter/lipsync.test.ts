import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import { createMedia, probe, renderScene } from '../../src/adapters/ffmpeg/index.ts';
import type { HandlerContext, RecordedAsset } from '../../src/handlers/registry.ts';
import type { PipelineDeps } from '../../src/pipeline/deps.ts';
import { makePresenterLipSync } from '../../src/presenter/handlers/lipsync.ts';
import { makePresenterSceneRender } from '../../src/presenter/handlers/scene-render.ts';
import { makePresenterSceneSpeech } from '../../src/presenter/handlers/scene-speech.ts';
import { EspeakNgProvider } from '../../src/providers/speech/espeak-ng.ts';
import { lipSyncFromSettings } from '../../src/presenter/register-render.ts';
import type { SceneSpeech, SceneVideo } from '../../src/presenter/render/types.ts';
import { compileSettings } from '../../src/settings.ts';
import { monoWav } from '../support/wav.ts';
import { bandDifference, decodePicture, type Picture } from '../support/frames.ts';
import sharp from 'sharp';
import { type PredictionServer, startPredictionServer } from '../providers/support/prediction-server.ts';

/** The lip-sync stage against a local server speaking the prediction protocol. */
describe('presenter lip sync contract', function () {
  this.timeout(60_000);
  const media = createMedia();
  let server: PredictionServer;
  let dir: string;
  let store: AssetStore;
  let scene: SceneVideo;
  let speech: SceneSpeech;
  let answer: Buffer;
  let recorded: RecordedAsset[];
  const ctx = (): HandlerContext => ({
    taskId: 't', component: 'LipSync', attempt: 1, input: {}, params: {}, inputs: { speech, presenter: scene }, deps: {},
    signal: new AbortController().signal, recordAsset: (a) => recorded.push(a),
  });
  const sync = () => {
    // Quick polls for the test: the same client, the same protocol.
    const settings = compileSettings({ SLOTFLOW_LIPSYNC_PROVIDER: 'remote', SLOTFLOW_LIPSYNC_BASE_URL: server.origin, SLOTFLOW_LIPSYNC_MODEL: 'acme/lips' });
    const lipsync = lipSyncFromSettings(settings, store, { pollMs: 20, maxPollMs: 40 })!;
    return makePresenterLipSync({ assets: store, media } as unknown as PipelineDeps, lipsync)(ctx()) as Promise<SceneVideo>;
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'slotflow-lipsync-'));
    store = new AssetStore(path.join(dir, 'data'));
    const audio = path.join(dir, 'speech.wav');
    await writeFile(audio, monoWav(2, 48000, (t) => 0.3 * Math.sin(2 * Math.PI * 220 * t)));
    speech = { scene: 1, audio, duration_sec: 2, language: 'en', provider: 'test', voice: 'test', sentences: [] };
    const red = path.join(dir, 'red.png');
    const green = path.join(dir, 'green.png');
    await media.runner.ffmpeg(['-f', 'lavfi', '-i', 'color=c=0xc02020:s=320x180', '-frames:v', '1', red]);
    await media.runner.ffmpeg(['-f', 'lavfi', '-i', 'color=c=0x20c040:s=256x256', '-frames:v', '1', green]);
    const segment = path.join(dir, 'scene.mp4');
    await renderScene(media, { width: 320, height: 180, durationSec: 2, visual: { path: red, kind: 'image', drawn: true }, audio, cues: [], fadeSec: 0, out: segment });
    scene = { scene: 1, kind: 'presenter', segment, duration_sec: 2, width: 320, height: 180, cues: [], metadata: { lip_sync: false, pose: 'close' } };
    // What the model answers: a clip of another size, green.
    const talk = path.join(dir, 'talk.mp4');
    await renderScene(media, { width: 256, height: 256, durationSec: 2, visual: { path: green, kind: 'image', drawn: true }, audio, cues: [], fadeSec: 0, out: talk });
    answer = await readFile(talk);
  });
  beforeEach(async () => {
    server = await startPredictionServer();
    server.files.set('talk.mp4', answer);
    recorded = [];
  });
  afterEach(async () => {
    await server.close();
  });
  after(async () => {
    await media.runner.settled();
    await rm(dir, { recursive: true, force: true });
  });

  it('makes the downloaded clip the scene, with the prediction id and request id recorded', async () => {
    server.onPoll = (p) => {
      p.status = 'succeeded';
      p.output = `${server.origin}/files/talk.mp4`;
      return undefined;
    };
    const out = await sync();
    const input = (server.requestsTo('/v1/predictions', 'POST')[0]!.body as { input: Record<string, string>; model: string });
    expect(input.model).to.equal('acme/lips');
    expect(input.input.face).to.match(/^data:video\/mp4;base64,/);
    expect(input.input.audio).to.match(/^data:audio\/wav;base64,/);
    expect(out.metadata.lip_sync).to.equal(true);
    expect(out.metadata.prediction).to.deep.include({ provider: 'remote:acme/lips', id: 'p1' });
    expect(out.metadata.prediction!.request_id).to.match(/^req-\d+$/);
    const lip = recorded.find((r) => r.kind === 'lipsync')!;
    expect(lip.provider).to.equal('remote:acme/lips');
    expect(lip.scores).to.deep.equal({ prediction: { id: 'p1', request_id: out.metadata.prediction!.request_id } });
    expect(recorded.map((r) => r.kind)).to.deep.equal(['lipsync', 'scene']);
    const info = await probe(media.runner, out.segment);
    expect([info.video?.width, info.video?.height, info.video?.codec, info.audio?.codec]).to.deep.equal([320, 180, 'h264', 'aac']);
    expect(info.durationSec).to.be.closeTo(2, 0.05);
    const [r, g] = (await decodePicture(media.runner, out.segment, path.join(dir, 'f.bmp'), 1)).at(160, 90);
    expect(g).to.be.above(150);
    expect(r).to.be.below(80);
  });

  it('fails the scene with the provider\'s message on a failed prediction, without retrying it', async () => {
    server.onPoll = (p) => {
      p.status = 'failed';
      p.error = 'no face found in the input video';
      return undefined;
    };
    const error = await sync().then(() => undefined, (e: Error & { code?: string; retryable?: boolean }) => e);
    expect(error?.message).to.include('no face found in the input video');
    expect(error?.code).to.equal('prediction-failed');
    expect(error?.retryable).to.equal(false);
    expect(server.requestsTo('/v1/predictions', 'POST').filter((r) => r.path === '/v1/predictions')).to.have.length(1);
    expect(recorded).to.have.length(0);
  });

  it('waits out a slow prediction that is processing for several polls', async () => {
    server.onPoll = (p) => {
      p.status = p.polls < 5 ? 'processing' : 'succeeded';
      if (p.status === 'succeeded') p.output = [`${server.origin}/files/talk.mp4`];
      return undefined;
    };
    const out = await sync();
    expect(server.predictions.get('p1')!.polls).to.equal(5);
    expect(out.metadata.lip_sync).to.equal(true);
  });

  it('honours a 429\'s Retry-After while polling', async () => {
    server.onPoll = (p) => {
      if (p.polls === 1) return { status: 429, body: { detail: 'slow down' }, headers: { 'retry-after': '1' } };
      p.status = 'succeeded';
      p.output = `${server.origin}/files/talk.mp4`;
      return undefined;
    };
    const out = await sync();
    const polls = server.requestsTo('/v1/predictions/p1', 'GET');
    expect(polls).to.have.length(2);
    expect(polls[1]!.at - polls[0]!.at).to.be.at.least(1000);
    expect(out.metadata.lip_sync).to.equal(true);
  });

  it('gives the model the scene without captions and burns them into what it answers', async () => {
    const deps = { assets: store, media, speech: [new EspeakNgProvider()], material: [] } as unknown as PipelineDeps;
    const portrait = path.join(dir, 'portrait.png');
    await sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="600" height="750"><rect width="600" height="750" fill="#8a9bb0"/>
      <path d="M60 750 C 80 520, 520 520, 540 750 Z" fill="#2a3550"/><ellipse cx="300" cy="270" rx="100" ry="120" fill="#f01cb4"/></svg>`)).png().toFile(portrait);
    const narration = 'Hello there, this is the news.';
    const item = { scene: 1, kind: 'presenter', pose: 'medium', narration };
    const stage = (component: string, input: unknown, inputs: Record<string, unknown> = {}): HandlerContext => ({
      taskId: 't', component, attempt: 1, input, params: {}, inputs, deps: {}, signal: new AbortController().signal, recordAsset: (a) => recorded.push(a),
    });
    const spoken = await makePresenterSceneSpeech(deps)(stage('SceneSpeech', { item, voice: { voice: 'espeak-ng', rate: 1, pitch_semitones: 0 } })) as SceneSpeech;
    const options = { format: '16:9', size: '320x180' };
    const portraitInput = { path: portrait, width: 600, height: 750, face: { x: 200, y: 150, w: 200, h: 240 } };
    const render = (captions: boolean) => makePresenterSceneRender(deps)(stage('SceneRender', { item: { ...item, captions }, portrait: portraitInput, options }, { speech: spoken })) as Promise<SceneVideo>;
    const rendered = await render(true);
    const clean = await render(false);
    expect(rendered.cues.length).to.be.above(0);
    expect(rendered.captioned).to.equal(false);
    server.onPoll = (p) => {
      p.status = 'succeeded';
      p.output = `${server.origin}/files/talk.mp4`;
      return undefined;
    };
    const settings = compileSettings({ SLOTFLOW_LIPSYNC_PROVIDER: 'remote', SLOTFLOW_LIPSYNC_BASE_URL: server.origin, SLOTFLOW_LIPSYNC_MODEL: 'acme/lips' });
    const lipsync = lipSyncFromSettings(settings, store, { pollMs: 20, maxPollMs: 40 })!;
    const sync = (given: SceneVideo, model?: typeof lipsync) =>
      makePresenterLipSync(deps, model)(stage('LipSync', { options }, { speech: spoken, presenter: given })) as Promise<SceneVideo>;
    const out = await sync(rendered, lipsync);
    // What the model was sent is the captions-off render, to the pixel (the same encode: no caption anywhere).
    const sent = (server.requestsTo('/v1/predictions', 'POST')[0]!.body as { input: { face: string } }).input.face;
    const face = path.join(dir, 'sent.mp4');
    await writeFile(face, Buffer.from(sent.slice(sent.indexOf(',') + 1), 'base64'));
    const at = Math.min(1, spoken.duration_sec / 2);
    const frame = async (file: string, name: string) => decodePicture(media.runner, file, path.join(dir, `${name}.bmp`), at);
    const [sentFrame, cleanFrame, answerFrame, finalFrame] = [await frame(face, 'sent'), await frame(clean.segment, 'clean'), await frame(path.join(dir, 'talk.mp4'), 'talk'), await frame(out.segment, 'final')];
    expect(bandDifference(sentFrame, cleanFrame), 'sent vs captions-off render').to.be.below(1);
    // The answer is a plain green clip: in the final, the caption band has text on it.
    const text = (p: Picture) => {
      let n = 0;
      for (let y = Math.floor(p.height * 0.6); y < p.height; y++) for (let x = 0; x < p.width; x++) { const [r, g, b] = p.at(x, y); if (Math.hypot(r - 0x20, g - 0xc0, b - 0x40) > 100) n++; }
      return n / (p.width * p.height * 0.4);
    };
    expect(text(finalFrame), 'caption pixels in the final').to.be.above(0.01);
    expect(text(answerFrame), 'caption pixels in the model\'s answer').to.be.below(0.001);
    expect(out.captioned).to.equal(true);
    expect(out.metadata.lip_sync).to.equal(true);
    // Offline the captions are burned over the render itself.
    const offline = await sync(rendered);
    expect(offline.metadata.lip_sync).to.equal(false);
    expect(bandDifference(await frame(offline.segment, 'offline'), cleanFrame, 0.6 * 180, 180), 'captions burned offline').to.be.above(3);
    expect((await sync(clean)).segment, 'captions off: nothing to burn').to.equal(clean.segment);
  });

  it('passes the scene through unchanged offline, lip_sync false', async () => {
    const out = await makePresenterLipSync({ assets: store, media } as unknown as PipelineDeps, undefined)(ctx()) as SceneVideo;
    expect(out.segment).to.equal(scene.segment);
    expect(out.metadata.lip_sync).to.equal(false);
    expect(recorded).to.have.length(0);
  });
});
