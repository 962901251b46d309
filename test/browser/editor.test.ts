import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { fullRegistry } from '../../src/runtime/composition.ts';
import type { Meta } from '../../src/http/meta.ts';
import { startHttp } from '../../src/http/start.ts';
import { connect, type Distributed, startScheduler, startWorker } from '../../src/runtime/composition.ts';
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

const CHROMIUM = process.env.SLOTFLOW_TEST_CHROMIUM ?? '/usr/bin/chromium';
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
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set SLOTFLOW_TEST_CHROMIUM`);
    const { settings } = env();
    d = connect({ ...settings, httpAddr: '127.0.0.1:0' });
    await startScheduler(d, settings);
    await startWorker(d, settings, fullRegistry(settings));
    const { url } = await startHttp(d, { ...settings, httpAddr: '127.0.0.1:0' });
    base = url;
    profile = await mkdtemp(path.join(os.tmpdir(), 'slotflow-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
      viewport: { width: 1280, height: 900 },
    });
  });

  async function openPage(): Promise<Page> {
    const page = context!.pages()[0] ?? (await context!.newPage());
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) pageErrors.push(`${r.request().method()} ${r.url()} answered ${r.status()}`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
    const res = await page.goto(base + '/');
    expect(res?.status(), 'GET /').to.equal(200);
    return page;
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
    const flows = await page.locator('input[name="flow"]').evaluateAll((is) => is.map((i) => (i as HTMLInputElement).value));
    expect(flows, 'flows offered').to.deep.equal(meta.flows.filter((f) => !f.child && f.input === 'article' && (f.makes === 'video' || f.makes === 'bundle')).map((f) => f.name));
    expect(flows, 'a benchmark flow is not offered').to.not.include('bench-13');
    expect(await page.locator('input[name="flow"]:checked').inputValue(), 'default flow').to.equal(meta.flows.find((f) => f.default)?.name);
    const formats = await page.locator('input[name="format"]').evaluateAll((is) => is.map((i) => (i as HTMLInputElement).value));
    expect(formats, 'formats offered').to.deep.equal(meta.formats.map((f) => f.name));

    await page.getByLabel('Title').fill('A library on the water');
    await page.getByTestId('body').fill(ARTICLE);
    await page.getByTestId('format-9-16').check();
    await page.getByText('Advanced').click();
    await page.getByTestId('size').fill('180x320');
    await page.getByTestId('submit').click();

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

    // The recent list names the task.
    await page.getByTestId(`recent-${id}`).waitFor({ timeout: 10000 });

    // A frame to look at in the screenshot rather than the player's loading spinner.
    await page.waitForFunction(`document.querySelector('[data-testid="video"]').readyState >= 3`, undefined, { timeout: 5000 }).catch(() => {});
    await mkdir(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'editor.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'editor-phone.png'), fullPage: true });

    expect(pageErrors, 'errors in the page').to.deep.equal([]);
  });

  it('opens a finished task from its link and regenerates one scene into a new video', async function () {
    if (!taskId) this.skip();
    const page = context!.pages()[0]!;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${base}/#task=${encodeURIComponent(taskId)}`);
    // A late client: the history replays and the finished task shows with its video.
    await page.waitForFunction(`document.querySelector('[data-testid="task-status"]').textContent === 'completed'`, undefined, { timeout: 10000 });
    await page.waitForFunction(`!!document.querySelector('[data-testid="video"]').getAttribute('src')`, undefined, { timeout: 10000 });
    const scenes = await page.locator('[data-testid^="scene-"]').count();
    expect(scenes, 'scenes shown').to.be.above(0);

    await page.getByTestId('regenerate-0').click();
    await page.waitForFunction(
      `(() => {
        const v = document.querySelector('[data-testid="video"]');
        const phase = document.querySelector('[data-testid="task-status"]').textContent;
        return (phase === 'completed' && /[?&]r=1$/.test(v.getAttribute('src') || '')) || phase === 'failed' || phase === 'cancelled';
      })()`,
      undefined,
      { timeout: 60000, polling: 250 },
    );
    const taskError = await page.getByTestId('task-error').textContent();
    expect(await page.getByTestId('task-status').textContent(), `regenerated task: ${taskError}`).to.equal('completed');
    expect(await page.getByTestId('scene-0').getAttribute('data-phase')).to.equal('completed');
    const duration = (await page.evaluate(`new Promise((resolve, reject) => {
      const v = document.querySelector('[data-testid="video"]');
      if (v.readyState >= 1) return resolve(v.duration);
      v.addEventListener('loadedmetadata', () => resolve(v.duration), { once: true });
      setTimeout(() => reject(new Error('no loadedmetadata within 20 s')), 20000);
    })`)) as number;
    expect(duration, 'regenerated video duration').to.be.above(0);
    const events = await page.getByTestId('events').locator('li').allTextContents();
    // The page numbers scenes from 1; scene index 0 is "scene 1".
    expect(events.some((e) => /component\.succeeded · SceneRender · scene 1 · attempt 2/.test(e)), `events: ${events.join(' | ')}`).to.equal(true);
    expect(pageErrors, 'errors in the page').to.deep.equal([]);
  });
});
