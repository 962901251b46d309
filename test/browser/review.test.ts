import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { BrowserContext, Page } from 'playwright-core';
import { FfmpegRunner, grabFrame, probe } from '../../src/adapters/ffmpeg/index.ts';
import { startHttp } from '../../src/http/start.ts';
import { FPS } from '../../src/pipeline/formats.ts';
import { TITLE_CARD_SEC } from '../../src/pipeline/handlers/title-card.ts';
import { connect, type Distributed, fullRegistry, startScheduler, startWorker } from '../../src/runtime/composition.ts';
import { launchChromium, recordPageErrors } from '../support/browser.ts';
import { useFreshEnv } from '../support/env.ts';

/**
 * The review loop in a real Chromium against the real server (MariaDB,
 * Redis, scheduler, worker and HTTP API in this process): an article is made
 * into a video, scene 2's narration is edited and regenerated, a second
 * regeneration without changes makes a third take, and choosing take 1 again
 * brings the first video back. Which work ran again is read from the run
 * records (`GET /v1/tasks/:id` of the task and of each scene's take); what
 * changed in the video is read from frames taken half-way through each scene
 * with ffmpeg and hashed.
 *
 * Code that runs inside the page is passed as strings: tsx compiles this file
 * with helpers (`__name`) that do not exist in the browser.
 */

const OUTPUT_DIR = 'test-output';
const TITLE = 'A library on the water';
const ARTICLE = [
  'The harbour town of Lindqvist opened a new public library on Saturday.',
  'Hundreds of readers queued in the rain to see the glass reading room above the water.',
  'The mayor said the building would stay open late every evening.',
].join(' ');
const NEW_NARRATION = 'Readers waited for hours under umbrellas, and nobody went home before the doors opened.';

interface Component { component: string; kind: string; attempts: number; executions: number; finished_at: string | null }
interface Take { take: number; task_id: string; chosen: boolean; video: string | null; thumbnail: string | null }
interface Scene { scene: number; narration: string | null; duration_sec: number | null; take: number; takes: Take[]; thumbnail: string | null; candidates: Array<{ id: string; kind: string; url: string }> }
interface View { id: string; phase: string; title: string | null; video: string | null; cover: string | null; components: Component[]; scenes: Scene[] }

describe('the review loop in Chromium (MariaDB + Redis)', function () {
  this.timeout(240000);
  let d: Distributed | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let scratch: string | undefined;
  let base = '';
  const pageErrors: string[] = [];
  const runner = new FfmpegRunner();

  // Registered before useFreshEnv's hooks so that it runs before the leak check.
  after(async function () {
    this.timeout(30000);
    await context?.close().catch(() => {});
    await d?.close();
    for (const dir of [profile, scratch]) if (dir) await rm(dir, { recursive: true, force: true });
  });
  const env = useFreshEnv();

  before(async function () {
    this.timeout(60000);
    const { settings } = env();
    d = connect({ ...settings, httpAddr: '127.0.0.1:0' });
    await startScheduler(d, settings);
    await startWorker(d, settings, fullRegistry(settings));
    base = (await startHttp(d, { ...settings, httpAddr: '127.0.0.1:0' })).url;
    profile = await mkdtemp(path.join(os.tmpdir(), 'slotflow-chromium-'));
    scratch = await mkdtemp(path.join(os.tmpdir(), 'slotflow-review-'));
    context = await launchChromium(profile);
  });

  async function getView(id: string): Promise<View> {
    return (await (await fetch(`${base}/v1/tasks/${id}`)).json()) as View;
  }

  async function fetchOk(url: string): Promise<Response> {
    const res = await fetch(new URL(url, base));
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
    return res;
  }

  /** The finished video saved to a file, and one frame hash per scene, taken half-way through it. */
  async function sceneHashes(view: View, name: string): Promise<string[]> {
    const file = path.join(scratch!, `${name}.mp4`);
    await writeFile(file, Buffer.from(await (await fetchOk(view.video!)).arrayBuffer()));
    const info = await probe(runner, file);
    // The rate every segment is encoded at (a probe's average rate drifts with the length of the audio).
    const fps = FPS;
    const durations = view.scenes.map((s) => s.duration_sec!);
    // The title card comes first, then the scenes end to end, each a whole number of frames.
    let start = TITLE_CARD_SEC;
    const hashes: string[] = [];
    for (const [i, dur] of durations.entries()) {
      const png = path.join(scratch!, `${name}-scene-${i + 1}.png`);
      // The middle of the frame half-way through the scene, so that a rounding of the times cannot tip it into the next frame.
      const at = (Math.floor((start + dur / 2) * fps) + 0.5) / fps;
      if (process.env.REVIEW_DEBUG) console.log(name, i + 1, { start, dur, at, total: info.durationSec });
      await grabFrame(runner, file, at, png);
      hashes.push(createHash('sha256').update(await readFile(png)).digest('hex'));
      start += dur;
    }
    return hashes;
  }

  /** Each component's run record, to tell what ran again. */
  const runsOf = (view: View) => new Map(view.components.map((c) => [c.component, JSON.stringify([c.attempts, c.executions, c.finished_at])]));

  /** The components whose run records differ between two views of a task. */
  function ranAgain(before: View, after: View): string[] {
    const was = runsOf(before);
    return [...runsOf(after)].filter(([name, runs]) => was.get(name) !== runs).map(([name]) => name);
  }

  /**
   * Waits for the task to end again with the scene's chosen take as asked, in the API and then on the page. Called
   * once the action's 202 has arrived: before it, the new take may already be chosen while the task still reads completed.
   */
  async function waitForTake(page: Page, id: string, scene: number, take: number, generation: number): Promise<View> {
    let view = await getView(id);
    for (const deadline = Date.now() + 90000; !(view.phase === 'completed' && view.scenes[scene - 1]?.take === take); view = await getView(id)) {
      if (['failed', 'cancelled'].includes(view.phase)) throw new Error(`task ${id} ${view.phase}: ${JSON.stringify(view.components.filter((c) => c.finished_at === null))}`);
      if (Date.now() > deadline) throw new Error(`task ${id} did not complete with take ${take} of scene ${scene}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await page.waitForFunction(
      `(() => {
        const v = document.querySelector('[data-testid="video"]');
        const card = document.querySelector('[data-testid="scene-${scene}"]');
        return document.querySelector('[data-testid="task-status"]').textContent === 'completed'
          && ${generation ? `/[?&]r=${generation}$/.test(v.getAttribute('src') || '')` : `/\\/video$/.test(v.getAttribute('src') || '')`}
          && card && card.querySelector('[data-testid="take-${scene}-${take}"][data-chosen="true"]');
      })()`,
      undefined,
      { timeout: 20000, polling: 250 },
    );
    return view;
  }

  /** The next review request of scene 2 the page sends: its body, and the answer's status and take. */
  async function answered(page: Page, id: string, action: 'regenerate' | 'choose'): Promise<{ sent: unknown; status: number; take: unknown }> {
    const res = await page.waitForResponse((r) => r.url().endsWith(`/v1/tasks/${id}/scenes/2/${action}`), { timeout: 20000 });
    return { sent: res.request().postDataJSON(), status: res.status(), take: ((await res.json()) as { take?: unknown }).take };
  }

  it('regenerates scene 2 with new narration, makes a third take unchanged, and brings the first video back by choosing take 1', async function () {
    const page = context!.pages()[0] ?? (await context!.newPage());
    recordPageErrors(page, pageErrors);
    await mkdir(OUTPUT_DIR, { recursive: true });
    expect((await page.goto(`${base}/`))?.status(), 'GET /').to.equal(200);
    await page.waitForFunction(`!document.querySelector('[data-testid="submit"]').disabled`, undefined, { timeout: 10000 });
    await page.getByLabel('Title').fill(TITLE);
    await page.getByTestId('body').fill(ARTICLE);
    await page.getByTestId('format-16-9').check();
    await page.getByText('Advanced').click();
    await page.getByTestId('size').fill('320x180');
    await page.getByTestId('submit').click();
    await page.waitForFunction(`document.querySelector('[data-testid="task-id"]').textContent.length > 0`, undefined, { timeout: 10000 });
    const id = (await page.getByTestId('task-id').textContent())!;
    await page.waitForFunction(`document.querySelector('[data-testid="task-status"]').textContent === 'running'`, undefined, { timeout: 20000 }).catch(() => {});
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'review-running.png'), fullPage: true });

    const first = await waitForTake(page, id, 2, 1, 0);
    expect(first.scenes.length, 'scenes (the test edits the second and compares the others)').to.be.at.least(3);
    const hashes1 = await sceneHashes(first, 'take-1');

    // Each card: number, thumbnail, narration, duration, visual, status, and its one take.
    for (const s of first.scenes) {
      const card = page.getByTestId(`scene-${s.scene}`);
      expect(await card.locator('.name').first().textContent()).to.equal(`Scene ${s.scene}`);
      expect(await page.getByTestId(`scene-narration-${s.scene}`).textContent()).to.equal(s.narration);
      expect(await page.getByTestId(`scene-duration-${s.scene}`).textContent()).to.equal(`${s.duration_sec!.toFixed(1)} s`);
      expect(await page.getByTestId(`scene-status-${s.scene}`).textContent()).to.equal('completed');
      expect(await page.getByTestId(`scene-thumb-${s.scene}`).evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0)).to.equal(true);
      expect(await card.locator('[data-testid^="take-"][data-chosen]').count(), `takes of scene ${s.scene}`).to.equal(1);
    }
    expect(await page.getByTestId('scene-visual-2').textContent()).to.match(/^visual: \S+/);

    // The takes of the other scenes as they were, to tell later that nothing of them ran again.
    const others = await Promise.all(first.scenes.map((s) => (s.scene === 2 ? null : getView(s.takes[0]!.task_id))));

    // Edit scene 2: only the narration changes, and only it is sent.
    await page.getByTestId('edit-2').click();
    await page.getByTestId('narration-2').fill(NEW_NARRATION);
    await page.getByTestId('scene-2').screenshot({ path: path.join(OUTPUT_DIR, 'review-editing.png') });
    await page.evaluate(`(() => {
      window.__progressSeen = false;
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="scene-progress-2"]')) window.__progressSeen = true;
      }).observe(document.querySelector('[data-testid="scenes"]'), { subtree: true, childList: true });
    })()`);
    let answer = answered(page, id, 'regenerate');
    await page.getByTestId('regenerate-2').click();
    expect(await answer, 'what the first regeneration sends, and its answer').to.deep.equal({ sent: { narration: NEW_NARRATION }, status: 202, take: 2 });
    const second = await waitForTake(page, id, 2, 2, 1);
    expect(await page.evaluate('window.__progressSeen'), 'scene 2 showed its progress').to.equal(true);

    // Only scene 2 was made again: the other scenes keep their one take, whose runs did not change.
    expect(second.scenes[1]!.narration, 'new narration').to.equal(NEW_NARRATION);
    expect(second.scenes[1]!.takes.map((t) => t.take), 'takes of scene 2').to.deep.equal([1, 2]);
    for (const i of first.scenes.keys()) {
      if (i === 1) continue;
      expect(second.scenes[i]!.takes.map((t) => t.task_id), `takes of scene ${i + 1}`).to.deep.equal(first.scenes[i]!.takes.map((t) => t.task_id));
      const was = others[i]!;
      expect(ranAgain(was, await getView(was.id)), `components of scene ${i + 1} that ran again`).to.deep.equal([]);
    }
    const newTake = await getView(second.scenes[1]!.takes[1]!.task_id);
    expect(newTake.phase, 'the new take').to.equal('completed');
    expect(newTake.components.filter((c) => c.executions > 0).length, 'components that ran for the new take').to.be.above(0);
    const fanout = first.components.findIndex((c) => c.kind === 'fanout');
    expect(fanout, 'the fan-out component').to.be.at.least(0);
    const downstream = first.components.slice(fanout).map((c) => c.component);
    const again = ranAgain(first, second);
    expect(again, 'components of the task that ran again').to.include(first.components[first.components.length - 1]!.component);
    expect(again.filter((c) => !downstream.includes(c)), 'upstream components that ran again').to.deep.equal([]);

    // The new video differs from the first in scene 2 only.
    const hashes2 = await sceneHashes(second, 'take-2');
    hashes1.forEach((h1, i) => expect(hashes2[i] === h1, `scene ${i + 1} frame ${i === 1 ? 'differs' : 'is unchanged'}`).to.equal(i !== 1));

    // Two takes side by side, the new one marked, each with its own segment.
    const takes = page.getByTestId('takes-2');
    const boxes = await Promise.all([1, 2].map((k) => page.getByTestId(`take-2-${k}`).boundingBox()));
    expect(Math.abs(boxes[0]!.y - boxes[1]!.y), 'takes on one row').to.be.below(2);
    expect(boxes[1]!.x, 'take 2 right of take 1').to.be.above(boxes[0]!.x + boxes[0]!.width - 1);
    for (const t of second.scenes[1]!.takes) {
      const res = await fetchOk(t.video!);
      expect(res.headers.get('content-type'), `take ${t.take} video`).to.equal('video/mp4');
      await res.arrayBuffer();
    }
    expect(await page.getByTestId('chosen-2-2').textContent()).to.equal('in the video');
    await takes.screenshot({ path: path.join(OUTPUT_DIR, 'review-takes.png') });
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'review-two-takes.png'), fullPage: true });

    // Regenerate again without changes: a third take, asked for with an empty body.
    answer = answered(page, id, 'regenerate');
    await page.getByTestId('regenerate-2').click();
    expect(await answer, 'what an unchanged regeneration sends, and its answer').to.deep.equal({ sent: {}, status: 202, take: 3 });
    const third = await waitForTake(page, id, 2, 3, 2);
    expect(third.scenes[1]!.takes.map((t) => t.take), 'takes of scene 2').to.deep.equal([1, 2, 3]);
    expect(third.scenes[1]!.takes[2]!.task_id, 'a take of its own').to.not.be.oneOf(second.scenes[1]!.takes.map((t) => t.task_id));
    const hashes3 = await sceneHashes(third, 'take-3');
    expect(hashes3[1], 'take 3 is not take 2 again').to.not.equal(hashes2[1]);

    // Choose take 1 again: the first video comes back, frame for frame.
    answer = answered(page, id, 'choose');
    await page.getByTestId('choose-2-1').click();
    expect(await answer, 'what choosing sends, and its answer').to.deep.equal({ sent: { take: 1 }, status: 202, take: 1 });
    const back = await waitForTake(page, id, 2, 1, 3);
    expect(back.scenes[1]!.narration, 'the first narration').to.equal(first.scenes[1]!.narration);
    expect(await sceneHashes(back, 'take-1-again'), 'frames of the video with take 1 chosen again').to.deep.equal(hashes1);
    expect(await page.getByTestId('scene-narration-2').textContent()).to.equal(first.scenes[1]!.narration);

    // The download links of the video as it is now.
    const link = async (testid: string) => (await page.getByTestId(testid).getAttribute('href'))!;
    await page.getByTestId('download-cover').waitFor({ state: 'visible', timeout: 10000 });
    const video = await fetchOk(await link('download-video'));
    expect(video.headers.get('content-type')).to.equal('video/mp4');
    expect(Buffer.from(await video.arrayBuffer()).equals(await readFile(path.join(scratch!, 'take-1-again.mp4'))), 'the linked video is the current one').to.equal(true);
    const srt = await fetchOk(await link('download-subtitles'));
    expect(srt.headers.get('content-type')).to.match(/^application\/x-subrip\b/);
    expect(await srt.text()).to.include('-->');
    const cover = await fetchOk(await link('download-cover'));
    expect(cover.headers.get('content-type')).to.match(/^image\//);
    await cover.arrayBuffer();
    expect(await page.getByTestId('download-video').getAttribute('download')).to.equal(`${back.title ? 'a-library-on-the-water' : id}.mp4`);

    // An uploaded picture as scene 1's visual: uploaded first, then named in the regeneration.
    await page.getByTestId('edit-1').click();
    await page.getByTestId('upload-1').setInputFiles(path.join(scratch!, 'take-1-scene-2.png'));
    expect(await page.getByTestId('visual-upload-1').isChecked(), 'choosing a file picks the upload').to.equal(true);
    const upload = page.waitForResponse((r) => r.url().endsWith('/v1/assets') && r.request().method() === 'POST');
    const regenerated = page.waitForResponse((r) => r.url().endsWith(`/v1/tasks/${id}/scenes/1/regenerate`), { timeout: 20000 });
    await page.getByTestId('regenerate-1').click();
    expect((await upload).status(), 'POST /v1/assets').to.equal(201);
    const res = await regenerated;
    expect(res.status(), 'the regeneration with the upload').to.equal(202);
    expect(res.request().postDataJSON(), 'what it sends: the uploaded asset').to.have.all.keys('visual').and.property('visual').to.match(/^asset:[0-9a-f]{64}\.png$/);
    const withUpload = await waitForTake(page, id, 1, 2, 4);
    const hashes4 = await sceneHashes(withUpload, 'upload');
    expect(hashes4.map((h, i) => h === hashes1[i]), 'frames like the first video').to.deep.equal(hashes1.map((_, i) => i !== 0));

    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'review-phone.png'), fullPage: true });
    await page.getByTestId('scene-2').screenshot({ path: path.join(OUTPUT_DIR, 'review-scene-phone.png') });
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow, 'sideways overflow at 390 px').to.equal(0);
    // Every visual the editor is offered can be shown: each candidate the task JSON lists answers.
    const listed = (await getView(id)).scenes.flatMap((sc) => sc.candidates.map((c) => ({ scene: sc.scene, ...c })));
    const missing: string[] = [];
    for (const c of listed) {
      const r = await fetch(new URL(c.url, base));
      await r.arrayBuffer();
      if (r.status !== 200) missing.push(`scene ${c.scene} ${c.id} (${c.kind}): ${r.status}`);
    }
    expect(missing, 'candidates listed but not served').to.deep.equal([]);
    expect(pageErrors, 'errors in the page').to.deep.equal([]);
  });
});
