import { expect } from 'chai';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { grabFrame, probe } from '../../src/adapters/ffmpeg/index.ts';
import { isTerminal } from '../../src/core/engine/task.ts';
import { mediaFromSettings } from '../../src/pipeline/providers.ts';
import type { PresenterOutputSnapshot } from '../../src/presenter/routes/snapshot.ts';
import type { PresenterOutputView } from '../../src/presenter/service.ts';
import type { AssetView } from '../../src/product/service.ts';
import { compileSettings } from '../../src/settings.ts';
import { useFullServer } from '../support/server.ts';

/**
 * Presenter videos' routes against the real runtime (MariaDB, Redis, the scheduler and a worker with every
 * handler): contract and photo refusals before any work, a presenter from the bundled sample portraits and
 * voice sample, its identity built once and referenced by id from an output's assets, a single-route output to
 * an MP4 (probed: H.264 + AAC), and the approval route held at its gates, approved and rejected over HTTP.
 * A frame of the single route's video is written to /tmp/papi to be looked at.
 */

const SAMPLES = 'examples/presenter';
const PHOTOS = ['presenter-front.jpg', 'presenter-left.jpg', 'presenter-right.jpg'];
const LOOK_DIR = '/tmp/papi';
const POLL_MS = 200;
/** 16:9 at the smallest size the frame checks take: lean, and enough to look at. */
const LEAN = { format: '16:9', size: '640x360' } as const;

interface Answer {
  id: string;
  status: string;
  phase: string;
  error: { code: string; message: string; pointer?: string; refusals: Array<{ file: string; code: string; reason: string }> };
  [field: string]: unknown;
}

// The JSON the routes answer is the service's view, as it is typed there.
type OutputView = PresenterOutputView;

describe('presenter videos over HTTP', function () {
  this.timeout(600000);
  const server = useFullServer();
  const media = mediaFromSettings(compileSettings());

  after(async () => {
    await media.runner.settled();
  });

  async function upload(file: string, type: string): Promise<{ file: string; asset: string }> {
    const res = await fetch(`${server().base}/v1/assets`, { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(await readFile(path.join(SAMPLES, file))) });
    const body = (await res.json()) as { id: string };
    expect(res.status, JSON.stringify(body)).to.equal(201);
    return { file, asset: body.id };
  }

  async function post(route: string, body: unknown): Promise<{ status: number; body: Answer }> {
    const res = await fetch(`${server().base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Answer };
  }

  async function get<T = Answer>(route: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${server().base}${route}`);
    return { status: res.status, body: (await res.json()) as T };
  }

  const taskCount = async () => (await server().d.reads.listTasks({ limit: 1000 })).length;

  async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
    for (;;) {
      const v = await read();
      if (done(v)) return v;
      const phase = (v as { phase?: string }).phase;
      if (phase && isTerminal(phase as never)) throw new Error(`${what}: ended ${phase}: ${JSON.stringify((v as { error?: unknown }).error)}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  const runsOf = async (id: string) => (await server().d.reads.listRuns(id)).map((r) => r.component);

  let photos: Array<{ file: string; asset: string }> = [];
  let sample: { file: string; asset: string };
  let presenter = '';

  before(async () => {
    photos = [];
    for (const f of PHOTOS) photos.push(await upload(f, 'image/jpeg'));
    sample = await upload('voice-sample.wav', 'audio/wav');
    await mkdir(LOOK_DIR, { recursive: true });
  });

  const creation = (extra: Record<string, unknown> = {}) => ({ contract: 'presenter-creation/1', name: 'Ada', photos, voice_sample: sample, ...extra });

  it('takes a voice sample as an audio/wav upload and refuses audio that is not what it says', async () => {
    expect(sample.asset).to.match(/^[0-9a-f]{64}\.wav$/);
    const res = await fetch(`${server().base}/v1/assets`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: new Uint8Array(Buffer.from('not a wave file')) });
    expect(res.status).to.equal(400);
  });

  it('refuses a two-people photo before any task, naming the file, with every refused photo listed', async () => {
    const two = await upload('two-people.jpg', 'image/jpeg');
    const before = await taskCount();
    const res = await post('/v1/presenters', creation({ photos: [photos[0], two, { file: 'again.jpg', asset: two.asset }] }));
    expect(res.status).to.equal(400);
    expect(res.body.error).to.include({ code: 'presenter-photos-refused', pointer: '/photos' });
    expect(res.body.error.refusals.map((r) => [r.file, r.code])).to.deep.equal([['two-people.jpg', 'portrait-several-subjects'], ['again.jpg', 'portrait-several-subjects']]);
    expect(res.body.error.message).to.include('two-people.jpg').and.not.include(server().env.settings.dataDir);
    expect(await taskCount()).to.equal(before);
  });

  const refusals = [
    { what: 'an unknown field', body: () => creation({ age: 40 }), code: 'invalid-body', pointer: '/age' },
    { what: 'an unknown field inside a photo', body: () => creation({ photos: [{ ...photos[0], size: 1 }] }), code: 'invalid-body', pointer: '/photos/0/size' },
    { what: 'no voice sample', body: () => ({ contract: 'presenter-creation/1', name: 'Ada', photos }), code: 'invalid-body', pointer: '/voice_sample' },
    { what: 'a photo as the voice sample', body: () => creation({ voice_sample: photos[0] }), code: 'unknown-upload', pointer: '/voice_sample' },
    { what: 'another contract', body: () => creation({ contract: 'product-creation/1' }), code: 'unknown-contract', pointer: '/contract' },
  ];
  for (const r of refusals) {
    it(`refuses a presenter request with ${r.what}: 400 ${r.code} at ${r.pointer}, and creates nothing`, async () => {
      const before = await taskCount();
      const res = await post('/v1/presenters', r.body());
      expect(res.status).to.equal(400);
      expect(res.body.error).to.include({ code: r.code, pointer: r.pointer });
      expect(await taskCount()).to.equal(before);
    });
  }

  it('creates a presenter from the sample portraits and voice sample; outputs wait (409) until the identity is built', async () => {
    const res = await post('/v1/presenters', creation());
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    presenter = res.body.id;
    const early = await post(`/v1/presenters/${presenter}/outputs`, { contract: 'presenter-output/1', route: 'single', script: 'Hello.' });
    // Asked at once: building the identity takes seconds (portraits, sheet, voice measure), so it is not ready yet.
    expect(early.status).to.equal(409);
    expect(early.body.error.code).to.equal('presenter-not-ready');
    const done = await until(async () => (await get(`/v1/presenters/${presenter}`)).body, (v) => v.phase === 'completed', 'presenter');
    expect(done.name).to.equal('Ada');
    const assets = done.assets as AssetView[];
    expect(assets.map((a) => a.kind)).to.include.members(['portrait', 'view', 'character-sheet', 'voice-profile']);
    // The asset graph: the portrait and views from the uploads by name, the sheet from them by id, the profile from the sample.
    const portraits = assets.filter((a) => a.kind === 'portrait' || a.kind === 'view');
    expect(portraits).to.have.length(3);
    expect(portraits.map((p) => p.inputs[0])).to.deep.equal(PHOTOS.map((f) => `upload:${f}`));
    const sheet = assets.find((a) => a.kind === 'character-sheet')!;
    expect(sheet.inputs.filter((i) => /^\d+$/.test(i)).map(Number).sort()).to.deep.equal(portraits.map((p) => p.id).sort());
    expect(assets.find((a) => a.kind === 'voice-profile')!.inputs).to.include('upload:voice-sample.wav');
    expect((done.metadata as { voice: { kind: string } }).voice.kind).to.equal('match');
    // Built once: one succeeded run of each identity component.
    const runs = (await server().d.reads.listRuns(presenter)).filter((r) => r.status === 'succeeded').map((r) => r.component).sort();
    expect(runs).to.deep.equal(['PresenterPortrait', 'PresenterSheet', 'PresenterVoice']);
  });

  it('lists the presenters newest first (GET /v1/presenters), refusing a limit out of range', async () => {
    const listed = await get<{ presenters: Array<{ id: string; name: string; phase: string; status: string; created_at: string }> }>('/v1/presenters?limit=5');
    expect(listed.status).to.equal(200);
    expect(listed.body.presenters.map((p) => [p.id, p.name, p.phase])).to.deep.include([presenter, 'Ada', 'completed']);
    expect(listed.body.presenters.every((p) => !Number.isNaN(Date.parse(p.created_at)))).to.equal(true);
    // Outputs are tasks too, of other flows: none is listed.
    expect(listed.body.presenters).to.have.length(1);
    const tooMany = await get('/v1/presenters?limit=1000');
    expect(tooMany.status).to.equal(400);
  });

  it('refuses a bad route and an unknown option at their pointers before any task', async () => {
    const before = await taskCount();
    const route = await post(`/v1/presenters/${presenter}/outputs`, { contract: 'presenter-output/1', route: 'documentary', script: 'Hello.' });
    expect(route.status).to.equal(400);
    expect(route.body.error).to.include({ code: 'invalid-body', pointer: '/route' });
    expect(route.body.error.message).to.include('single');
    const option = await post(`/v1/presenters/${presenter}/outputs`, { contract: 'presenter-output/1', route: 'single', script: 'Hello.', options: { colour: 'red' } });
    expect(option.body.error).to.include({ code: 'invalid-body', pointer: '/options/colour' });
    const missing = await post('/v1/presenters/zzzzzzzzzzzz/outputs', { contract: 'presenter-output/1', route: 'single', script: 'Hello.' });
    expect(missing.status).to.equal(404);
    expect(missing.body.error.code).to.equal('unknown-presenter');
    expect(await taskCount()).to.equal(before);
  });

  it('single route: an output to an H.264 + AAC MP4, made from the identity built once, referenced by asset id', async () => {
    const res = await post(`/v1/presenters/${presenter}/outputs`, { contract: 'presenter-output/1', route: 'single', script: 'Hello, I am Ada. Welcome to the studio.', options: LEAN });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const id = res.body.id;
    const view = await until(async () => (await get<OutputView>(`/v1/outputs/${id}`)).body, (v) => v.phase === 'completed', 'single output');
    expect(view).to.include({ presenter, route: 'single', stage: 'done', waiting_for: null, video: `/v1/outputs/${id}/video` });
    expect(view.scenes.map((s) => [s.scene, s.kind])).to.deep.equal([[1, 'presenter']]);
    expect(view.stage_label).to.equal('done');
    // The scene's own stages follow the fan-out's, each done once, each named in words.
    const sceneStages = view.stages.filter((s) => s.scene === 1).map((s) => [s.stage, s.label, s.state, s.attempts]);
    expect(sceneStages).to.deep.equal([
      ['scene-speech', 'generating audio', 'succeeded', 1], ['scene-render', 'rendering scene', 'succeeded', 1],
      ['b-roll', 'rendering scene', 'skipped', 0], ['lip-sync', 'syncing lips', 'succeeded', 1],
    ]);
    expect(view.stages.filter((s) => s.scene === null).map((s) => s.stage)).to.deep.equal(['script', 'storyboard', 'scenes', 'stitch', 'enhance']);
    // The output's snapshot carries the identity by asset id: the presenter's own portrait and voice profile.
    const identity = (await get(`/v1/presenters/${presenter}`)).body.assets as AssetView[];
    const input = (await server().d.reads.getTask(id))!.input as PresenterOutputSnapshot;
    expect(input.identity.portrait.id).to.equal(identity.find((a) => a.kind === 'portrait')!.id);
    expect(input.identity.voice.id).to.equal(identity.find((a) => a.kind === 'voice-profile')!.id);
    // ...and the scene's render lists the portrait's id among its inputs: the identity was not made again.
    const rendered = view.assets.filter((a) => a.component === 'SceneRender');
    expect(rendered.length).to.be.greaterThan(0);
    expect(rendered.flatMap((a) => a.inputs)).to.include(String(input.identity.portrait.id));
    expect((await runsOf(presenter)).filter((c) => c === 'PresenterPortrait')).to.have.length(1);
    const runs = await runsOf(id);
    expect(runs).to.not.include('PresenterPortrait').and.not.include('PresenterVoice');
    // The MP4 as downloaded.
    const mp4 = await fetch(`${server().base}${view.video!}`);
    expect(mp4.status).to.equal(200);
    const file = path.join(LOOK_DIR, 'single.mp4');
    await writeFile(file, Buffer.from(await mp4.arrayBuffer()));
    const info = await probe(media.runner, file);
    expect(info.video?.codec).to.equal('h264');
    expect(info.audio?.codec).to.equal('aac');
    expect([info.video?.width, info.video?.height]).to.deep.equal([640, 360]);
    await grabFrame(media.runner, file, Math.min(1.5, info.durationSec / 2), path.join(LOOK_DIR, 'single.png'));
    const listed = (await get(`/v1/presenters/${presenter}`)).body.outputs as Array<{ id: string; route: string }>;
    expect(listed.map((o) => [o.id, o.route])).to.deep.include([id, 'single']);
  });

  it('retries a finished presenter output from a stage: that stage and what follows run again, the rest is kept', async () => {
    const single = ((await get(`/v1/presenters/${presenter}`)).body.outputs as Array<{ id: string; route: string }>).find((o) => o.route === 'single')!.id;
    const unknown = await post(`/v1/outputs/${single}/retry`, { contract: 'output-retry/1', from: 'casting' });
    expect(unknown.status).to.equal(400);
    expect(unknown.body.error.code).to.equal('unknown-stage');
    expect(unknown.body.error.message).to.include('stitch').and.include('lip-sync');
    const res = await post(`/v1/outputs/${single}/retry`, { contract: 'output-retry/1', from: 'stitch' });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    await until(async () => (await get<OutputView>(`/v1/outputs/${single}`)).body, (v) => v.phase === 'completed' && v.video !== null, 'retried output');
    const runs = (await server().d.reads.listRuns(single)).filter((r) => r.status === 'succeeded').map((r) => r.component);
    expect(runs.filter((c) => c === 'Stitch')).to.have.length(2);
    expect(runs.filter((c) => c === 'Enhance')).to.have.length(2);
    expect(runs.filter((c) => c === 'Script')).to.have.length(1);
    expect(runs.filter((c) => c === 'Storyboard')).to.have.length(1);
    const snapshots = await server().d.store.listSnapshots(single);
    expect(snapshots.map((x) => x.contract)).to.deep.equal(['presenter-output/1', 'output-retry/1']);
  });

  it('retries one scene of a presenter output as a new take: that scene is rendered again, then the stitch', async () => {
    const single = ((await get(`/v1/presenters/${presenter}`)).body.outputs as Array<{ id: string; route: string }>).find((o) => o.route === 'single')!.id;
    const before = (await get<OutputView>(`/v1/outputs/${single}`)).body;
    const missing = await post(`/v1/outputs/${single}/retry`, { contract: 'output-retry/1', from: 'scene-render', scene: 2 });
    expect(missing.status).to.equal(404);
    expect(missing.body.error.code).to.equal('unknown-scene');
    const res = await post(`/v1/outputs/${single}/retry`, { contract: 'output-retry/1', from: 'scene-render', scene: 1 });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const after = await until(async () => (await get<OutputView>(`/v1/outputs/${single}`)).body, (v) => v.phase === 'completed' && (v.scenes[0] as { take?: number } | undefined)?.take === 2, 'scene retry');
    expect(after.scenes[0]!.segment!.id).to.not.equal(before.scenes[0]!.segment!.id);
    const runs = (await server().d.reads.listRuns(single)).filter((r) => r.status === 'succeeded').map((r) => r.component);
    expect(runs.filter((c) => c === 'Script')).to.have.length(1);
    expect(runs.filter((c) => c === 'Stitch')).to.have.length(3);
  });

  it('approval route: waits for the script, then the storyboard; a rejection with a reason remakes the storyboard only; approvals listed', async () => {
    const res = await post(`/v1/presenters/${presenter}/outputs`, { contract: 'presenter-output/1', route: 'approval', script: 'Hello there.\n\nWe make bicycles.\n\nSee you soon.', options: LEAN });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const id = res.body.id;
    const view = () => get<OutputView>(`/v1/outputs/${id}`).then((r) => r.body);
    const atScript = await until(view, (v) => v.waiting_for === 'script', 'script gate');
    expect(atScript.stage).to.equal('script-approval');
    expect(atScript.stage_label).to.equal('waiting for script approval');
    expect(atScript.approvals).to.deep.equal([]);
    // Each stage's state: the script made once, its gate waiting, nothing after it run.
    const byComponent = (v: OutputView) => Object.fromEntries(v.stages.map((s) => [s.component, [s.state, s.in_flight, s.attempts]]));
    expect(byComponent(atScript)).to.deep.include({ Script: ['succeeded', false, 1], ScriptApproval: ['pending', true, 1], Storyboard: ['pending', false, 0] });
    expect(atScript.stages.find((s) => s.component === 'Storyboard')).to.include({ stage: 'storyboard', label: 'building storyboard', scene: null, error: null });
    expect(atScript.script?.scenes.map((s) => s.text)).to.deep.equal(['Hello there.', 'We make bicycles.', 'See you soon.']);
    expect(atScript.script!.scenes.every((s) => s.duration_sec > 0)).to.equal(true);
    expect(atScript.storyboard).to.equal(null);
    expect(await runsOf(id)).to.include('Script').and.not.include('Storyboard');

    const early = await post(`/v1/outputs/${id}/approvals/storyboard`, { approved: true });
    expect(early.status).to.equal(409);
    expect(early.body.error.code).to.equal('not-waiting');
    const unknown = await post(`/v1/outputs/${id}/approvals/casting`, { approved: true });
    expect(unknown.status).to.equal(400);
    expect(unknown.body.error.code).to.equal('unknown-stage');
    const noReason = await post(`/v1/outputs/${id}/approvals/script`, { approved: false });
    expect(noReason.status).to.equal(400);
    expect(noReason.body.error).to.include({ code: 'invalid-body', pointer: '/reason' });
    const extra = await post(`/v1/outputs/${id}/approvals/script`, { approved: true, by: 'me' });
    expect(extra.body.error).to.include({ code: 'invalid-body', pointer: '/by' });

    const approved = await post(`/v1/outputs/${id}/approvals/script`, { approved: true });
    expect(approved.status, JSON.stringify(approved.body)).to.equal(202);
    const atStoryboard = await until(view, (v) => v.waiting_for === 'storyboard', 'storyboard gate');
    expect(atStoryboard.stage_label).to.equal('waiting for storyboard approval');
    expect(atStoryboard.storyboard?.revision).to.equal(null);
    expect(atStoryboard.storyboard?.scenes.map((s) => [s.scene, s.kind, s.narration])).to.deep.equal([[1, 'presenter', 'Hello there.'], [2, 'presenter', 'We make bicycles.'], [3, 'presenter', 'See you soon.']]);
    expect(atStoryboard.storyboard!.scenes.every((s) => s.pose !== null && (s.duration_sec ?? 0) > 0)).to.equal(true);
    const first = (await server().d.reads.listRuns(id)).filter((r) => r.component === 'Storyboard');
    expect(first).to.have.length(1);

    const rejected = await post(`/v1/outputs/${id}/approvals/storyboard`, { approved: false, reason: 'vary the framing' });
    expect(rejected.status, JSON.stringify(rejected.body)).to.equal(202);
    await until(view, (v) => v.waiting_for === 'storyboard' && v.approvals.length === 2, 'storyboard gate again');
    await until(async () => (await server().d.reads.listRuns(id)).filter((r) => r.component === 'Storyboard' && r.status === 'succeeded'), (r) => r.length === 2, 'second storyboard');
    const runs = await runsOf(id);
    expect(runs.filter((c) => c === 'Script')).to.have.length(1);
    expect(runs.filter((c) => c === 'Storyboard')).to.have.length(2);
    expect(runs).to.not.include('Scenes');
    const second = (await server().d.reads.listRuns(id)).findLast((r) => r.component === 'Storyboard')!.output as { revision?: { number: number; reason: string } };
    expect(second.revision).to.deep.equal({ number: 1, reason: 'vary the framing' });
    expect((await runsOf(presenter)).filter((c) => c === 'PresenterPortrait')).to.have.length(1);
    const after = await view();
    expect(after.approvals.map((a) => [a.stage, a.approved, a.reason])).to.deep.equal([['script', true, null], ['storyboard', false, 'vary the framing']]);
    expect(after.storyboard?.revision).to.deep.equal({ number: 1, reason: 'vary the framing' });
    expect(after.stages.find((s) => s.component === 'Storyboard')!.attempts).to.be.at.least(1);
    await server().d.engine.cancel(id);
  });

  it('answers 404 unknown-output for an approval of an output that does not exist', async () => {
    const res = await post('/v1/outputs/zzzzzzzzzzzz/approvals/script', { approved: true });
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('unknown-output');
  });
});
