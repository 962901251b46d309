// @ts-check
// The product's outputs, one card each: the mode, its phase and stage, a
// progress bar of its components, its scenes with their pictures and
// fidelity scores, and, once finished, the video (a player) or the bundle
// (a download link). Each scene has "Retry this scene", which makes that
// scene's image again; the card says so until the new take is in.
//
// A card is kept across renders and its parts are rebuilt only when what they
// show changes, so a playing video is not reloaded by the next event.

import { mediaUrl, token } from '../api.js';
import { byId, h } from '../dom.js';
import { errorText, setImage } from './product.js';

/**
 * @typedef {import('../types.js').OutputView} OutputView
 * @typedef {import('../types.js').OutputScene} OutputScene
 * @typedef {import('../types.js').TaskView} TaskView
 */

/**
 * What the page knows of one output.
 * @typedef {object} OutputState
 * @property {string} id
 * @property {string} mode
 * @property {OutputView | null} view
 * @property {TaskView | null} task the output's task, for its phase and components
 * @property {Map<number, { take: number, done: boolean, asked: string }>} retried each scene asked again: the take (from 2),
 *   whether it is in, and the output task's `updated_at` when it was asked
 * @property {string} streamState
 */

/**
 * @callback RetryScene
 * @param {HTMLButtonElement} button
 * @param {OutputState} out
 * @param {number} scene from 1
 * @returns {void}
 */

export const MODE_LABELS = /** @type {Record<string, string>} */ ({
  image_bundle: 'Image bundle',
  fast_paced: 'Fast paced',
  script_to_video: 'Script to video',
  ugc: 'UGC style',
});

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** @param {OutputState} out */
export const phaseOf = (out) => out.task?.phase ?? out.view?.status ?? 'queued';

/** @param {OutputState} out */
export const outputEnded = (out) => TERMINAL.has(phaseOf(out));

/**
 * Where a scene's picture is served: the URL the server gives, or the asset route (an id, or the scene's
 * `scene-image` asset of the output's graph).
 * @param {OutputView} view
 * @param {OutputScene} s
 * @returns {string | null}
 */
export function sceneImageUrl(view, s) {
  const img = s.image;
  if (typeof img === 'string' && img) return /^\d+$/.test(img) ? `/v1/assets/${img}` : img;
  if (typeof img === 'number') return `/v1/assets/${img}`;
  if (img && typeof img === 'object') {
    if (img.url) return img.url;
    if (typeof img.id === 'number') return `/v1/assets/${img.id}`;
  }
  const asset = sceneAsset(view, s);
  return asset ? asset.url ?? `/v1/assets/${asset.id}` : null;
}

/**
 * The latest picture recorded for a scene in the output's graph (`scene` counts from 1 there too).
 * @param {OutputView} view
 * @param {OutputScene} s
 */
const sceneAsset = (view, s) => [...view.assets].reverse().find((a) => (a.kind === 'scene-image' || a.kind === 'image') && a.scene === s.scene);

/**
 * A scene's fidelity scores: the scene's own, else those stored with its picture.
 * @param {OutputView} view
 * @param {OutputScene} s
 * @returns {import('../types.js').FidelityScores | null}
 */
const scoresOf = (view, s) => s.scores ?? sceneAsset(view, s)?.scores ?? null;

/**
 * Scores as a line: the combined score, then what it is made of.
 * @param {import('../types.js').FidelityScores} sc
 */
function scoresText(sc) {
  const parts = [`fidelity ${sc.score.toFixed(2)}${sc.passed === false ? ' (under the threshold)' : ''}`];
  if (typeof sc.visible_area === 'number') parts.push(`visible ${(sc.visible_area * 100).toFixed(0)}%`);
  if (typeof sc.ssim === 'number') parts.push(`SSIM ${sc.ssim.toFixed(2)}`);
  if (typeof sc.color_distance === 'number') parts.push(`ΔE ${sc.color_distance.toFixed(1)}`);
  return parts.join(' · ');
}

/**
 * The card of an output, made on first sight and kept.
 * @param {string} id
 */
function cardOf(id) {
  const list = byId('outputs');
  const existing = [...list.children].find((el) => el instanceof HTMLElement && el.dataset.output === id);
  if (existing instanceof HTMLElement) return existing;
  const card = h('li', { class: 'output-card', dataset: { output: id, testid: `output-${id}` }, 'aria-label': `Output ${id}` },
    h('div', { class: 'output-head' }),
    h('progress', { class: 'bar', max: '1', value: '0', 'aria-label': `Components of output ${id} finished` }),
    h('p', { class: 'error', role: 'alert', hidden: true, dataset: { testid: `output-error-${id}` } }),
    h('ol', { class: 'output-scenes', dataset: { testid: `output-scenes-${id}` } }),
    h('div', { class: 'output-result', dataset: { testid: `output-result-${id}` } }),
  );
  list.prepend(card);
  return card;
}

/**
 * @param {HTMLElement} card
 * @param {string} selector
 */
function part(card, selector) {
  const el = card.querySelector(selector);
  if (!(el instanceof HTMLElement)) throw new Error(`an output card has no ${selector}`);
  return el;
}

/**
 * @param {OutputState} out
 * @param {RetryScene} retry
 */
export function renderOutput(out, retry) {
  const card = cardOf(out.id);
  const view = out.view;
  const task = out.task;
  const phase = phaseOf(out);
  card.dataset.phase = phase;
  const fail = (/** @type {string} */ m) => showCardError(card, m);

  const stage = view ? (view.waiting_for ? `waiting for ${view.waiting_for}` : view.stage === 'done' ? 'done' : `stage: ${view.stage}`) : 'loading…';
  const done = task ? task.components.filter((c) => c.state !== 'pending').length : 0;
  const total = task ? task.components.length : 0;
  const head = part(card, '.output-head');
  head.replaceChildren();
  head.append(...[
    h('span', { class: 'name' }, MODE_LABELS[out.mode] ?? out.mode),
    h('code', { class: 'sub' }, out.id),
    h('span', { class: `badge phase-${phase}`, dataset: { testid: `output-status-${out.id}` } }, phase),
    h('span', { class: 'sub', dataset: { testid: `output-stage-${out.id}` } }, stage),
    total ? h('span', { class: 'sub' }, `${done} of ${total} components`) : null,
    out.streamState ? h('span', { class: 'sub stream' }, out.streamState) : null,
  ].filter((x) => x !== null));
  const bar = /** @type {HTMLProgressElement} */ (part(card, 'progress'));
  bar.max = Math.max(total, 1);
  bar.value = done;

  const failed = task?.components.find((c) => c.state === 'failed');
  if (task?.error || failed) {
    const e = task?.error;
    fail(`${e?.component ?? failed?.component ?? 'the output'} failed: ${e?.message ?? errorText(failed?.error)}`);
  } else if (card.dataset.actionError !== 'true') {
    fail('');
  }
  if (!view) return;
  renderScenes(card, out, view, retry);
  renderResult(card, view, fail);
}

/**
 * @param {HTMLElement} card
 * @param {string} message
 * @param {{ action?: boolean }} [how] action: a refused button's message, kept until the next action
 */
export function showCardError(card, message, { action = false } = {}) {
  const el = part(card, '.error');
  if (action) card.dataset.actionError = message ? 'true' : 'false';
  el.textContent = message;
  el.hidden = !message;
}

/**
 * @param {HTMLElement} card
 * @param {OutputState} out
 * @param {OutputView} view
 * @param {RetryScene} retry
 */
function renderScenes(card, out, view, retry) {
  const list = part(card, '.output-scenes');
  const running = !outputEnded(out);
  const key = JSON.stringify([view.scenes, [...out.retried], running]);
  if (list.dataset.key === key) return;
  list.dataset.key = key;
  const fail = (/** @type {string} */ m) => showCardError(card, m);
  list.replaceChildren(
    ...view.scenes.map((s) => {
      const url = sceneImageUrl(view, s);
      const scores = scoresOf(view, s);
      const again = out.retried.get(s.scene);
      // A retried scene's image may come back under the same URL: ask for the take, not the cached picture.
      const src = url && again ? `${url}${url.includes('?') ? '&' : '?'}take=${again.take}` : url;
      const img = h('img', { class: 'thumb', alt: `Scene ${s.scene}`, loading: 'lazy', dataset: { testid: `scene-image-${s.scene}` } });
      if (src) setImage(img, src, fail);
      const note = again ? (again.done ? `take ${again.take}: new image` : `take ${again.take}: making a new image…`) : '';
      return h('li', { class: `scene-card${again && !again.done ? ' working' : ''}`, dataset: { testid: `output-scene-${s.scene}`, scene: String(s.scene), status: s.phase ?? s.status } },
        h('div', { class: 'scene-head' },
          h('span', { class: 'name' }, `Scene ${s.scene}`),
          h('span', { class: `badge phase-${s.phase ?? s.status}`, title: `status ${s.status}` }, s.phase ?? s.status),
        ),
        src ? img : h('div', { class: 'thumb none' }, 'no image yet'),
        s.headline ? h('p', { class: 'narration' }, s.headline) : null,
        scores ? h('p', { class: 'sub', dataset: { testid: `scene-scores-${s.scene}` } }, scoresText(scores)) : null,
        note ? h('p', { class: again?.done ? 'sub take-note' : 'working-note', dataset: { testid: `scene-retry-${s.scene}` } }, note) : null,
        h('div', { class: 'scene-actions' },
          h('button', {
            type: 'button', class: 'small', dataset: { testid: `retry-scene-${s.scene}` },
            'aria-label': `Retry scene ${s.scene} of output ${out.id}`,
            disabled: running, title: running ? 'wait until the output has finished' : 'make this scene\'s image again',
            /** @param {Event} e */
            onclick: (e) => retry(/** @type {HTMLButtonElement} */ (e.currentTarget), out, s.scene),
          }, 'Retry this scene'),
        ),
      );
    }),
  );
}

/**
 * The finished video in a player, or the bundle as a download; set once per URL.
 * @param {HTMLElement} card
 * @param {OutputView} view
 * @param {(message: string) => void} fail
 */
function renderResult(card, view, fail) {
  const box = part(card, '.output-result');
  const url = view.video ?? view.bundle ?? null;
  // A retry makes a new bundle under the same URL: the scenes' key tells the takes apart.
  const key = url ? `${url}#${part(card, '.output-scenes').dataset.key ?? ''}` : '';
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  if (!url) {
    box.replaceChildren();
    return;
  }
  const bust = `${url}${url.includes('?') ? '&' : '?'}v=${encodeURIComponent(String(Date.now()))}`;
  if (view.video) {
    const video = h('video', { controls: true, playsinline: true, preload: 'metadata', dataset: { testid: `output-video-${view.id}` }, 'aria-label': `Video of output ${view.id}` });
    mediaUrl(bust).then((src) => (video.src = src), (e) => fail(`Could not load the video: ${e instanceof Error ? e.message : String(e)}`));
    box.replaceChildren(video);
  } else {
    box.replaceChildren(h('a', {
      class: 'button', href: bust, download: `${view.mode}-${view.id}.zip`, dataset: { testid: `output-bundle-${view.id}` },
      /** @param {MouseEvent} e */
      onclick: (e) => saveWithToken(e, fail),
    }, 'Download the image bundle'));
  }
}

/**
 * With a token a plain link would load without it and be refused: fetch the file with it and save that.
 * @param {MouseEvent} e
 * @param {(message: string) => void} fail
 */
function saveWithToken(e, fail) {
  const link = e.currentTarget;
  if (!token() || !(link instanceof HTMLAnchorElement)) return;
  e.preventDefault();
  mediaUrl(link.href).then(
    (src) => {
      h('a', { href: src, download: link.getAttribute('download') ?? '' }).click();
      setTimeout(() => URL.revokeObjectURL(src), 10000);
    },
    (err) => fail(`Could not download: ${err instanceof Error ? err.message : String(err)}`),
  );
}

/** Empties the list, before another product is shown. */
export function clearOutputs() {
  byId('outputs').replaceChildren();
}
