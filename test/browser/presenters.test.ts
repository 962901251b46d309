import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { BrowserContext, Page } from 'playwright-core';
import { startHttp } from '../../src/http/start.ts';
import type { PresenterOutputView, PresenterView } from '../../src/presenter/service.ts';
import { connect, type Distributed, fullRegistry, startScheduler, startWorker } from '../../src/runtime/composition.ts';
import { launchChromium, recordPageErrors } from '../support/browser.ts';
import { useFreshEnv } from '../support/env.ts';

/**
 * The Presenters view of the editors' page in a real Chromium against the real server (MariaDB, Redis, the
 * scheduler, a worker with every handler including the presenter flows, the HTTP API, all in this process): a
 * presenter is made from the bundled sample portrait and voice sample and its identity shown (the neutral
 * portrait loads, the voice is stated as a match, not a clone); an approval-gated video stops at the script gate,
 * Approve moves it on to the storyboard gate, Reject asks for a reason (none given: nothing is sent) and, with
 * one, the storyboard is planned again while the script is kept (the run records say so). A single-scene video
 * is followed to its end and scene 1 regenerated with its button. Screenshots go to test-output/.
 *
 * Code that runs inside the page is passed as strings: tsx compiles this file with helpers (`__name`) that do
 * not exist in the browser.
 */

const OUTPUT_DIR = 'test-output';
const SAMPLES = 'examples/presenter';
const NAME = 'Ada';
/** Two short scenes: enough for a storyboard of more than one scene, short to speak. */
const SCRIPT = 'Hello there.\n\nSee you soon.';
const PREVIEW = '640x360';

describe('the Presenters view in Chromium (MariaDB + Redis)', function () {
  this.timeout(420000);
  let d: Distributed | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let base = '';
  let presenter = '';
  const pageErrors: string[] = [];
  const listening = new WeakSet<Page>();

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
    base = (await startHttp(d, { ...settings, httpAddr: '127.0.0.1:0' })).url;
    profile = await mkdtemp(path.join(os.tmpdir(), 'slotflow-chromium-'));
    await mkdir(OUTPUT_DIR, { recursive: true });
    context = await launchChromium(profile);
  });

  async function openPresenters(hash = ''): Promise<Page> {
    const page = context!.pages()[0] ?? (await context!.newPage());
    if (!listening.has(page)) {
      listening.add(page);
      recordPageErrors(page, pageErrors);
    }
    // A fresh document each time: from the same page, a change of the hash alone would not load the page again.
    await page.goto('about:blank');
    const res = await page.goto(`${base}/${hash}`);
    expect(res?.status(), 'GET /').to.equal(200);
    if (!hash) await page.getByTestId('tab-presenters').click();
    await page.getByTestId('presenter-form').waitFor({ state: 'visible' });
    expect(await page.getByTestId('task-form').isHidden(), 'the article form gives way').to.equal(true);
    expect(await page.getByTestId('product-form').isHidden(), 'the product form gives way').to.equal(true);
    return page;
  }

  async function json<T>(route: string): Promise<T> {
    const res = await fetch(base + route);
    expect(res.status, `GET ${route}`).to.equal(200);
    return (await res.json()) as T;
  }

  /** Waits until the card's stage, in words, is `text`. */
  async function stageIs(page: Page, id: string, text: string, timeout = 180000): Promise<void> {
    const sel = JSON.stringify(`[data-testid="poutput-stage-${id}"]`);
    await page.waitForFunction(`(document.querySelector(${sel}) || {}).textContent === ${JSON.stringify(text)}`, undefined, { timeout, polling: 250 })
      .catch(async (e: unknown) => {
        const shown = await page.locator(`[data-testid="poutput-stage-${id}"]`).textContent().catch(() => null);
        const error = await page.locator(`[data-testid="poutput-error-${id}"]`).textContent().catch(() => null);
        throw new Error(`video ${id}: waited for "${text}", the card says "${shown}" (${error}): ${String(e)}`);
      });
  }

  const succeededRuns = async (id: string, component: string) => (await d!.reads.listRuns(id)).filter((r) => r.component === component && r.status === 'succeeded').length;

  it('makes a presenter from a portrait and a voice sample and shows its identity, the voice stated as a match', async function () {
    const page = await openPresenters();
    await page.getByLabel('Name', { exact: true }).fill(NAME);
    await page.getByTestId('presenter-photos').setInputFiles([path.join(SAMPLES, 'presenter-front.jpg')]);
    await page.getByTestId('presenter-voice').setInputFiles(path.join(SAMPLES, 'voice-sample.wav'));
    const created = page.waitForResponse((r) => r.url().endsWith('/v1/presenters') && r.request().method() === 'POST');
    await page.getByTestId('presenter-submit').click();
    const res = await created;
    expect(res.status(), `POST /v1/presenters: ${await res.text()}`).to.equal(202);
    presenter = ((await res.json()) as { id: string }).id;
    await page.waitForFunction(`document.querySelector('[data-testid="presenter-id"]').textContent === ${JSON.stringify(presenter)}`, undefined, { timeout: 10000 });
    expect(await page.getByTestId('portrait-list').locator('li').count(), 'the form is emptied for the next presenter').to.equal(0);
    await page.getByTestId(`presenter-item-${presenter}`).waitFor({ timeout: 10000 });

    await page.waitForFunction(`document.querySelector('[data-testid="presenter-status"]').textContent === 'completed'`, undefined, { timeout: 180000, polling: 250 });
    await page.waitForFunction(`(() => { const i = document.querySelector('[data-testid="presenter-portrait"]'); return i.complete && i.naturalWidth > 0 && !i.closest('[hidden]'); })()`, undefined, { timeout: 20000 });
    await page.waitForFunction(`(() => { const i = document.querySelector('[data-testid="presenter-sheet"]'); return i.complete && i.naturalWidth > 0; })()`, undefined, { timeout: 20000 });
    const view = await json<PresenterView>(`/v1/presenters/${presenter}`);
    const voice = view.metadata.voice!;
    expect(voice.kind).to.equal('match');
    expect(await page.getByTestId('presenter-voice-kind').textContent(), 'the voice is a match').to.equal('matched, not cloned');
    expect(await page.getByTestId('presenter-voice-name').textContent()).to.equal(voice.voice);
    expect(await page.getByTestId('presenter-voice-pitch').textContent()).to.equal(`${voice.pitch_semitones > 0 ? '+' : ''}${voice.pitch_semitones} semitones`);
    expect(await page.getByTestId('presenter-voice-rate').textContent()).to.equal(`× ${voice.rate.toFixed(2)}`);
    expect(await page.getByTestId('presenter-graph').locator('li').count(), 'the asset graph').to.equal(view.assets.length);
    expect(await page.getByTestId('presenter-pending').isHidden(), 'nothing pending').to.equal(true);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'presenters-identity.png'), fullPage: true });
    expect(pageErrors, 'errors in the page').to.deep.equal([]);
  });

  it('stops an approval-gated video at the script gate; Approve moves it to the storyboard gate; Reject with a reason plans the storyboard again', async function () {
    expect(presenter, 'a presenter from the test before').to.not.equal('');
    const page = await openPresenters(`#presenter=${presenter}`);
    await page.waitForFunction(`document.querySelector('[data-testid="presenter-status"]').textContent === 'completed'`, undefined, { timeout: 20000 });
    await page.getByTestId('route-approval').check();
    await page.getByTestId('presenter-script').fill(SCRIPT);
    await page.getByTestId('presenter-size').fill(PREVIEW);
    const requested = page.waitForResponse((r) => r.url().endsWith(`/v1/presenters/${presenter}/outputs`) && r.request().method() === 'POST');
    await page.getByTestId('presenter-output-submit').click();
    const res = await requested;
    expect(res.status(), `POST outputs: ${await res.text()}`).to.equal(202);
    expect(res.request().postDataJSON()).to.deep.include({ contract: 'presenter-output/1', route: 'approval', script: SCRIPT });
    const id = ((await res.json()) as { id: string }).id;
    const card = page.getByTestId(`poutput-${id}`);
    await card.waitFor({ timeout: 10000 });

    // The script gate: the script is shown, the stages after it wait, and regenerating is not offered while it waits.
    await stageIs(page, id, 'waiting for script approval');
    await card.getByTestId(`poutput-gate-${id}`).waitFor({ state: 'visible', timeout: 5000 });
    expect(await card.locator('[data-testid^="script-scene-"]').count(), 'the script\'s scenes').to.equal(2);
    expect(await card.getByTestId(`poutput-storyboard-${id}`).isHidden(), 'no storyboard yet').to.equal(true);
    expect(await card.getByTestId('regenerate-script').isDisabled(), 'no regenerating at a gate').to.equal(true);
    expect(await card.getByTestId('stage-script').getAttribute('data-state')).to.equal('succeeded');
    expect(await card.getByTestId('stage-script-approval').getAttribute('data-state')).to.equal('waiting');
    await card.locator('details.stages-block > summary').click();
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'presenters-script-gate.png'), fullPage: true });

    const approved = page.waitForResponse((r) => r.url().endsWith(`/v1/outputs/${id}/approvals/script`));
    await card.getByTestId(`approve-${id}`).click();
    const approval = await approved;
    expect(approval.status(), `approve: ${await approval.text()}`).to.equal(202);
    expect(approval.request().postDataJSON()).to.deep.equal({ approved: true });
    await stageIs(page, id, 'waiting for storyboard approval');
    const atStoryboard = await json<PresenterOutputView>(`/v1/outputs/${id}`);
    expect(atStoryboard.waiting_for).to.equal('storyboard');
    const rows = card.locator('[data-testid^="storyboard-scene-"]');
    expect(await rows.count(), 'the storyboard\'s scenes').to.equal(atStoryboard.storyboard!.scenes.length);
    expect(await card.getByTestId('storyboard-scene-1').locator('td').nth(3).textContent()).to.equal('Hello there.');
    expect(await card.getByTestId(`approval-${id}-1`).textContent()).to.include('approved').and.include('script');
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'presenters-storyboard-gate.png'), fullPage: true });

    // Reject asks why first: without a reason nothing is sent.
    let sent = 0;
    const count = (r: { url(): string }) => {
      if (r.url().endsWith(`/v1/outputs/${id}/approvals/storyboard`)) sent++;
    };
    page.on('request', count);
    await card.getByTestId(`reject-${id}`).click();
    expect(await card.getByTestId(`approve-${id}`).isDisabled(), 'approve gives way while a rejection is written').to.equal(true);
    await card.getByTestId(`reject-send-${id}`).click();
    await card.getByTestId(`reject-error-${id}`).waitFor({ state: 'visible', timeout: 5000 });
    expect(await card.getByTestId(`reject-error-${id}`).textContent()).to.equal('Write why: a rejection needs a reason.');
    expect(sent, 'a rejection without a reason is not sent').to.equal(0);
    page.off('request', count);

    const scriptRuns = await succeededRuns(id, 'Script');
    await card.getByTestId(`reject-reason-${id}`).fill('closer framing, please');
    const rejected = page.waitForResponse((r) => r.url().endsWith(`/v1/outputs/${id}/approvals/storyboard`));
    await card.getByTestId(`reject-send-${id}`).click();
    const rejection = await rejected;
    expect(rejection.status(), `reject: ${await rejection.text()}`).to.equal(202);
    expect(rejection.request().postDataJSON()).to.deep.equal({ approved: false, reason: 'closer framing, please' });
    // The storyboard comes back as revision 1, at the same gate.
    await card.getByTestId(`storyboard-revision-${id}`).waitFor({ timeout: 120000 });
    expect(await card.getByTestId(`storyboard-revision-${id}`).textContent()).to.include('revision 1').and.include('closer framing, please');
    await stageIs(page, id, 'waiting for storyboard approval');
    expect(await card.getByTestId(`approval-${id}-2`).textContent()).to.include('rejected').and.include('closer framing, please');
    // The run records: the storyboard was planned twice, the script once, the identity not again.
    expect(await succeededRuns(id, 'Storyboard'), 'storyboards planned').to.equal(2);
    expect(await succeededRuns(id, 'Script'), 'the script is kept').to.equal(scriptRuns).and.equal(1);
    expect(await succeededRuns(presenter, 'PresenterPortrait'), 'the identity is kept').to.equal(1);
    await page.waitForFunction(`(document.querySelector('[data-testid="stage-storyboard"]') || {}).dataset?.state === 'succeeded'`, undefined, { timeout: 10000 });
    expect(await page.getByTestId('presenter-title').textContent(), 'the identity is still shown').to.equal(NAME);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'presenters-rejected.png'), fullPage: true });
    // A phone's width: the card must not run off the side.
    await page.setViewportSize({ width: 400, height: 900 });
    const overflow = await page.evaluate(`document.documentElement.scrollWidth - document.documentElement.clientWidth`);
    await card.screenshot({ path: path.join(OUTPUT_DIR, 'presenters-narrow.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(overflow, 'the page scrolls sideways at 400 px').to.equal(0);
    await d!.engine.cancel(id);
    expect(pageErrors, 'errors in the page').to.deep.equal([]);
  });

  it('follows a single-scene video to its end, plays it, and regenerates scene 1 with its button', async function () {
    expect(presenter, 'a presenter from the test before').to.not.equal('');
    const page = await openPresenters(`#presenter=${presenter}`);
    await page.getByTestId('route-single').check();
    await page.getByTestId('presenter-script').fill('Hello there.');
    await page.getByTestId('presenter-size').fill(PREVIEW);
    const requested = page.waitForResponse((r) => r.url().endsWith(`/v1/presenters/${presenter}/outputs`) && r.request().method() === 'POST');
    await page.getByTestId('presenter-output-submit').click();
    const id = ((await (await requested).json()) as { id: string }).id;
    const card = page.getByTestId(`poutput-${id}`);
    await stageIs(page, id, 'done', 240000);
    await page.waitForFunction(`(() => { const v = document.querySelector('[data-testid="poutput-video-${id}"]'); return v && v.readyState >= 1 && v.duration > 0; })()`, undefined, { timeout: 20000 });
    const before = await json<PresenterOutputView>(`/v1/outputs/${id}`);
    expect(before.scenes.map((s) => s.take)).to.deep.equal([1]);
    await page.waitForFunction(`(() => { const v = document.querySelector('[data-testid="pscene-video-1"]'); return v && v.readyState >= 1; })()`, undefined, { timeout: 20000 });
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'presenters-done.png'), fullPage: true });

    const button = card.getByTestId('regenerate-scene-1');
    expect(await button.isDisabled(), 'regenerating is offered once the video has ended').to.equal(false);
    const retried = page.waitForResponse((r) => r.url().endsWith(`/v1/outputs/${id}/retry`));
    await button.click();
    const retry = await retried;
    expect(retry.status(), `retry: ${await retry.text()}`).to.equal(202);
    expect(retry.request().postDataJSON()).to.deep.equal({ contract: 'output-retry/1', from: 'scene-render', scene: 1 });
    await page.waitForFunction(`(document.querySelector('[data-testid="pscene-1"] .scene-head .sub') || {}).textContent?.includes('take 2')`, undefined, { timeout: 240000, polling: 250 });
    await stageIs(page, id, 'done', 240000);
    const after = await json<PresenterOutputView>(`/v1/outputs/${id}`);
    expect(after.scenes.map((s) => s.take)).to.deep.equal([2]);
    expect(after.scenes[0]!.segment!.id).to.not.equal(before.scenes[0]!.segment!.id);
    expect(await succeededRuns(id, 'Script'), 'the script is kept').to.equal(1);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'presenters-regenerated.png'), fullPage: true });
    expect(pageErrors, 'errors in the page').to.deep.equal([]);
  });
});
