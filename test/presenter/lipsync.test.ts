import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import { createMedia, probe, renderScene } from '../../src/adapters/ffmpeg/index.ts';
import type { HandlerContext, RecordedAsset } from '../../src/handlers/registry.ts';
import type { PipelineDeps } from '../../src/pipeline/deps.ts';
import { makePresenterLipSync } from '../../src/presenter/handlers/lipsync.ts';
import { lipSyncFromSettings } from '../../src/presenter/register-render.ts';
import type { SceneSpeech, SceneVideo } from '../../src/presenter/render/types.ts';
import { compileSettings } from '../../src/settings.ts';
import { monoWav } from '../support/wav.ts';
import { decodePicture } from '../support/frames.ts';
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

  it('passes the scene through unchanged offline, lip_sync false', async () => {
    const out = await makePresenterLipSync({ assets: store, media } as unknown as PipelineDeps, undefined)(ctx()) as SceneVideo;
    expect(out.segment).to.equal(scene.segment);
    expect(out.metadata.lip_sync).to.equal(false);
    expect(recorded).to.have.length(0);
  });
});
