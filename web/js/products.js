// @ts-check
// The Products view: make a product from photos, watch its identity being
// built, request outputs in the four modes, follow each output live and retry
// one of its scenes. This module holds the open product and its outputs and
// wires the views to the API and to each task's event stream (a product and
// an output are each a task of the same id).
//
// The open product and every output not yet finished have a stream open; an
// event re-fetches what it belongs to (calls while one fetch runs coalesce
// into one more). When a stream cannot be had, the page polls instead.

import { ApiError, getOutput, getProduct, getTask, requestOutput, retryScene } from './api.js';
import { byId, showError } from './dom.js';
import { follow, follower, refreshWith, TERMINAL, unfollow } from './follow.js';
import { startProductForm } from './views/product-form.js';
import { clearOutputs, outputEnded, renderOutput, showCardError } from './views/outputs.js';
import { clearProduct, renderProduct } from './views/product.js';
import { onTab, showView } from './tabs.js';

/**
 * @typedef {import('./types.js').ProductView} ProductView
 * @typedef {import('./types.js').TaskView} TaskView
 * @typedef {import('./follow.js').Follower} Follower
 * @typedef {import('./views/outputs.js').OutputState} OutputState
 */

/** The open product. */
const current = {
  /** @type {string | null} */
  id: null,
  /** @type {ProductView | null} */
  view: null,
  /** @type {TaskView | null} */
  task: null,
  follow: follower(),
  /** @type {Map<string, OutputState & { follow: Follower }>} */
  outputs: new Map(),
};

/** @param {unknown} e */
const messageOf = (e) => (e instanceof Error ? e.message : String(e));

/** @param {string} message */
const productError = (message) => showError(byId('product-error'), message);

/** What a refused output request or retry means, in words. */
const OUTPUT_REFUSALS = /** @type {Record<string, string>} */ ({
  'product-not-ready': 'The identity is still being built; request outputs once it is shown.',
  'product-failed': 'The product\'s identity failed; make the product again.',
  'unknown-mode': 'The server does not offer this mode yet.',
  'task-busy': 'The output is still running; wait until it has finished.',
  'unknown-scene': 'The output has no such scene.',
  'unknown-stage': 'The server cannot retry from that stage.',
  'invalid-body': 'The server could not take this request.',
  network: 'The server did not answer.',
});

/** @param {unknown} e */
function refusalText(e) {
  if (!(e instanceof ApiError)) return messageOf(e);
  const plain = OUTPUT_REFUSALS[e.code];
  return plain && plain !== e.message && e.code !== 'network' ? `${plain} (${e.message})` : plain ?? e.message;
}

const productEnded = () => current.task !== null && TERMINAL.has(current.task.phase);

/**
 * Shows a product and follows it; its outputs are followed as they appear.
 * @param {string} id
 * @param {{ push?: boolean }} [how] push: put the product in the address
 */
export function openProduct(id, { push = true } = {}) {
  if (current.id !== id) {
    closeAll();
    current.id = id;
    current.view = null;
    current.task = null;
    clearProduct();
    clearOutputs();
    byId('outputs-empty').hidden = false;
    byId('product-id').textContent = id;
    byId('product-title').textContent = 'Product';
    byId('product').hidden = false;
    productError('');
    showError(byId('output-form-error'), '');
    if (push && location.hash !== `#product=${encodeURIComponent(id)}`) history.replaceState(null, '', `#product=${encodeURIComponent(id)}`);
  }
  refreshProduct().then(() => {
    if (current.id === id && !productEnded()) follow(current.follow, id, refreshProduct, productEnded, (t) => (byId('product-stream').textContent = t));
  });
}

function refreshProduct() {
  return refreshWith(current.follow, async () => {
    const id = current.id;
    if (!id) return;
    try {
      const [view, task] = await Promise.all([getProduct(id), getTask(id).catch(() => null)]);
      if (id !== current.id) return;
      current.view = view;
      current.task = task;
      productError('');
      renderProduct(view, task, productError);
      for (const o of view.outputs) if (!current.outputs.has(o.id)) addOutput(o.id, o.mode);
      byId('outputs-empty').hidden = current.outputs.size > 0;
    } catch (e) {
      if (id === current.id) productError(`Could not load the product: ${refusalText(e)}`);
    }
  });
}

/**
 * Starts following an output the page had not seen.
 * @param {string} id
 * @param {string} mode
 */
function addOutput(id, mode) {
  /** @type {OutputState & { follow: Follower }} */
  const out = { id, mode, view: null, task: null, retried: new Map(), streamState: '', follow: follower() };
  current.outputs.set(id, out);
  byId('outputs-empty').hidden = true;
  renderOutput(out, retry);
  refreshOutput(out).then(() => {
    if (!outputEnded(out)) followOutput(out);
  });
}

/** @param {OutputState & { follow: Follower }} out */
function followOutput(out) {
  follow(out.follow, out.id, () => refreshOutput(out), () => outputEnded(out) && out.view !== null, (t) => {
    out.streamState = t;
    renderOutput(out, retry);
  });
}

/** @param {OutputState & { follow: Follower }} out */
function refreshOutput(out) {
  return refreshWith(out.follow, async () => {
    if (current.outputs.get(out.id) !== out) return;
    try {
      const [view, task] = await Promise.all([getOutput(out.id), getTask(out.id).catch(() => null)]);
      out.view = view;
      out.task = task;
      out.mode = view.mode;
      // A retried scene's take is in once the output has finished again, after the retry (its task has changed since).
      if (outputEnded(out)) for (const r of out.retried.values()) if (task?.updated_at !== r.asked) r.done = true;
      renderOutput(out, retry);
    } catch (e) {
      const card = byId('outputs').querySelector(`[data-output="${CSS.escape(out.id)}"]`);
      if (card instanceof HTMLElement) showCardError(card, `Could not load the output: ${refusalText(e)}`);
    }
  });
}

/** @type {import('./views/outputs.js').RetryScene} */
async function retry(button, out, scene) {
  const full = current.outputs.get(out.id);
  if (!full) return;
  const card = button.closest('.output-card');
  button.disabled = true;
  button.textContent = 'Asking…';
  if (card instanceof HTMLElement) showCardError(card, '', { action: true });
  try {
    const asked = out.task?.updated_at ?? '';
    await retryScene(out.id, scene);
    const before = out.retried.get(scene);
    out.retried.set(scene, { take: (before?.take ?? 1) + 1, done: false, asked });
    // The output runs again: follow it until it has finished anew.
    if (out.task) out.task = { ...out.task, phase: 'running' };
    renderOutput(out, retry);
    followOutput(full);
    await refreshOutput(full);
  } catch (e) {
    if (card instanceof HTMLElement) showCardError(card, `Retrying scene ${scene} failed: ${refusalText(e)}`, { action: true });
    button.disabled = false;
    button.textContent = 'Retry this scene';
  }
}

/** @param {SubmitEvent} event */
async function submitOutput(event) {
  event.preventDefault();
  const id = current.id;
  if (!id) return;
  const form = /** @type {HTMLFormElement} */ (event.currentTarget);
  const mode = form.querySelector('input[name="mode"]:checked');
  const prompt = byId('output-prompt', HTMLTextAreaElement).value.trim();
  const format = byId('output-format', HTMLSelectElement).value;
  const error = byId('output-form-error');
  if (!(mode instanceof HTMLInputElement)) {
    showError(error, 'Choose a mode first.');
    return;
  }
  if (!prompt) {
    showError(error, 'Write a prompt: what the output should be about.');
    byId('output-prompt').focus();
    return;
  }
  const button = byId('output-submit', HTMLButtonElement);
  button.disabled = true;
  button.textContent = 'Requesting…';
  showError(error, '');
  try {
    const res = await requestOutput(id, { mode: mode.value, prompt, options: { format } });
    if (id === current.id && !current.outputs.has(res.id)) addOutput(res.id, mode.value);
  } catch (e) {
    showError(error, `Could not request the output: ${refusalText(e)}`);
    error.dataset.code = e instanceof ApiError ? e.code : '';
  } finally {
    button.disabled = false;
    button.textContent = 'Request';
  }
}

function closeAll() {
  unfollow(current.follow);
  for (const o of current.outputs.values()) unfollow(o.follow);
  current.outputs.clear();
}

function productFromHash() {
  const m = /^#product=(.+)$/.exec(location.hash);
  return m && m[1] ? decodeURIComponent(m[1]) : null;
}

export function startProducts() {
  startProductForm((id) => openProduct(id));
  byId('output-form', HTMLFormElement).addEventListener('submit', submitOutput);
  byId('open-product-form', HTMLFormElement).addEventListener('submit', (e) => {
    e.preventDefault();
    const id = byId('open-product-id', HTMLInputElement).value.trim();
    showError(byId('open-product-error'), id ? '' : 'Paste a product id first.');
    if (id) openProduct(id);
  });
  onTab('products', () => {
    if (!location.hash.startsWith('#product')) history.replaceState(null, '', current.id ? `#product=${encodeURIComponent(current.id)}` : '#products');
  });
  const onHash = () => {
    const id = productFromHash();
    if (id || location.hash === '#products') showView('products');
    else if (location.hash.startsWith('#task=')) showView('articles');
    if (id && id !== current.id) openProduct(id, { push: false });
  };
  window.addEventListener('hashchange', onHash);
  onHash();
}
