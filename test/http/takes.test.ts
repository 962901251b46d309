import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { FfmpegRunner } from '../../src/adapters/ffmpeg/index.ts';
import type { Distributed } from '../../src/runtime/composition.ts';
import { eventually } from '../support/env.ts';
import { decodePicture } from '../support/frames.ts';
import { useFullServer } from '../support/server.ts';

/**
 * The review loop through the API, on the real MariaDB, Redis, scheduler and
 * worker: a scene regenerated with new narration becomes take 2 and only that
 * scene and the join run again; a regeneration without changes is take 3, a
 * different picture; choosing take 1 gives back the first video, byte for byte.
 */

const ARTICLE = [
  '# Night trains return',
  '',
  'Night trains are coming back across Europe. Travellers want to sleep on the way instead of flying.',
  '',
  'A new line links Vienna and Paris three times a week. The cabins have real beds and a small basin.',
  '',
  'Operators say the trains are full most nights. They plan more routes for next summer.',
].join('\n');

interface TakeView { take: number; task_id: string; status: string; chosen: boolean; narration: string | null; video: string | null; thumbnail: string | null }
interface SceneView {
  scene: number; task_id: string; narration: string; duration_sec: number; status: string; thumbnail: string | null;
  visual: { source: string; term: string | null }; source_sentences: number[] | null; take: number; takes: TakeView[]; candidates: Array<{ id: string; url: string }>;
}
interface View {
  id: string; phase: string; video: string | null; cover: string | null; scenes: SceneView[];
  components: Array<{ component: string; attempts: number; executions: number }>;
}

/** The share of a JPEG's pixels that are clearly red (the uploaded test picture). */
async function redShare(jpeg: Buffer): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-takes-cover-'));
  try {
    await writeFile(path.join(dir, 'cover.jpg'), jpeg);
    const picture = await decodePicture(new FfmpegRunner(), path.join(dir, 'cover.jpg'), path.join(dir, 'cover.bmp'));
    let red = 0;
    for (let y = 0; y < picture.height; y++) {
      for (let x = 0; x < picture.width; x++) {
        const [r, g, b] = picture.at(x, y);
        if (r > 150 && g < 90 && b < 90) red++;
      }
    }
    return red / (picture.width * picture.height);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('scene takes: regenerate and choose (MariaDB + Redis)', function () {
  this.timeout(240000);
  let d: Distributed;
  let base = '';
  const server = useFullServer();

  before(() => ({ d, base } = server()));

  const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const view = async (id: string) => (await (await fetch(`${base}/v1/tasks/${id}`)).json()) as View;
  const finished = (id: string) =>
    eventually(`task ${id} to finish`, async () => {
      const t = await view(id);
      return ['completed', 'failed', 'cancelled'].includes(t.phase) ? t : undefined;
    }, 120000, 200);
  const bytes = async (url: string) => Buffer.from(await (await fetch(`${base}${url}`)).arrayBuffer());
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const runsOf = async (taskId: string) => (await d.reads.listRuns(taskId)).filter((r) => r.executions > 0 && !r.cached).map((r) => `${r.component}#${r.attempt}`);

  it('makes take 2 with new narration, take 3 without changes, and gives the first video back when take 1 is chosen', async () => {
    const res = await post(`${base}/v1/tasks`, { article: { body: ARTICLE }, options: { size: '320x180', music: false } });
    expect(res.status).to.equal(202);
    const { id } = (await res.json()) as { id: string };
    const first = await finished(id);
    expect(first.phase).to.equal('completed');
    expect(first.scenes.length).to.be.at.least(3);
    const [one, two] = first.scenes;
    expect(one!.scene).to.equal(1);
    expect(two!.scene).to.equal(2);
    expect(two!.take).to.equal(1);
    expect(two!.takes.map((t) => t.take)).to.deep.equal([1]);
    expect(two!.narration).to.be.a('string').and.not.equal('');
    expect(two!.duration_sec).to.be.above(1);
    expect(two!.visual.source).to.be.a('string');
    expect(two!.candidates.length).to.be.at.least(2);
    // With no target length every sentence of the article is said once, in order, and each scene names its own.
    const said = first.scenes.flatMap((s) => s.source_sentences!);
    expect(said).to.deep.equal(said.map((_n, i) => i + 1));
    expect(said.length).to.be.at.least(first.scenes.length);
    const thumb = await fetch(`${base}${two!.thumbnail}`);
    expect(thumb.status).to.equal(200);
    expect(thumb.headers.get('content-type')).to.equal('image/jpeg');
    const cover = await fetch(`${base}${first.cover}`);
    expect(cover.status).to.equal(200);
    expect(cover.headers.get('content-type')).to.equal('image/jpeg');
    const video1 = await bytes(first.video!);
    const parentRuns = await runsOf(id);
    const sceneRuns = await Promise.all(first.scenes.map((s) => runsOf(s.task_id)));

    // Take 2: new narration for scene 2.
    const narration = 'Scene two now says something else entirely. It is much shorter.';
    const regen = await post(`${base}/v1/tasks/${id}/scenes/2/regenerate`, { narration });
    expect(regen.status).to.equal(202);
    expect(await regen.json()).to.include({ id, scene: 2, take: 2 });
    // The task is running again from the moment the 202 is sent: another regeneration is refused, not queued behind it.
    const busy = await post(`${base}/v1/tasks/${id}/scenes/1/regenerate`, {});
    expect(busy.status).to.equal(409);
    expect(((await busy.json()) as { error: { code: string } }).error.code).to.equal('task-busy');
    const second = await finished(id);
    expect(second.phase).to.equal('completed');
    const two2 = second.scenes[1]!;
    expect(two2.take).to.equal(2);
    expect(two2.narration).to.equal(narration);
    expect(two2.source_sentences, 'an edited narration says none of the article').to.equal(null);
    expect(two2.takes.map((t) => [t.take, t.chosen])).to.deep.equal([[1, false], [2, true]]);
    // Only the new take and the join ran: every other scene and everything upstream was kept.
    const parentAfter = await runsOf(id);
    const ranAgain = parentAfter.filter((r) => !parentRuns.includes(r)).map((r) => r.split('#')[0]);
    expect(ranAgain).to.deep.equal(['VideoSynthesis']);
    for (const [i, s] of second.scenes.entries()) {
      if (i === 1) continue;
      expect(s.take, `scene ${i + 1}`).to.equal(1);
      expect(await runsOf(s.task_id)).to.deep.equal(sceneRuns[i]);
    }
    expect(await runsOf(two2.task_id)).to.deep.equal(['SceneRender#1']);
    const vs = (await d.reads.outputsOf(id, ['VideoSynthesis', 'SceneRender'])) as { VideoSynthesis: { srt: string } };
    const srt = await readFile(vs.VideoSynthesis.srt, 'utf8');
    expect(srt).to.include('Scene two now says').and.include('It is much shorter.');
    const video2 = await bytes(second.video!);
    expect(sha(video2)).to.not.equal(sha(video1));

    // Take 3: no changes, still a new take with another picture.
    expect((await post(`${base}/v1/tasks/${id}/scenes/2/regenerate`, {})).status).to.equal(202);
    const third = await finished(id);
    const two3 = third.scenes[1]!;
    expect(two3.take).to.equal(3);
    expect(two3.narration).to.equal(narration);
    const [t2, t3] = [two3.takes[1]!, two3.takes[2]!];
    expect(sha(await bytes(t3.video!))).to.not.equal(sha(await bytes(t2.video!)));

    // Take 1 again: the first video, byte for byte, from what was made before.
    const choose = await post(`${base}/v1/tasks/${id}/scenes/2/choose`, { take: 1 });
    expect(choose.status).to.equal(202);
    const back = await finished(id);
    expect(back.scenes[1]!.take).to.equal(1);
    expect(back.scenes[1]!.source_sentences).to.deep.equal(two!.source_sentences);
    expect(sha(await bytes(back.video!))).to.equal(sha(video1));

    // Refusals name what is wrong.
    const code = async (r: Response) => ({ status: r.status, code: ((await r.json()) as { error: { code: string } }).error.code });
    expect(await code(await post(`${base}/v1/tasks/${id}/scenes/9/regenerate`, {}))).to.deep.equal({ status: 404, code: 'unknown-scene' });
    expect(await code(await post(`${base}/v1/tasks/${id}/scenes/0/regenerate`, {}))).to.deep.equal({ status: 404, code: 'unknown-scene' });
    expect(await code(await post(`${base}/v1/tasks/${id}/scenes/2/choose`, { take: 7 }))).to.deep.equal({ status: 404, code: 'unknown-take' });
    expect(await code(await post(`${base}/v1/tasks/${id}/scenes/2/regenerate`, { narration: '   ' }))).to.deep.equal({ status: 400, code: 'invalid-body' });
    expect(await code(await post(`${base}/v1/tasks/${id}/scenes/2/regenerate`, { colour: 'red' }))).to.deep.equal({ status: 400, code: 'invalid-body' });
    expect(await code(await post(`${base}/v1/tasks/${id}/scenes/2/regenerate`, { visual: `asset:${'a'.repeat(64)}.png` }))).to.deep.equal({ status: 400, code: 'unknown-visual' });
    expect(await code(await post(`${base}/v1/tasks/00000000-0000-0000-0000-000000000000/scenes/1/regenerate`, {}))).to.deep.equal({ status: 404, code: 'unknown-task' });
  });

  it('takes an uploaded picture for a scene', async () => {
    const res = await post(`${base}/v1/tasks`, { article: { body: 'A red square. It stands alone.' }, options: { size: '320x180', music: false } });
    const { id } = (await res.json()) as { id: string };
    const before = await finished(id);
    expect(before.phase).to.equal('completed');
    const coverBefore = await bytes(before.cover!);
    // A 64×64 PNG made by ffmpeg, uploaded raw.
    const png = await readFile(new URL('../fixtures/media/red-64.png', import.meta.url)).catch(() => undefined);
    expect(png, 'test/fixtures/media/red-64.png').to.not.equal(undefined);
    const up = await fetch(`${base}/v1/assets`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
    expect(up.status).to.equal(201);
    const { url } = (await up.json()) as { url: string };
    expect(url).to.match(/^asset:[0-9a-f]{64}\.png$/);
    const bad = await fetch(`${base}/v1/assets`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: 'not a png' });
    expect(bad.status).to.equal(400);
    expect((await post(`${base}/v1/tasks/${id}/scenes/1/regenerate`, { visual: url })).status).to.equal(202);
    const after = await finished(id);
    expect(after.phase).to.equal('completed');
    expect(after.scenes[0]!.visual.source).to.equal('upload');
    expect(after.scenes[0]!.take).to.equal(2);
    // An upload is a picture of the subject: the chosen take's still is the cover now.
    const coverAfter = await bytes(after.cover!);
    expect(sha(coverAfter)).to.not.equal(sha(coverBefore));
    expect(await redShare(coverAfter), 'share of red in the new cover').to.be.above(0.5);
    expect(await redShare(coverBefore), 'share of red in the first cover').to.be.below(0.5);
  });
});
