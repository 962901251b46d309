import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { BrowserContext, Page } from 'playwright-core';
import { fullRegistry } from '../../src/runtime/composition.ts';
import type { Meta } from '../../src/http/meta.ts';
import { startHttp } from '../../src/http/start.ts';
import { connect, type Distributed, startScheduler, startWorker } from '../../src/runtime/composition.ts';
import { launchChromium, recordPageErrors } from '../support/browser.ts';
import { useFreshEnv } from '../support/env.ts';

/**
 * The editors' page in a real Chromium against the real server (MariaDB,
 * Redis, scheduler, worker and HTTP API in this process): submit a short
 * article through the form, watch the progress view change, and play the
 * finished video.
 *
 * Code that runs inside the page is passed as strings: tsx compiles this file
 * with helpers (`__name`) that do not exist in the browser.
 */

const OUTPUT_DIR = 'test-output';

const ARTICLE = [
  'The harbour town of Lindqvist opened a new public library on Saturday.',
  'Hundreds of readers queued in the rain to see the glass reading room above the water.',
  'The mayor said the building would stay open late every evening.',
].join(' ');

describe('editors\' page in Chromium (MariaDB + Redis)', function () {
  this.timeout(120000);
  let d: Distributed | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let base = '';
  const pageErrors: string[] = [];

  // Registered before useFreshEnv's hooks so that it runs before the leak check.
  after(async function () {
    this.timeout(30000);
    await context?.close().catch(() => {});
    await d?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });
  const env = useFreshEnv();

  before(async function () {
    this.timeout(60000);
    const { settings } = env();
    d = connect({ ...settings, httpAddr: '127.0.0.1:0' });
    await startScheduler(d, settings);
    await startWorker(d, settings, fullRegistry(settings));
    const { url } = await startHttp(d, { ...settings, httpAddr: '127.0.0.1:0' });
    base = url;
    profile = await mkdtemp(path.join(os.tmpdir(), 'slotflow-chromium-'));
    context = await launchChromium(profile);
  });

  async function openPage(): Promise<Page> {
    const page = context!.pages()[0] ?? (await context!.newPage());
    recordPageErrors(page, pageErrors);
    const res = await page.goto(base + '/');
    expect(res?.status(), 'GET /').to.equal(200);
    return page;
  }

  /** The download links under a finished video: each answers 200 with its type, under a file name from the title. */
  async function checkDownloads(page: Page, id: string, view: { title?: string | null; cover?: string | null }): Promise<void> {
    const stem = view.title ? view.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') : id;
    const link = async (testid: string) => {
      const a = page.getByTestId(testid);
      await a.waitFor({ state: 'visible', timeout: 10000 });
      return { href: (await a.getAttribute('href'))!, download: (await a.getAttribute('download'))! };
    };
    const video = await link('download-video');
    expect(video.download, 'video file name').to.equal(`${stem}.mp4`);
    const videoRes = await fetch(new URL(video.href, base));
    expect([videoRes.status, videoRes.headers.get('content-type')], video.href).to.deep.equal([200, 'video/mp4']);
    await videoRes.arrayBuffer();

    const subtitles = await link('download-subtitles');
    expect(subtitles.download, 'subtitles file name').to.equal(`${stem}.srt`);
    const srtRes = await fetch(new URL(subtitles.href, base));
    expect(srtRes.status, subtitles.href).to.equal(200);
    expect(srtRes.headers.get('content-type'), 'subtitles type').to.match(/^application\/x-subrip\b/);
    expect(srtRes.headers.get('content-disposition'), 'subtitles disposition').to.equal(`attachment; filename="${stem}.srt"`);
    expect(await srtRes.text(), 'an SRT cue').to.match(/^1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n/);

    // The cover, when the task JSON names one: the video's poster and a link of its own.
    if (view.cover) {
      const cover = await link('download-cover');
      expect(cover.download, 'cover file name').to.match(new RegExp(`^${stem}-cover\\.(jpg|png|webp)$`));
      const coverRes = await fetch(new URL(cover.href, base));
      expect(coverRes.status, cover.href).to.equal(200);
      const type = coverRes.headers.get('content-type') ?? '';
      expect(type, 'cover type').to.match(/^image\//);
      expect(cover.download.split('.').pop(), 'cover extension').to.equal(type.includes('png') ? 'png' : type.includes('webp') ? 'webp' : 'jpg');
      await page.waitForFunction(`!!document.querySelector('[data-testid="video"]').getAttribute('poster')`, undefined, { timeout: 10000 });
    } else {
      expect(await page.getByTestId('download-cover').isHidden(), 'no cover link without a cover').to.equal(true);
    }
  }

  /** Fills the form with the article and the small frame the tests render, and sends it; answers the new task's id. */
  async function submitArticle(page: Page): Promise<string> {
    await page.waitForFunction(`!document.querySelector('[data-testid="submit"]').disabled`, undefined, { timeout: 10000 });
    await page.getByTestId('body').fill(ARTICLE);
    await page.getByTestId('format-9-16').check();
    if (!(await page.getByTestId('size').isVisible())) await page.getByText('Advanced').click();
    await page.getByTestId('size').fill('180x320');
    const before = await page.getByTestId('task-id').textContent();
    await page.getByTestId('submit').click();
    await page.waitForFunction(`(() => { const t = document.querySelector('[data-testid="task-id"]').textContent; return t.length > 0 && t !== ${JSON.stringify(before ?? '')}; })()`, undefined, { timeout: 10000 });
    return (await page.getByTestId('task-id').textContent())!;
  }

  /** Forgets the page errors a test provoked on purpose: refusals of `route` with `status` (and Chromium's console line for each). */
  function forgetRefusals(status: number, route: RegExp): void {
    const expected = (e: string) => (route.test(e) && e.endsWith(`answered ${status}`)) || e === `console: Failed to load resource: the server responded with a status of ${status} (${status === 400 ? 'Bad Request' : 'Conflict'})`;
    pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((e) => !expected(e)));
  }

  async function phaseOf(id: string): Promise<string> {
    return ((await (await fetch(`${base}/v1/tasks/${id}`)).json()) as { phase: string }).phase;
  }

  let taskId = '';

  it('submits an article, shows the task changing live, and plays the finished video', async function () {
    const page = await openPage();
    await page.getByTestId('submit').waitFor();

    // Every distinct text the progress view shows, in order.
    await page.evaluate(`(() => {
      const el = document.querySelector('[data-testid="progress"]');
      window.__progress = [];
      const note = () => {
        const text = el.textContent.replace(/\\s+/g, ' ').trim();
        if (window.__progress[window.__progress.length - 1] !== text) window.__progress.push(text);
      };
      new MutationObserver(note).observe(el, { subtree: true, childList: true, characterData: true, attributes: true });
    })()`);

    // The pickers hold what the server says it offers, nothing the page made up.
    const meta = (await (await fetch(`${base}/v1/meta`)).json()) as Meta;
    await page.waitForFunction(`!document.querySelector('[data-testid="submit"]').disabled`, undefined, { timeout: 10000 });
    const voices = await page.locator('[data-testid="voice"] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(meta.voices.length, 'voices the server offers').to.be.above(0);
    expect(voices.filter((v) => v.includes(':')), 'voice list').to.deep.equal(meta.voices.map((v) => v.id));
    expect(voices.filter((v) => !v.includes(':')), 'choices by provider').to.deep.equal(['auto', ...new Set(meta.voices.map((v) => v.provider))]);
    // Each voice says which provider speaks it and in which language.
    const labels = await page.locator('[data-testid="voice"] option').evaluateAll((os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent ?? '']));
    for (const v of meta.voices) {
      const label = labels.find(([value]) => value === v.id)?.[1] ?? '';
      expect(label, `label of voice ${v.id}`).to.include(v.language).and.to.include(v.provider);
    }
    const flows = await page.locator('input[name="flow"]').evaluateAll((is) => is.map((i) => (i as HTMLInputElement).value));
    expect(flows, 'flows offered').to.deep.equal(meta.flows.filter((f) => !f.child && (f.input === 'article' || f.input === 'prompt') && (f.makes === 'video' || f.makes === 'bundle')).map((f) => f.name));
    expect(flows, 'a benchmark flow is not offered').to.not.include('bench-13');
    expect(await page.locator('input[name="flow"]:checked').inputValue(), 'default flow').to.equal(meta.flows.find((f) => f.default)?.name);
    const tones = await page.locator('[data-testid="tone"] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(tones, 'tones offered').to.deep.equal(['', ...meta.tones.map((t) => t.name)]);
    const formats = await page.locator('input[name="format"]').evaluateAll((is) => is.map((i) => (i as HTMLInputElement).value));
    expect(formats, 'formats offered').to.deep.equal(meta.formats.map((f) => f.name));

    await page.getByLabel('Title').fill('A library on the water');
    await page.getByTestId('body').fill(ARTICLE);
    await page.getByTestId('format-9-16').check();
    await page.getByText('Advanced').click();
    await page.getByTestId('size').fill('180x320');
    await page.getByTestId('duration').fill('40');
    await page.getByTestId('tone').selectOption('calm');
    const sent = page.waitForRequest((r) => r.url().endsWith('/v1/tasks') && r.method() === 'POST');
    await page.getByTestId('submit').click();
    // The target length and the tone go as the options the API takes.
    expect(((await sent).postDataJSON() as { options: Record<string, unknown> }).options).to.include({ duration_s: 40, tone: 'calm' });

    const idText = page.getByTestId('task-id');
    await page.waitForFunction(`document.querySelector('[data-testid="task-id"]').textContent.length > 0`, undefined, { timeout: 10000 });
    const id = (await idText.textContent())!;
    expect(id).to.match(/\S+/);
    taskId = id;
    expect(await page.getByTestId('form-error').isHidden(), 'no form error').to.equal(true);

    // The video, or the task ending without one.
    await page.waitForFunction(
      `(() => {
        const v = document.querySelector('[data-testid="video"]');
        const phase = document.querySelector('[data-testid="task-status"]').textContent;
        return (v && !v.hidden && v.getAttribute('src')) || phase === 'failed' || phase === 'cancelled';
      })()`,
      undefined,
      { timeout: 90000, polling: 250 },
    );
    const phase = await page.getByTestId('task-status').textContent();
    const taskError = await page.getByTestId('task-error').textContent();
    expect(phase, `task ${id} ended without a video: ${taskError}`).to.equal('completed');

    const duration = (await page.evaluate(`new Promise((resolve, reject) => {
      const v = document.querySelector('[data-testid="video"]');
      const done = () => resolve(v.duration);
      if (v.readyState >= 1) return done();
      v.addEventListener('loadedmetadata', done, { once: true });
      v.addEventListener('error', () => reject(new Error('video error ' + (v.error && v.error.code))), { once: true });
      setTimeout(() => reject(new Error('no loadedmetadata within 20 s')), 20000);
    })`)) as number;
    expect(duration, 'video duration').to.be.above(0);

    const size = (await page.evaluate(`(() => { const v = document.querySelector('[data-testid="video"]'); return [v.videoWidth, v.videoHeight]; })()`)) as [number, number];
    expect(size, 'video frame').to.deep.equal([180, 320]);

    // Chromium decodes real pictures: seek into the video and look at a frame.
    const brightest = (await page.evaluate(`new Promise((resolve, reject) => {
      const v = document.querySelector('[data-testid="video"]');
      v.addEventListener('seeked', () => {
        const c = document.createElement('canvas');
        c.width = v.videoWidth;
        c.height = v.videoHeight;
        const g = c.getContext('2d');
        g.drawImage(v, 0, 0);
        const px = g.getImageData(0, 0, c.width, c.height).data;
        let max = 0;
        for (let i = 0; i < px.length; i += 4) max = Math.max(max, px[i], px[i + 1], px[i + 2]);
        resolve(max);
      }, { once: true });
      setTimeout(() => reject(new Error('no seeked within 10 s')), 10000);
      v.currentTime = Math.min(1.5, v.duration / 2);
    })`)) as number;
    expect(brightest, 'brightest channel of a frame 1.5 s in').to.be.above(40);

    const seen = (await page.evaluate('window.__progress')) as string[];
    expect(seen.length - 1, `progress view changes: ${JSON.stringify(seen, null, 1)}`).to.be.at.least(3);

    // The slot word decoded the way `slotflow slots decode` prints it.
    const decoded = (await page.getByTestId('decoded').textContent())!;
    expect(decoded).to.match(/^word \d+ = 0x[0-9a-f]+$/m);
    expect(decoded).to.match(/^status \S+$/m);
    expect(decoded).to.match(/^MODULE +COMPONENT +SLOT +STATE$/m);
    expect(decoded).to.match(/^unknown bits 0x0$/m);
    expect(await page.locator('[data-testid^="component-"][data-state="pending"]').count(), 'components still pending').to.equal(0);
    expect(await page.locator('[data-testid^="component-"][data-state="failed"]').count(), 'failed components').to.equal(0);
    expect(await page.getByTestId('cancel').isHidden(), 'no cancel button on a finished task').to.equal(true);

    // The recent list names the task, by its title once tasks carry one.
    await page.getByTestId(`recent-${id}`).waitFor({ timeout: 10000 });
    const view = (await (await fetch(`${base}/v1/tasks/${id}`)).json()) as { title?: string | null; cover?: string | null };
    expect(await page.getByTestId('task-title').textContent(), 'task header').to.equal(view.title || 'Task');
    expect(await page.getByTestId(`recent-${id}`).locator('span').first().textContent(), 'recent entry').to.equal(view.title || id);

    await checkDownloads(page, id, view);

    // A frame to look at in the screenshot rather than the player's loading spinner.
    await page.waitForFunction(`document.querySelector('[data-testid="video"]').readyState >= 3`, undefined, { timeout: 5000 }).catch(() => {});
    await mkdir(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'editor.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'editor-phone.png'), fullPage: true });

    expect(pageErrors, 'errors in the page').to.deep.equal([]);
  });

  it('opens a finished task from its link, with its video and its scenes numbered from 1', async function () {
    if (!taskId) this.skip();
    const page = context!.pages()[0]!;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${base}/#task=${encodeURIComponent(taskId)}`);
    // A late client: the history replays and the finished task shows with its video.
    await page.waitForFunction(`document.querySelector('[data-testid="task-status"]').textContent === 'completed'`, undefined, { timeout: 10000 });
    await page.waitForFunction(`!!document.querySelector('[data-testid="video"]').getAttribute('src')`, undefined, { timeout: 10000 });
    const view = (await (await fetch(`${base}/v1/tasks/${taskId}`)).json()) as { scenes: unknown[] };
    const shown = await page.locator('[data-testid="scenes"] > li').evaluateAll((ls) => ls.map((l) => (l as HTMLElement).dataset.testid));
    expect(view.scenes.length, 'scenes of the task').to.be.above(0);
    expect(shown, 'scene cards').to.deep.equal(view.scenes.map((_, i) => `scene-${i + 1}`));
    expect(await page.getByTestId('scene-1').locator('.name').first().textContent()).to.equal('Scene 1');
    expect(pageErrors, 'errors in the page').to.deep.equal([]);
  });

  it('shows a refused submission next to the form in plain words and keeps what was typed', async function () {
    const page = context!.pages()[0]!;
    await page.goto(`${base}/`);
    await page.waitForFunction(`!document.querySelector('[data-testid="submit"]').disabled`, undefined, { timeout: 10000 });
    await page.getByLabel('Title').fill('Odd frame');
    await page.getByTestId('body').fill(ARTICLE);
    await page.getByText('Advanced').click();
    // Passes the page's own check (digits x digits), refused by the server: odd numbers.
    await page.getByTestId('size').fill('181x320');
    const refused = page.waitForResponse((r) => r.url().endsWith('/v1/tasks') && r.request().method() === 'POST');
    await page.getByTestId('submit').click();
    const res = await refused;
    expect(res.status(), 'POST /v1/tasks').to.equal(400);
    const code = ((await res.json()) as { error: { code: string } }).error.code;
    expect(code).to.equal('invalid-option');
    const error = page.getByTestId('form-error');
    await error.waitFor({ state: 'visible', timeout: 5000 });
    expect(await error.getAttribute('data-code')).to.equal('invalid-option');
    await page.getByTestId('task-form').screenshot({ path: path.join(OUTPUT_DIR, 'editor-refused.png') });
    expect(await error.textContent()).to.match(/^One of the options is not valid\. .*even numbers/);
    expect(await page.getByTestId('body').inputValue(), 'the article is kept').to.equal(ARTICLE);
    expect(await page.getByLabel('Title').inputValue(), 'the title is kept').to.equal('Odd frame');
    expect(await page.getByTestId('size').inputValue(), 'the size is kept').to.equal('181x320');
    expect(await page.getByTestId('submit').isEnabled(), 'the form can be sent again').to.equal(true);

    // A target length out of bounds is caught by the page, before anything is sent.
    await page.getByTestId('size').fill('180x320');
    await page.getByTestId('duration').fill('2');
    await page.getByTestId('submit').click();
    await page.waitForFunction(`document.querySelector('[data-testid="form-error"]').textContent.startsWith('Target length')`, undefined, { timeout: 5000 });
    expect(await error.textContent()).to.include('from 5 to 900');
    await page.getByTestId('duration').fill('');

    // Markup with no words in it: the server finds nothing to narrate.
    await page.getByTestId('size').fill('180x320');
    await page.getByTestId('body').fill('<div><p> </p></div>');
    await page.getByTestId('submit').click();
    await page.waitForFunction(`document.querySelector('[data-testid="form-error"]').dataset.code === 'article-empty'`, undefined, { timeout: 5000 });
    expect(await error.textContent()).to.match(/^The article has no text to narrate\./);
    expect(await page.getByTestId('body').inputValue()).to.equal('<div><p> </p></div>');
    expect(await page.getByTestId('task').isHidden(), 'no task was opened').to.equal(true);

    // A voice the workers no longer have (the list was read when the page loaded): refused, not replaced.
    await page.getByTestId('body').fill(ARTICLE);
    await page.evaluate(`(() => {
      const select = document.querySelector('[data-testid="voice"]');
      select.append(new Option('gone · en', 'espeak-ng:no-such-voice'));
      select.value = 'espeak-ng:no-such-voice';
    })()`);
    await page.getByTestId('submit').click();
    await page.waitForFunction(`document.querySelector('[data-testid="form-error"]').dataset.code === 'unknown-voice'`, undefined, { timeout: 5000 });
    expect(await error.textContent()).to.match(/^That voice is not installed on the workers\. /);
    expect(await page.getByTestId('voice').inputValue(), 'the voice is kept').to.equal('espeak-ng:no-such-voice');
    expect(await page.getByTestId('task').isHidden(), 'no task was opened').to.equal(true);
    forgetRefusals(400, /^POST \S+\/v1\/tasks /);
    expect(pageErrors, 'errors in the page besides the refusals').to.deep.equal([]);
  });

  it('asks before cancelling, and a cancelled task says so with its controls disabled', async function () {
    const page = context!.pages()[0]!;
    await page.goto(`${base}/`);
    const id = await submitArticle(page);
    const cancel = page.getByTestId('cancel');
    await cancel.waitFor({ state: 'visible', timeout: 10000 });
    await cancel.click();
    // Asking first: nothing is sent until confirmed, and "No" leaves the task alone.
    await page.getByTestId('cancel-confirm').waitFor({ state: 'visible' });
    expect(await cancel.isHidden(), 'the cancel button gives way to the question').to.equal(true);
    await page.getByTestId('task').screenshot({ path: path.join(OUTPUT_DIR, 'editor-confirm-cancel.png') });
    await page.getByTestId('cancel-no').click();
    expect(await page.getByTestId('cancel-confirm').isHidden()).to.equal(true);
    expect(await phaseOf(id), 'after "No"').to.not.equal('cancelled');
    if (['completed', 'failed'].includes(await phaseOf(id))) throw new Error(`task ${id} ended before the test could cancel it`);

    await cancel.click();
    await page.getByTestId('cancel-yes').click();
    await page.waitForFunction(`document.querySelector('[data-testid="task-status"]').textContent === 'cancelled'`, undefined, { timeout: 10000 });
    expect(await phaseOf(id), 'the server agrees').to.equal('cancelled');
    expect(await cancel.isVisible(), 'the cancel button stays in sight').to.equal(true);
    expect(await cancel.isDisabled(), 'and cannot be pressed again').to.equal(true);
    expect(await cancel.textContent()).to.equal('Cancelled');
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'editor-cancelled.png') });
    const live = await page.locator('[data-testid="task"] :is([data-testid^="resume-"], [data-testid^="regenerate-"], [data-testid^="edit-"], [data-testid^="choose-"]):enabled').count();
    expect(live, 'enabled resume, regenerate, edit or choose buttons').to.equal(0);
    expect(await page.getByTestId('task-notice').isHidden(), 'no notice').to.equal(true);
    expect(pageErrors, 'errors in the page').to.deep.equal([]);
  });

  it('tells a cancel that came too late that the task had already finished', async function () {
    const page = context!.pages()[0]!;
    await page.goto(`${base}/`);
    const id = await submitArticle(page);
    await page.getByTestId('cancel').click();
    await page.getByTestId('cancel-confirm').waitFor({ state: 'visible' });
    // The editor hesitates; the task finishes meanwhile. The question stays until answered.
    for (const deadline = Date.now() + 90000; !['completed', 'failed'].includes(await phaseOf(id)); ) {
      if (Date.now() > deadline) throw new Error(`task ${id} did not finish`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await page.waitForFunction(`document.querySelector('[data-testid="task-status"]').textContent === 'completed'`, undefined, { timeout: 10000 });
    expect(await page.getByTestId('cancel-confirm').isVisible(), 'the question is still open').to.equal(true);
    const answer = page.waitForResponse((r) => r.url().endsWith('/cancel'));
    await page.getByTestId('cancel-yes').click();
    expect((await answer).status(), 'POST /cancel').to.equal(409);
    const notice = page.getByTestId('task-notice');
    await notice.waitFor({ state: 'visible', timeout: 5000 });
    expect(await notice.textContent()).to.equal('Not cancelled: the task had already finished (completed).');
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'editor-late-cancel.png') });
    expect(await page.getByTestId('task-status').textContent(), 'status').to.equal('completed');
    expect(await page.getByTestId('task-error').isHidden(), 'not shown as a failure of the page').to.equal(true);
    expect(await page.getByTestId('cancel').isVisible(), 'no cancel button on a finished task').to.equal(false);
    expect(await phaseOf(id)).to.equal('completed');
    forgetRefusals(409, /^POST \S+\/cancel /);
    expect(pageErrors, 'errors in the page besides the refusal').to.deep.equal([]);
  });

  it('submits a prompt with the prompt-video flow and shows who wrote the script', async function () {
    const page = context!.pages()[0]!;
    await page.goto(`${base}/`);
    await page.waitForFunction(`!document.querySelector('[data-testid="submit"]').disabled`, undefined, { timeout: 10000 });
    await page.getByTestId('flow-prompt-video').check();
    await page.getByTestId('body').fill('Create a 10-second ad for a tea shop');
    if (!(await page.getByTestId('size').isVisible())) await page.getByText('Advanced').click();
    await page.getByTestId('size').fill('180x320');
    const before = await page.getByTestId('task-id').textContent();
    await page.getByTestId('submit').click();
    await page.waitForFunction(`(() => { const t = document.querySelector('[data-testid="task-id"]').textContent; return t.length > 0 && t !== ${JSON.stringify(before ?? '')}; })()`, undefined, { timeout: 10000 });
    const id = (await page.getByTestId('task-id').textContent())!;
    await page.waitForFunction(`document.querySelector('[data-testid="task-status"]').textContent === 'completed'`, undefined, { timeout: 120000 });
    const view = (await (await fetch(`${base}/v1/tasks/${id}`)).json()) as { flow: string; planner: { label: string } | null };
    expect(view.flow).to.equal('prompt-video');
    expect(view.planner?.label).to.equal('template planner');
    await page.waitForFunction(`document.querySelector('[data-testid="task-planner"]').textContent.includes('script by: template planner')`, undefined, { timeout: 10000 });
    expect(await page.getByTestId('task-planner').isVisible(), 'the planner is shown').to.equal(true);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'editor-prompt.png') });
    expect(pageErrors, 'errors in the page').to.deep.equal([]);
  });
});
