import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { grabFrame, probe } from '../../src/adapters/ffmpeg/index.ts';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { codeOf } from '../../src/core/errors.ts';
import { isTerminal, TaskPhase } from '../../src/core/engine/task.ts';
import { mediaFromSettings } from '../../src/pipeline/providers.ts';
import { paceOf } from '../../src/pipeline/speech-pace.ts';
import { approvalsOf, decideApproval } from '../../src/presenter/approvals.ts';
import type { OutputBackgrounds, SceneBackground } from '../../src/presenter/handlers/scene-background.ts';
import { retryOutput } from '../../src/product/service.ts';
import type { SceneSpeech, SceneVideo } from '../../src/presenter/render/types.ts';
import { splitScript } from '../../src/presenter/routes/script.ts';
import type { PresenterOutputSnapshot, PresenterRoute } from '../../src/presenter/routes/snapshot.ts';
import { planStoryboard, type PresenterStoryboard } from '../../src/presenter/routes/storyboard.ts';
import { fullRegistry, type EmbeddedRuntime, startEmbedded } from '../../src/runtime/composition.ts';
import { compileSettings } from '../../src/settings.ts';

/**
 * The presenter routes end to end on the embedded engine: real ffmpeg, a Flite voice, a portrait drawn here (a
 * magenta face no backdrop or caption has), the identity handed in as an output snapshot carries it. Each MP4 is
 * probed; a frame of each route is written to /tmp/proutes for a person to look at.
 */

const POLL_MS = 100;
const FACE = { x: 200, y: 150, w: 200, h: 240 };
const VOICE = { voice: 'flite:slt', rate: 1, pitch_semitones: 0, provider: 'flite' };
/** A small 16:9 frame: no check here looks inside a frame (test/http/presenters.test.ts does, at 640x360). */
const SIZE = { format: '16:9' as const, size: '320x180' };

interface RouteRun {
  id: string;
  storyboard: PresenterStoryboard;
  scenes: Array<{ index: number; outputs: { SceneSpeech: SceneSpeech; LipSync: SceneVideo } }>;
  video: string;
}

describe('presenter routes', function () {
  this.timeout(900000);
  let dir: string;
  let rt: EmbeddedRuntime;
  let portrait: PresenterOutputSnapshot['identity']['portrait'];
  let store: AssetStore;
  const media = mediaFromSettings(compileSettings());

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-proutes-'));
    await mkdir('/tmp/proutes', { recursive: true });
    const settings = compileSettings({ ...process.env, SLOTFLOW_DATA_DIR: path.join(dir, 'data') });
    rt = await startEmbedded({ registry: fullRegistry(settings, media), settings, concurrency: 2 });
    store = new AssetStore(settings.dataDir);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="750">
      <rect width="600" height="750" fill="#8a9bb0"/>
      <path d="M60 750 C 80 520, 520 520, 540 750 Z" fill="#2a3550"/>
      <ellipse cx="300" cy="270" rx="100" ry="120" fill="#f01cb4"/>
      <ellipse cx="260" cy="250" rx="16" ry="10" fill="#ffffff"/><ellipse cx="340" cy="250" rx="16" ry="10" fill="#ffffff"/>
      <rect x="255" y="320" width="90" height="12" rx="6" fill="#600030"/></svg>`;
    const file = path.join(dir, 'portrait.png');
    await sharp(Buffer.from(svg)).png().toFile(file);
    const stored = await store.put(file);
    portrait = { id: 1, kind: 'portrait', path: stored.path, hash: stored.hash, width: 600, height: 750, face: FACE };
  });
  after(async () => {
    await rt?.close();
    await media.runner.settled();
    if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  function snapshot(route: PresenterRoute, script: string): PresenterOutputSnapshot {
    return {
      contract: 'presenter-output/1', presenter: 'pres_0123456789abcdef', route, script, options: SIZE,
      identity: { presenter: 'pres_0123456789abcdef', name: 'Ada', portrait, voice: { id: 2, kind: 'voice-profile', path: portrait.path, hash: portrait.hash, profile: VOICE } },
    };
  }

  async function settle(id: string): Promise<void> {
    for (;;) {
      const snap = (await rt.reads.readTask(id))!;
      if (isTerminal(snap.phase)) return;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  async function waitingAt(id: string, gate: string): Promise<void> {
    for (;;) {
      const task = (await rt.engine.readTask(id))!;
      const component = task.flow.byName.get(gate)!;
      if ((task.snap.inFlight & component.successBit) !== 0n) return;
      if (isTerminal(task.snap.phase)) throw new Error(`${id} ended ${task.snap.phase} before ${gate}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  const lastOutput = async (id: string, component: string) => (await rt.reads.listRuns(id)).findLast((r) => r.component === component && r.status === 'succeeded')?.output;

  /** The components that ran (not answered from the cache) in a task, each as often as it ran. */
  const ran = async (id: string) => (await rt.reads.listRuns(id)).filter((r) => !r.cached).map((r) => r.component).sort();
  const productDeps = () => ({ engine: rt.engine, reads: rt.reads, snapshots: rt.store, flows: rt.flows, assets: store, resolveFlow: (name: string) => loadFlow(name), modes: () => ({}) });
  /** Each scene's chosen take, in scene order. */
  const chosenTakes = async (id: string) => (await rt.reads.listTakes(id)).filter((t) => t.chosen).sort((a, b) => (a.sceneIndex ?? 0) - (b.sceneIndex ?? 0));

  async function run(route: PresenterRoute, script: string): Promise<RouteRun> {
    const { id } = await rt.engine.submit({ flow: loadFlow(`presenter-${route}`), input: snapshot(route, script), title: route });
    await settle(id);
    const task = (await rt.reads.getTask(id))!;
    expect(task.phase, JSON.stringify(task.error)).to.equal(TaskPhase.completed);
    const { scenes } = (await lastOutput(id, 'Scenes')) as { scenes: RouteRun['scenes'] };
    return {
      id, storyboard: (await lastOutput(id, 'Storyboard')) as PresenterStoryboard, scenes: [...scenes].sort((a, b) => a.index - b.index),
      video: ((await lastOutput(id, 'Enhance')) as { video: string }).video,
    };
  }

  /** H.264 + AAC at the asked size, as long as the speech (less the crossfades, with room for the scenes' rounding). */
  async function checkVideo(r: RouteRun, name: string): Promise<void> {
    const info = await probe(media.runner, r.video);
    expect(info.video?.codec).to.equal('h264');
    expect(info.audio?.codec).to.equal('aac');
    expect([info.video?.width, info.video?.height]).to.deep.equal([320, 180]);
    const speech = r.scenes.reduce((sum, s) => sum + s.outputs.SceneSpeech.duration_sec, 0);
    expect(info.durationSec).to.be.within(speech - 0.5 * r.scenes.length, speech + 0.5 * r.scenes.length);
    await grabFrame(media.runner, r.video, Math.min(1, info.durationSec / 2), path.join('/tmp/proutes', `${name}.png`));
  }

  it('cuts a script into scenes timed at the voice pace, with pose marks, and refuses an unknown pose before any work', () => {
    const slow = splitScript('[pose: wide] Hello there. This is our studio.\n\nToday we build a bicycle.', paceOf('flite', 0.5));
    const fast = splitScript('[pose: wide] Hello there. This is our studio.\n\nToday we build a bicycle.', paceOf('flite', 1));
    expect(fast.scenes.map((s) => [s.scene, s.pose, s.text])).to.deep.equal([[1, 'wide', 'Hello there. This is our studio.'], [2, undefined, 'Today we build a bicycle.']]);
    expect(slow.scenes[0]!.duration_sec).to.be.closeTo(fast.scenes[0]!.duration_sec * 2, 0.05);
    expect(fast.scenes[1]!.start_sec).to.equal(fast.scenes[0]!.duration_sec);
    expect(fast.scenes[1]!.visual.terms).to.include('bicycle');
    expect(() => splitScript('[pose: upside] Hi.', paceOf('flite'))).to.throw().with.property('code', 'invalid-pose-mark');
    expect(() => splitScript('  [pose: close] ', paceOf('flite'))).to.throw().with.property('code', 'invalid-script');
  });

  it('plans a different storyboard for a revision, keeping the poses the script marks', () => {
    const script = splitScript('One.\n\nTwo.\n\n[pose: side] Three.\n\nFour.', paceOf('flite'));
    const first = planStoryboard(script, 'multi');
    const second = planStoryboard(script, 'multi', { number: 1, reason: 'more variety' });
    expect(first.scenes.map((s) => s.pose)).to.deep.equal(['medium', 'medium', 'side', 'medium']);
    expect(second.scenes.map((s) => s.pose)).to.deep.equal(['medium', 'wide', 'side', 'close']);
    expect(planStoryboard(script, 'pose').scenes.map((s) => s.pose)).to.deep.equal(['close', 'medium', 'side', 'side']);
  });

  it('single route: one presenter scene saying the whole script, enhanced, H.264 + AAC', async () => {
    const r = await run('single', 'Hello, I am Ada. Today I show you our new bicycle.\n\nIt is light and fast.');
    expect(r.storyboard.scenes).to.have.length(1);
    expect(r.storyboard.scenes[0]!.narration).to.equal('Hello, I am Ada. Today I show you our new bicycle. It is light and fast.');
    expect(r.scenes[0]!.outputs.LipSync).to.include({ kind: 'presenter' });
    expect(r.scenes[0]!.outputs.LipSync.metadata.lip_sync).to.equal(false);
    await checkVideo(r, 'single');
  });

  it('multi route: a presenter scene per script scene, stitched in order', async () => {
    const r = await run('multi', 'Welcome to the workshop.\n\nHere we build frames by hand.\n\nCome and see us soon.');
    expect(r.storyboard.scenes.map((s) => [s.scene, s.kind])).to.deep.equal([[1, 'presenter'], [2, 'presenter'], [3, 'presenter']]);
    expect(r.scenes.map((s) => s.outputs.LipSync.scene)).to.deep.equal([1, 2, 3]);
    await checkVideo(r, 'multi');
  });

  it('broll route: presenter scenes alternate with b-roll chosen by the narration', async () => {
    const r = await run('broll', 'Hello from the coast.\n\nThe ocean waves roll onto the sandy beach.\n\nThanks for watching.');
    expect(r.storyboard.scenes.map((s) => s.kind)).to.deep.equal(['presenter', 'broll', 'presenter']);
    const broll = r.scenes[1]!.outputs.LipSync;
    expect(broll.kind).to.equal('broll');
    expect(broll.metadata.visual?.source).to.be.a('string');
    await checkVideo(r, 'broll');
    await grabFrame(media.runner, broll.segment, 1, '/tmp/proutes/broll-scene.png');
  });

  it('pose route: the poses cycle close, medium, wide, side over the scenes', async () => {
    const r = await run('pose', 'One moment please.\n\nLet me show you.\n\nThis is the frame.\n\nThat is all.');
    expect(r.scenes.map((s) => s.outputs.LipSync.metadata.pose)).to.deep.equal(['close', 'medium', 'wide', 'side']);
    await checkVideo(r, 'pose');
    for (const s of r.scenes) await grabFrame(media.runner, s.outputs.LipSync.segment, 0.8, `/tmp/proutes/pose-${s.outputs.LipSync.metadata.pose}.png`);
  });

  it('approval route: stops at the script gate, and a storyboard rejection remakes the storyboard only, stopping at its gate again', async () => {
    const { id } = await rt.engine.submit({ flow: loadFlow('presenter-approval'), input: snapshot('approval', 'Hello there.\n\nWe make bicycles.\n\nSee you soon.'), title: 'approval' });
    const deps = { engine: rt.engine, reads: rt.reads, snapshots: rt.store, flows: rt.flows };
    await waitingAt(id, 'ScriptApproval');
    expect((await rt.reads.listRuns(id)).map((r) => r.component)).to.include('Script').and.not.include('Storyboard');
    expect(codeOf(await decideApproval(deps, id, 'storyboard', { approved: true }).catch((e: unknown) => e))).to.equal('not-waiting');
    expect(codeOf(await decideApproval(deps, id, 'script', { approved: false }).catch((e: unknown) => e))).to.equal('invalid-approval');
    expect(codeOf(await decideApproval(deps, id, 'casting', { approved: true }).catch((e: unknown) => e))).to.equal('unknown-stage');
    await decideApproval(deps, id, 'script', { approved: true });
    await waitingAt(id, 'StoryboardApproval');
    const first = (await lastOutput(id, 'Storyboard')) as PresenterStoryboard;
    await decideApproval(deps, id, 'storyboard', { approved: false, reason: 'vary the framing' });
    await waitingAt(id, 'StoryboardApproval');
    const second = (await lastOutput(id, 'Storyboard')) as PresenterStoryboard;
    expect(second.revision).to.deep.equal({ number: 1, reason: 'vary the framing' });
    expect(second.scenes.map((s) => s.pose)).to.not.deep.equal(first.scenes.map((s) => s.pose));
    const runs = (await rt.reads.listRuns(id)).map((r) => r.component);
    expect(runs.filter((c) => c === 'Script')).to.have.length(1);
    expect(runs.filter((c) => c === 'Storyboard')).to.have.length(2);
    expect(runs).to.not.include('Scenes');
    expect((await approvalsOf(rt.store, id)).map((a) => [a.stage, a.approved, a.reason ?? null])).to.deep.equal([['script', true, null], ['storyboard', false, 'vary the framing']]);
    await rt.engine.cancel(id);
  });

  it('a background regeneration of scene 2 re-renders scene 2 and the final stitch only', async () => {
    const r = await run('multi', 'Welcome to the workshop.\n\nHere we build frames.');
    const before = { parent: await ran(r.id), takes: await chosenTakes(r.id) };
    const first = await Promise.all(before.takes.map(async (t) => (await lastOutput(t.id, 'SceneBackground')) as SceneBackground));
    const childRuns = await Promise.all(before.takes.map((t) => ran(t.id)));
    await retryOutput(productDeps(), r.id, { contract: 'output-retry/1', from: 'scene-background', scene: 2 });
    await settle(r.id);
    expect((await rt.reads.getTask(r.id))!.phase).to.equal(TaskPhase.completed);
    const after = { parent: await ran(r.id), takes: await chosenTakes(r.id) };
    // The parent: the stitch and the enhancement ran once more (the fan-out waited for the new take); nothing upstream.
    const added = [...after.parent];
    for (const c of before.parent) added.splice(added.indexOf(c), 1);
    expect(added.filter((c) => c !== 'Scenes')).to.deep.equal(['Enhance', 'Stitch']);
    for (const c of ['Script', 'Storyboard']) expect(after.parent.filter((x) => x === c), c).to.have.length(1);
    // Scene 1: the same take, nothing ran in it again. Scene 2: a new take, its background made again, then its render.
    expect(after.takes[0]!.id).to.equal(before.takes[0]!.id);
    expect(await ran(after.takes[0]!.id)).to.deep.equal(childRuns[0]);
    expect(after.takes[1]!.take).to.equal(2);
    expect(await ran(after.takes[1]!.id)).to.include.members(['SceneBackground', 'SceneRender', 'LipSync']);
    const second = (await lastOutput(after.takes[1]!.id, 'SceneBackground')) as SceneBackground;
    expect(second.variant).to.equal(first[1]!.variant + 1);
    expect(second.hash).to.not.equal(first[1]!.hash);
    const video = ((await lastOutput(r.id, 'Enhance')) as { video: string }).video;
    expect(video).to.not.equal(r.video);
    const [scene1, scene2] = [((await lastOutput(after.takes[0]!.id, 'LipSync')) as SceneVideo).segment, ((await lastOutput(after.takes[1]!.id, 'LipSync')) as SceneVideo).segment];
    expect(scene1).to.equal(r.scenes[0]!.outputs.LipSync.segment);
    expect(scene2).to.not.equal(r.scenes[1]!.outputs.LipSync.segment);
    await grabFrame(media.runner, r.scenes[1]!.outputs.LipSync.segment, 0.8, '/tmp/proutes/regen-scene2-before.png');
    await grabFrame(media.runner, scene2, 0.8, '/tmp/proutes/regen-scene2-after.png');
  });

  it('approval route: a background rejection remakes the backgrounds only, a video rejection the stitch only, approved assets kept', async () => {
    const { id } = await rt.engine.submit({ flow: loadFlow('presenter-approval'), input: snapshot('approval', 'Hello there.\n\nWe make bicycles.'), title: 'approval backgrounds' });
    const deps = { engine: rt.engine, reads: rt.reads, snapshots: rt.store, flows: rt.flows };
    await waitingAt(id, 'ScriptApproval');
    await decideApproval(deps, id, 'script', { approved: true });
    await waitingAt(id, 'StoryboardApproval');
    await decideApproval(deps, id, 'storyboard', { approved: true });
    await waitingAt(id, 'BackgroundApproval');
    const first = (await lastOutput(id, 'Backgrounds')) as OutputBackgrounds;
    expect(first.scenes.map((b) => [b.scene, b.variant])).to.deep.equal([[1, 0], [2, 0]]);
    expect(await ran(id)).to.not.include('Scenes');
    await decideApproval(deps, id, 'background', { approved: false, reason: 'warmer colours' });
    await waitingAt(id, 'BackgroundApproval');
    const second = (await lastOutput(id, 'Backgrounds')) as OutputBackgrounds;
    expect(second.revision).to.equal(1);
    expect(second.scenes.map((b) => b.hash)).to.not.include.members(first.scenes.map((b) => b.hash));
    let runs = await ran(id);
    expect(runs.filter((c) => c === 'Backgrounds')).to.have.length(2);
    for (const c of ['Script', 'Storyboard']) expect(runs.filter((x) => x === c), c).to.have.length(1);
    expect(runs).to.not.include('Scenes');
    await decideApproval(deps, id, 'background', { approved: true });
    await waitingAt(id, 'VideoApproval');
    // The scenes are set over the approved (second) backgrounds.
    const takes = await chosenTakes(id);
    for (const [i, t] of takes.entries()) expect(((await lastOutput(t.id, 'SceneBackground')) as SceneBackground).hash).to.equal(second.scenes[i]!.hash);
    const stitched = (await lastOutput(id, 'Stitch')) as { video: string };
    await decideApproval(deps, id, 'video', { approved: false, reason: 'tighter cuts' });
    await waitingAt(id, 'VideoApproval');
    runs = await ran(id);
    expect(runs.filter((c) => c === 'Stitch')).to.have.length(2);
    for (const c of ['Script', 'Storyboard', 'Backgrounds']) expect(runs.filter((x) => x === c).length, c).to.be.at.most(c === 'Backgrounds' ? 2 : 1);
    expect(runs.filter((c) => c === 'Scenes')).to.have.length(1);
    expect((await chosenTakes(id)).map((t) => t.id)).to.deep.equal(takes.map((t) => t.id));
    expect(runs).to.not.include('Enhance');
    await decideApproval(deps, id, 'video', { approved: true });
    await settle(id);
    expect((await rt.reads.getTask(id))!.phase).to.equal(TaskPhase.completed);
    const video = ((await lastOutput(id, 'Enhance')) as { video: string }).video;
    const info = await probe(media.runner, video);
    expect([info.video?.codec, info.audio?.codec]).to.deep.equal(['h264', 'aac']);
    expect(stitched.video).to.be.a('string');
    expect((await approvalsOf(rt.store, id)).map((a) => [a.stage, a.approved])).to.deep.equal([
      ['script', true], ['storyboard', true], ['background', false], ['background', true], ['video', false], ['video', true],
    ]);
  });
});
