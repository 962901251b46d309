import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import { startHttp } from '../../src/http/start.ts';
import { registerProductCreative } from '../../src/product/register-creative.ts';
import { registerProductIdentity } from '../../src/product/register.ts';
import { connect, type Distributed, fullRegistry, startScheduler, startWorker } from '../../src/runtime/composition.ts';
import { launchChromium, recordPageErrors } from '../support/browser.ts';
import { useFreshEnv } from '../support/env.ts';

/**
 * The Products view of the editors' page in a real Chromium against the real
 * server (MariaDB, Redis, scheduler, worker and HTTP API in this process):
 * photos are uploaded with a name, the identity appears (the neutral image
 * loads, the palette and metadata show what the API says), an image-bundle
 * output is requested and followed to the end, and scene 2 is retried; the run
 * records (`GET /v1/tasks/:id` of the output and of each scene's task) show
 * that only scene 2 ran again. A photo the server refuses is shown by its file
 * name.
 *
 * Code that runs inside the page is passed as strings: tsx compiles this file
 * with helpers (`__name`) that do not exist in the browser.
 */

const OUTPUT_DIR = 'test-output';
const SAMPLES = 'examples/product';
const NAME = 'Travel mug';
const CATEGORY = 'drinkware';

interface Component { component: string; state: string; attempts: number; executions: number; finished_at: string | null }
interface TaskView { id: string; phase: string; components: Component[]; scenes: Array<{ scene: number; task_id: string; status: string }> }
interface ProductView {
  id: string;
  status: string;
  name: string;
  metadata: { name: string; category: string; palette: string[]; title?: string; brand?: string; description?: string; price?: { amount: string; currency?: string } } | null;
  assets: Array<{ id: number; kind: string }>;
  outputs: Array<{ id: string; mode: string; status: string }>;
}
interface OutputView { id: string; mode: string; status: string; stage: string; bundle?: string | null; scenes: Array<{ scene: number; status: string }> }

/** A drawn product on white: a teal bottle with an orange cap and a label band, seen from `turn` (0 front, 1 angled, 2 side). */
async function drawPhoto(file: string, turn: number, size = 800): Promise<void> {
  const w = [260, 220, 170][turn]!;
  const x = (size - w) / 2;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">
    <rect width="100%" height="100%" fill="#ffffff"/>
    <rect x="${x}" y="${size * 0.25}" width="${w}" height="${size * 0.62}" rx="${w * 0.18}" fill="#138a8a"/>
    <rect x="${x + w * 0.3}" y="${size * 0.12}" width="${w * 0.4}" height="${size * 0.15}" rx="10" fill="#f08a24"/>
    <rect x="${x}" y="${size * 0.5}" width="${w}" height="${size * 0.12}" fill="#f4efe2"/>
  </svg>`;
  const image = sharp(Buffer.from(svg));
  await (file.endsWith('.png') ? image.png() : image.jpeg({ quality: 90 })).toFile(file);
}

describe('the Products view in Chromium (MariaDB + Redis)', function () {
  this.timeout(300000);
  let d: Distributed | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let scratch: string | undefined;
  let base = '';
  let photos: string[] = [];
  let savedPage: string | undefined;
  const pageErrors: string[] = [];
  const listening = new WeakSet<Page>();

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
    // The product handlers, where the full registry does not have them yet.
    const registry = fullRegistry(settings);
    const assets = new AssetStore(settings.dataDir);
    if (!registry.has('product.neutral')) registerProductIdentity(registry, { assets });
    if (!registry.has('product.scene-image')) registerProductCreative(registry, { assets });
    await startWorker(d, settings, registry);
    base = (await startHttp(d, { ...settings, httpAddr: '127.0.0.1:0' })).url;
    profile = await mkdtemp(path.join(os.tmpdir(), 'slotflow-chromium-'));
    scratch = await mkdtemp(path.join(os.tmpdir(), 'slotflow-products-'));
    await mkdir(OUTPUT_DIR, { recursive: true });
    // The bundled sample photos when the repository has them; otherwise photos drawn here.
    const samples = existsSync(SAMPLES) ? (await readdir(SAMPLES)).filter((f) => f.endsWith('.jpg')).sort().map((f) => path.join(SAMPLES, f)) : [];
    if (samples.length) photos = samples;
    if (existsSync(path.join(SAMPLES, 'page.html'))) savedPage = path.join(SAMPLES, 'page.html');
    else {
      photos = ['front.jpg', 'angled.jpg', 'side.jpg'].map((f) => path.join(scratch!, f));
      for (const [i, file] of photos.entries()) await drawPhoto(file, i);
    }
    context = await launchChromium(profile);
  });

  async function openProducts(): Promise<Page> {
    const page = context!.pages()[0] ?? (await context!.newPage());
    if (!listening.has(page)) {
      listening.add(page);
      recordPageErrors(page, pageErrors);
    }
    const res = await page.goto(base + '/');
    expect(res?.status(), 'GET /').to.equal(200);
    await page.getByTestId('tab-products').click();
    await page.getByTestId('product-form').waitFor({ state: 'visible' });
    expect(await page.getByTestId('task-form').isHidden(), 'the article form gives way').to.equal(true);
    return page;
  }

  async function json<T>(route: string): Promise<T> {
    const res = await fetch(base + route);
    expect(res.status, `GET ${route}`).to.equal(200);
    return (await res.json()) as T;
  }

  /** Each component's run record (attempts, executions, when it last finished), of the output and of each of its scenes' tasks. */
  async function runRecords(outputId: string): Promise<{ output: Record<string, string>; scenes: Record<number, Record<string, string>> }> {
    const runs = (t: TaskView) => Object.fromEntries(t.components.map((c) => [c.component, JSON.stringify([c.attempts, c.executions, c.finished_at])]));
    const task = await json<TaskView>(`/v1/tasks/${outputId}`);
    const scenes: Record<number, Record<string, string>> = {};
    for (const s of task.scenes) scenes[s.scene] = runs(await json<TaskView>(`/v1/tasks/${s.task_id}`));
    return { output: runs(task), scenes };
  }

  /** The components whose run records differ, as `scene N Component` or the output's `Component`. */
  function ranAgain(before: Awaited<ReturnType<typeof runRecords>>, after: Awaited<ReturnType<typeof runRecords>>): string[] {
    const ran = Object.entries(after.output).filter(([c, r]) => before.output[c] !== r).map(([c]) => c);
    for (const [scene, runs] of Object.entries(after.scenes)) {
      for (const [c, r] of Object.entries(runs)) if (before.scenes[Number(scene)]?.[c] !== r) ran.push(`scene ${scene} ${c}`);
    }
    return ran.sort();
  }

  /** Forgets the page errors a test provoked on purpose: refusals of `route` with `status` (and Chromium's console line for each). */
  function forgetRefusals(status: number, route: RegExp): void {
    const expected = (e: string) => (route.test(e) && e.endsWith(`answered ${status}`)) || e.startsWith(`console: Failed to load resource: the server responded with a status of ${status}`);
    pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((e) => !expected(e)));
  }

  it('makes a product from photos, shows its identity, follows an image bundle to the end and retries scene 2 alone', async function () {
    const page = await openProducts();
    await page.getByLabel('Product name').fill(NAME);
    await page.getByLabel('Category').fill(CATEGORY);
    await page.getByTestId('product-photos').setInputFiles(photos);
    if (savedPage) await page.getByTestId('product-page').setInputFiles(savedPage);
    expect(await page.locator('[data-testid="photo-list"] > li').evaluateAll((ls) => ls.map((l) => (l as HTMLElement).dataset.file)), 'photos listed')
      .to.deep.equal(photos.map((p) => path.basename(p)));
    const created = page.waitForResponse((r) => r.url().endsWith('/v1/products') && r.request().method() === 'POST');
    await page.getByTestId('product-submit').click();
    const res = await created;
    expect(res.status(), `POST /v1/products: ${await res.text()}`).to.equal(202);
    const id = ((await res.json()) as { id: string }).id;
    await page.waitForFunction(`document.querySelector('[data-testid="product-id"]').textContent === ${JSON.stringify(id)}`, undefined, { timeout: 10000 });
    expect(await page.getByTestId('photo-list').locator('li').count(), 'the form is emptied for the next product').to.equal(0);

    // The identity: the neutral image decodes, the swatches and the facts are the API's.
    await page.waitForFunction(`(() => { const i = document.querySelector('[data-testid="product-neutral"]'); return i.complete && i.naturalWidth > 0 && !i.closest('[hidden]'); })()`, undefined, { timeout: 120000, polling: 250 });
    await page.waitForFunction(`document.querySelectorAll('[data-testid="swatch"]').length > 0`, undefined, { timeout: 10000 });
    await page.waitForFunction(`document.querySelector('[data-testid="product-status"]').textContent === 'completed'`, undefined, { timeout: 60000 });
    const product = await json<ProductView>(`/v1/products/${id}`);
    expect(product.name).to.equal(NAME);
    const swatches = await page.getByTestId('swatch').evaluateAll((ss) => ss.map((s) => (s as HTMLElement).dataset.color));
    expect(swatches, 'palette swatches').to.deep.equal(product.metadata?.palette);
    expect(await page.getByTestId('meta-category').textContent(), 'category').to.equal(product.metadata?.category);
    expect(product.metadata?.category).to.equal(CATEGORY);
    // What the saved page says, shown as the API has it.
    for (const field of ['title', 'brand', 'description'] as const) {
      const value = product.metadata?.[field];
      if (savedPage) expect(value, `metadata ${field} from the saved page`).to.be.a('string');
      if (value) expect(await page.getByTestId(`meta-${field}`).textContent(), field).to.equal(value);
    }
    if (product.metadata?.price) {
      expect(await page.getByTestId('meta-price').textContent(), 'price').to.equal([product.metadata.price.amount, product.metadata.price.currency].filter(Boolean).join(' '));
    }
    if (product.assets.some((a) => a.kind === 'sheet')) {
      await page.waitForFunction(`document.querySelector('[data-testid="product-sheet"]').naturalWidth > 0`, undefined, { timeout: 10000 });
    }
    expect(await page.getByTestId('graph').locator('li').count(), 'the asset graph').to.equal(product.assets.length);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'products-identity.png'), fullPage: true });

    // An image bundle, followed live to the end.
    await page.getByTestId('mode-image_bundle').check();
    await page.getByTestId('output-prompt').fill('Summer hike: the bottle on a trail, bright and fresh');
    await page.getByTestId('output-format').selectOption('9:16');
    const requested = page.waitForResponse((r) => r.url().endsWith(`/v1/products/${id}/outputs`) && r.request().method() === 'POST');
    await page.getByTestId('output-submit').click();
    const outRes = await requested;
    expect(outRes.status(), `POST outputs: ${await outRes.text()}`).to.equal(202);
    const outputId = ((await outRes.json()) as { id: string }).id;
    const card = page.getByTestId(`output-${outputId}`);
    await card.waitFor({ timeout: 10000 });
    // Progress shows while it runs: the card's phase changes at least once before it ends.
    await page.evaluate(`(() => {
      const el = document.querySelector('[data-testid="output-${outputId}"]');
      window.__phases = [el.dataset.phase];
      new MutationObserver(() => { if (window.__phases[window.__phases.length - 1] !== el.dataset.phase) window.__phases.push(el.dataset.phase); })
        .observe(el, { attributes: true, attributeFilter: ['data-phase'] });
    })()`);
    await page.waitForFunction(`['completed', 'failed'].includes(document.querySelector('[data-testid="output-${outputId}"]').dataset.phase)`, undefined, { timeout: 180000, polling: 250 });
    const output = await json<OutputView>(`/v1/outputs/${outputId}`);
    expect(await card.getAttribute('data-phase'), `output ${outputId}: ${await page.getByTestId(`output-error-${outputId}`).textContent()}`).to.equal('completed');
    expect(output.mode).to.equal('image_bundle');
    expect(output.scenes.length, 'scenes of the bundle').to.be.at.least(2);
    const shown = await page.locator(`[data-testid="output-scenes-${outputId}"] > li`).evaluateAll((ls) => ls.map((l) => (l as HTMLElement).dataset.testid));
    expect(shown, 'scene cards').to.deep.equal(output.scenes.map((s) => `output-scene-${s.scene}`));
    await page.waitForFunction(`[...document.querySelectorAll('[data-testid="output-scenes-${outputId}"] img')].every((i) => i.complete && i.naturalWidth > 0)`, undefined, { timeout: 10000 });
    expect(await card.locator('img').count(), 'a picture per scene').to.equal(output.scenes.length);
    expect(await card.locator('[data-testid^="scene-scores-"]').count(), 'scores per scene').to.equal(output.scenes.length);
    const bundle = card.getByTestId(`output-bundle-${outputId}`);
    await bundle.waitFor({ state: 'visible', timeout: 10000 });
    const zip = await fetch(new URL((await bundle.getAttribute('href'))!, base));
    expect(zip.status, 'the bundle link').to.equal(200);
    expect(Buffer.from(await zip.arrayBuffer()).subarray(0, 2).toString('latin1'), 'a zip').to.equal('PK');
    const phases = (await page.evaluate('window.__phases')) as string[];
    expect(phases.at(-1), `phases seen: ${phases.join(' → ')}`).to.equal('completed');
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'products-output.png'), fullPage: true });

    // Retry scene 2: only its image is made again.
    const before = await runRecords(outputId);
    const retried = page.waitForResponse((r) => r.url().endsWith(`/v1/outputs/${outputId}/retry`));
    await page.getByTestId('retry-scene-2').click();
    const retryRes = await retried;
    expect(retryRes.status(), `POST retry: ${await retryRes.text()}`).to.equal(202);
    expect(retryRes.request().postDataJSON()).to.deep.equal({ contract: 'output-retry/1', from: 'scene-image', scene: 2 });
    await page.getByTestId('scene-retry-2').waitFor({ timeout: 10000 });
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'products-retrying.png'), fullPage: true });
    await page.waitForFunction(`(document.querySelector('[data-testid="scene-retry-2"]') || {}).textContent === 'take 2: new image'`, undefined, { timeout: 120000, polling: 250 });
    expect(await card.getAttribute('data-phase'), 'the output after the retry').to.equal('completed');
    await page.waitForFunction(`(() => { const i = document.querySelector('[data-testid="scene-image-2"]'); return i && i.complete && i.naturalWidth > 0; })()`, undefined, { timeout: 10000 });
    const after = await runRecords(outputId);
    const ran = ranAgain(before, after);
    // Scene 2's image and what joins the scenes ran again; no other scene, nor the storyboard.
    expect(ran.filter((c) => c.startsWith('scene ')), `scene work that ran again: ${JSON.stringify({ before, after })}`).to.deep.equal(['scene 2 SceneImage']);
    expect(ran, 'the storyboard is kept').to.not.include('Storyboard');
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'products-retried.png'), fullPage: true });
    expect(pageErrors, 'errors in the page').to.deep.equal([]);
  });

  it('shows a refused photo by its file name and creates nothing', async function () {
    const page = await openProducts();
    const small = path.join(scratch!, 'tiny-label.png');
    await drawPhoto(small, 0, 300);
    await page.getByLabel('Product name').fill('Too small');
    await page.getByTestId('product-photos').setInputFiles([photos[0]!, small]);
    const created = page.waitForResponse((r) => r.url().endsWith('/v1/products') && r.request().method() === 'POST');
    await page.getByTestId('product-submit').click();
    const res = await created;
    expect(res.status(), 'POST /v1/products').to.equal(400);
    const body = (await res.json()) as { error: { code: string; refusals: Array<{ file: string; code: string; reason: string }> } };
    const refusal = body.error.refusals.find((r) => r.file === 'tiny-label.png');
    expect(refusal?.code, JSON.stringify(body)).to.equal('image-too-small');
    const refused = page.locator('[data-testid="photo-list"] > li[data-file="tiny-label.png"] .refusal');
    await refused.waitFor({ state: 'visible', timeout: 5000 });
    expect(await refused.textContent(), 'the reason beside the file').to.equal(refusal!.reason);
    expect(await page.locator(`[data-testid="photo-list"] > li[data-file="${path.basename(photos[0]!)}"] .refusal`).count(), 'the good photo has no refusal').to.equal(0);
    expect(await page.getByTestId('product-form-error').textContent()).to.match(/^Could not create the product: /);
    expect(await page.getByTestId('product').isHidden(), 'no product was opened').to.equal(true);
    expect(await page.getByLabel('Product name').inputValue(), 'the name is kept').to.equal('Too small');
    await page.getByTestId('product-form').screenshot({ path: path.join(OUTPUT_DIR, 'products-refused.png') });

    // Nothing sent without a name; the page says so.
    await page.getByLabel('Product name').fill('');
    await page.getByTestId('product-submit').click();
    await page.waitForFunction(`document.querySelector('[data-testid="product-form-error"]').textContent === 'Give the product a name first.'`, undefined, { timeout: 5000 });
    forgetRefusals(400, /^POST \S+\/v1\/products /);
    expect(pageErrors, 'errors in the page besides the refusal').to.deep.equal([]);
  });
});
