// @ts-check
// The open product's identity: the neutral image, the product sheet, the
// palette as swatches, what the metadata found (title, brand, price,
// description, category) and the asset graph it was all made of. A picture
// is loaded again only when its asset changes.

import { mediaUrl, token } from '../api.js';
import { byId, h } from '../dom.js';

/**
 * @typedef {import('../types.js').ProductView} ProductView
 * @typedef {import('../types.js').GraphAsset} GraphAsset
 * @typedef {import('../types.js').TaskView} TaskView
 */

/**
 * Where an asset's picture is served: the URL the server gives, or the asset route by id.
 * @param {GraphAsset} a
 */
export const assetUrl = (a) => a.url ?? `/v1/assets/${encodeURIComponent(String(a.id))}`;

/**
 * Sets an image's source (through a blob URL with a token, which an img cannot send); unchanged URLs are left alone.
 * @param {HTMLImageElement} img
 * @param {string | null} url
 * @param {(message: string) => void} fail
 */
export function setImage(img, url, fail) {
  if ((img.dataset.url ?? null) === url) return;
  if (url === null) {
    delete img.dataset.url;
    img.removeAttribute('src');
    return;
  }
  img.dataset.url = url;
  img.onerror = () => fail(`Could not load the picture ${url}.`);
  if (!token()) img.src = url;
  else mediaUrl(url).then((src) => img.dataset.url === url && (img.src = src), (e) => fail(e instanceof Error ? e.message : String(e)));
}

/**
 * A price as people write it: `24.90 EUR`.
 * @param {{ amount: string | number, currency?: string } | undefined} price
 */
const priceText = (price) => (price ? [String(price.amount), price.currency].filter(Boolean).join(' ') : '');

/**
 * @param {ProductView} product
 * @param {TaskView | null} task the product's identity task, for its progress
 * @param {(message: string) => void} fail
 */
export function renderProduct(product, task, fail) {
  byId('product-title').textContent = product.name || 'Product';
  byId('product-id').textContent = product.id;
  const phase = task?.phase ?? product.status;
  const status = byId('product-status');
  status.textContent = phase;
  status.className = `badge phase-${phase}`;
  status.title = `status ${product.status}`;
  const bar = byId('product-progress', HTMLProgressElement);
  if (task) {
    const done = task.components.filter((c) => c.state !== 'pending').length;
    const running = task.components.filter((c) => c.in_flight).map((c) => c.component);
    bar.max = Math.max(task.components.length, 1);
    bar.value = done;
    byId('product-progress-text').textContent = `${done} of ${task.components.length} identity components finished${running.length ? ` · now: ${running.join(', ')}` : ''}`;
    const failed = task.components.find((c) => c.state === 'failed');
    if (failed) fail(`The identity failed at ${failed.component}: ${errorText(failed.error)}`);
  }

  const neutral = product.assets.find((a) => a.kind === 'neutral');
  const sheet = product.assets.find((a) => a.kind === 'sheet');
  byId('neutral-figure').hidden = !neutral;
  byId('sheet-figure').hidden = !sheet;
  setImage(byId('product-neutral', HTMLImageElement), neutral ? assetUrl(neutral) : null, fail);
  setImage(byId('product-sheet', HTMLImageElement), sheet ? assetUrl(sheet) : null, fail);

  // A step that ran twice (a lost queue lock, say) records its pictures twice: show each picture once.
  const views = product.assets.filter((a, i, all) => a.kind === 'view' && all.findIndex((b) => b.kind === 'view' && b.hash === a.hash) === i);
  byId('views-figure').hidden = views.length === 0;
  const list = byId('product-views');
  const key = JSON.stringify(views.map((v) => v.id));
  if (list.dataset.key !== key) {
    list.dataset.key = key;
    list.replaceChildren(
      ...views.map((v, i) => {
        const img = h('img', { class: 'checker', alt: `View ${i + 2} of the product`, dataset: { testid: `product-view-${v.id}` } });
        setImage(img, assetUrl(v), fail);
        return h('li', {}, img);
      }),
    );
  }

  const meta = product.metadata;
  const palette = byId('palette');
  palette.hidden = !meta || meta.palette.length === 0;
  palette.replaceChildren(
    ...(meta?.palette ?? []).map((c) =>
      h('li', { class: 'swatch', dataset: { testid: 'swatch', color: c }, title: c },
        h('span', { class: 'chip', style: `background:${/^#[0-9a-f]{6}$/i.test(c) ? c : 'transparent'}`, 'aria-hidden': 'true' }),
        h('code', {}, c),
      ),
    ),
  );
  const facts = byId('product-metadata');
  facts.hidden = !meta;
  /** @type {Array<[string, string, string]>} */
  const rows = meta
    ? [
        ['title', 'Title', meta.title ?? ''],
        ['brand', 'Brand', meta.brand ?? ''],
        ['price', 'Price', priceText(meta.price)],
        ['category', 'Category', meta.category ?? ''],
        ['aspect', 'Aspect', typeof meta.aspect === 'number' ? `${meta.aspect.toFixed(2)} (width / height)` : ''],
        ['description', 'Description', meta.description ?? ''],
      ]
    : [];
  facts.replaceChildren(
    ...rows.filter(([, , v]) => v).flatMap(([key, label, v]) => [h('dt', {}, label), h('dd', { dataset: { testid: `meta-${key}` } }, v)]),
  );
  byId('identity-pending').hidden = Boolean(neutral && meta);
  byId('identity-pending').textContent = phase === 'failed' ? 'The identity could not be built.' : 'The identity is being built from the photos…';

  byId('graph-block').hidden = product.assets.length === 0;
  byId('graph-count').textContent = String(product.assets.length);
  byId('graph').replaceChildren(
    ...product.assets.map((a) =>
      h('li', { dataset: { testid: `graph-${a.id}` } },
        h('code', {}, `#${a.id}`), ` ${a.kind} · ${a.stage} · ${a.provider}`,
        a.inputs.length ? h('span', { class: 'sub' }, ` · from ${a.inputs.map((i) => (typeof i === 'number' ? `#${i}` : i)).join(', ')}`) : null,
      ),
    ),
  );
}

/** @param {unknown} error */
export function errorText(error) {
  if (!error) return 'failed';
  if (typeof error === 'string') return error;
  const message = /** @type {{ message?: unknown }} */ (error).message;
  return typeof message === 'string' && message ? message : JSON.stringify(error);
}

/** Empties the identity, before another product is shown. */
export function clearProduct() {
  for (const id of ['product-neutral', 'product-sheet']) setImage(byId(id, HTMLImageElement), null, () => {});
  byId('neutral-figure').hidden = true;
  byId('sheet-figure').hidden = true;
  byId('views-figure').hidden = true;
  byId('product-views').replaceChildren();
  delete byId('product-views').dataset.key;
  byId('palette').replaceChildren();
  byId('palette').hidden = true;
  byId('product-metadata').replaceChildren();
  byId('product-metadata').hidden = true;
  byId('graph').replaceChildren();
  byId('graph-block').hidden = true;
  byId('identity-pending').hidden = false;
  byId('product-status').textContent = '';
  byId('product-progress-text').textContent = '';
}
