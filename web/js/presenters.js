// @ts-check
// The Presenters view: make a presenter from portraits and a voice sample (or
// open one of the list), watch its identity being built, request videos on
// the five routes, follow each video live, decide at its approval gates and
// regenerate a stage or one scene. This module holds the open presenter and
// its videos and wires the views to the API and to each task's event stream
// (a presenter and a video are each a task of the same id), as the Products
// view does.

import { ApiError, decideStage, getPresenter, getPresenterOutput, getTask, listPresenters, requestPresenterOutput, retryFrom } from './api.js';
import { byId, h, showError } from './dom.js';
import { fmtTime } from './format.js';
import { follow, follower, refreshWith, TERMINAL, unfollow } from './follow.js';
import { onTab, showView } from './tabs.js';
import { startPresenterForm } from './views/presenter-form.js';
import { clearPresenterOutputs, presenterOutputEnded, renderPresenterOutput, showOutputError } from './views/presenter-outputs.js';
import { clearPresenter, renderPresenter } from './views/presenter.js';

/**
 * @typedef {import('./types.js').PresenterView} PresenterView
 * @typedef {import('./types.js').TaskView} TaskView
 * @typedef {import('./follow.js').Follower} Follower
 * @typedef {import('./views/presenter-outputs.js').PresenterOutputState} PresenterOutputState
 * @typedef {import('./views/presenter-outputs.js').OutputActions} OutputActions
 * @typedef {PresenterOutputState & { follow: Follower }} FollowedOutput
 */

const LIST_LIMIT = 20;

/** The open presenter. */
const current = {
  /** @type {string | null} */
  id: null,
  /** @type {PresenterView | null} */
  view: null,
  /** @type {TaskView | null} */
  task: null,
  follow: follower(),
  /** @type {Map<string, FollowedOutput>} */
  outputs: new Map(),
};

/** What a refused request means, in words. */
const REFUSALS = /** @type {Record<string, string>} */ ({
  'presenter-not-ready': 'The identity is still being built; make videos once it is shown.',
  'presenter-failed': 'The presenter\'s identity failed; create the presenter again.',
  'not-waiting': 'That gate is not waiting for a decision now.',
  'task-busy': 'The video is still running; regenerate once it has finished.',
  'unknown-scene': 'The video has no such scene.',
  'unknown-stage': 'The server cannot do that stage.',
  'invalid-body': 'The server could not take this request.',
  network: 'The server did not answer.',
});

/** @param {unknown} e */
function refusalText(e) {
  if (!(e instanceof ApiError)) return e instanceof Error ? e.message : String(e);
  const plain = REFUSALS[e.code];
  return plain && plain !== e.message && e.code !== 'network' ? `${plain} (${e.message})` : plain ?? e.message;
}

/** @param {string} message */
const presenterError = (message) => showError(byId('presenter-error'), message);

const presenterEnded = () => current.task !== null && TERMINAL.has(current.task.phase);

/**
 * Shows a presenter and follows it; its videos are followed as they appear.
 * @param {string} id
 * @param {{ push?: boolean }} [how] push: put the presenter in the address
 */
export function openPresenter(id, { push = true } = {}) {
  if (current.id !== id) {
    closeAll();
    current.id = id;
    current.view = null;
    current.task = null;
    clearPresenter();
    clearPresenterOutputs();
    byId('presenter-outputs-empty').hidden = false;
    byId('presenter-id').textContent = id;
    byId('presenter-title').textContent = 'Presenter';
    byId('presenter').hidden = false;
    presenterError('');
    showError(byId('presenter-output-error'), '');
    if (push && location.hash !== `#presenter=${encodeURIComponent(id)}`) history.replaceState(null, '', `#presenter=${encodeURIComponent(id)}`);
    markListed();
  }
  refreshPresenter().then(() => {
    if (current.id === id && !presenterEnded()) follow(current.follow, id, refreshPresenter, presenterEnded, (t) => (byId('presenter-stream').textContent = t));
  });
}

function refreshPresenter() {
  return refreshWith(current.follow, async () => {
    const id = current.id;
    if (!id) return;
    try {
      const [view, task] = await Promise.all([getPresenter(id), getTask(id).catch(() => null)]);
      if (id !== current.id) return;
      const was = current.view?.phase;
      current.view = view;
      current.task = task;
      presenterError('');
      renderPresenter(view, task, presenterError);
      for (const o of view.outputs) if (!current.outputs.has(o.id)) addOutput(o.id, o.route);
      byId('presenter-outputs-empty').hidden = current.outputs.size > 0;
      if (was !== view.phase) loadList();
    } catch (e) {
      if (id === current.id) presenterError(`Could not load the presenter: ${refusalText(e)}`);
    }
  });
}

/**
 * Starts following a video the page had not seen.
 * @param {string} id
 * @param {string} route
 */
function addOutput(id, route) {
  /** @type {FollowedOutput} */
  const out = { id, route, view: null, streamState: '', actionError: '', follow: follower() };
  current.outputs.set(id, out);
  byId('presenter-outputs-empty').hidden = true;
  renderPresenterOutput(out, ACTIONS);
  refreshOutput(out).then(() => {
    if (!presenterOutputEnded(out)) followOutput(out);
  });
}

/** @param {FollowedOutput} out */
function followOutput(out) {
  follow(out.follow, out.id, () => refreshOutput(out), () => presenterOutputEnded(out), (t) => {
    out.streamState = t;
    renderPresenterOutput(out, ACTIONS);
  });
}

/** @param {FollowedOutput} out */
function refreshOutput(out) {
  return refreshWith(out.follow, async () => {
    if (current.outputs.get(out.id) !== out) return;
    try {
      out.view = await getPresenterOutput(out.id);
      out.route = out.view.route;
      renderPresenterOutput(out, ACTIONS);
    } catch (e) {
      const card = byId('presenter-outputs').querySelector(`[data-output="${CSS.escape(out.id)}"]`);
      if (card instanceof HTMLElement) showOutputError(card, `Could not load the video: ${refusalText(e)}`);
    }
  });
}

/**
 * Sends a button's request: the button waits meanwhile; a refusal stays on the card; after it, the video is
 * fetched again (showing the stage it moved on to) and followed until it ends.
 * @param {HTMLButtonElement} button
 * @param {PresenterOutputState} state
 * @param {string} doing what the button says while it waits
 * @param {() => Promise<unknown>} send
 */
async function act(button, state, doing, send) {
  const out = current.outputs.get(state.id);
  if (!out) return;
  const label = button.textContent;
  button.disabled = true;
  button.textContent = doing;
  out.actionError = '';
  try {
    await send();
    // The video runs on: mark it so until the fresh view says otherwise, and follow it.
    if (out.view) out.view = { ...out.view, phase: 'running' };
    followOutput(out);
    await refreshOutput(out);
  } catch (e) {
    out.actionError = refusalText(e);
    button.disabled = false;
    button.textContent = label;
    renderPresenterOutput(out, ACTIONS);
  }
}

/** @type {OutputActions} */
const ACTIONS = {
  decide: (button, out, stage, decision) => act(button, out, decision.approved ? 'Approving…' : 'Rejecting…', () => decideStage(out.id, stage, decision)),
  retry: (button, out, from, scene) => act(button, out, 'Asking…', () => retryFrom(out.id, from, scene)),
};

/** @param {SubmitEvent} event */
async function submitOutput(event) {
  event.preventDefault();
  const id = current.id;
  if (!id) return;
  const form = /** @type {HTMLFormElement} */ (event.currentTarget);
  const route = form.querySelector('input[name="route"]:checked');
  const script = byId('presenter-script', HTMLTextAreaElement).value.trim();
  const format = byId('presenter-format', HTMLSelectElement).value;
  const size = byId('presenter-size', HTMLInputElement).value.trim();
  const error = byId('presenter-output-error');
  if (!(route instanceof HTMLInputElement)) {
    showError(error, 'Choose a route first.');
    return;
  }
  if (!script) {
    showError(error, 'Write the script: what the presenter says.');
    byId('presenter-script').focus();
    return;
  }
  if (size && !/^\d{2,4}x\d{2,4}$/.test(size)) {
    showError(error, 'The preview size is WIDTHxHEIGHT, e.g. 640x360.');
    byId('presenter-size').focus();
    return;
  }
  const button = byId('presenter-output-submit', HTMLButtonElement);
  button.disabled = true;
  button.textContent = 'Asking…';
  showError(error, '');
  try {
    const res = await requestPresenterOutput(id, { route: route.value, script, options: { format, ...(size ? { size } : {}) } });
    if (id === current.id && !current.outputs.has(res.id)) addOutput(res.id, route.value);
  } catch (e) {
    showError(error, `Could not make the video: ${refusalText(e)}`);
    error.dataset.code = e instanceof ApiError ? e.code : '';
  } finally {
    button.disabled = false;
    button.textContent = 'Make it';
  }
}

async function loadList() {
  try {
    const presenters = await listPresenters(LIST_LIMIT);
    const list = byId('presenter-list');
    list.replaceChildren(...(presenters.length === 0
      ? [h('li', { class: 'empty' }, 'No presenters yet.')]
      : presenters.map((p) => h('li', {},
        h('button', {
          type: 'button', class: 'recent-item', dataset: { testid: `presenter-item-${p.id}`, id: p.id }, 'aria-current': p.id === current.id ? 'true' : 'false',
          onclick: () => openPresenter(p.id),
        },
        h('span', { class: 'rtitle' }, p.name || 'Presenter'),
        h('span', { class: 'sub' }, `${fmtTime(p.created_at)} · `, h('code', { class: 'rid' }, p.id.slice(0, 12))),
        h('span', { class: `badge phase-${p.phase}` }, p.phase),
        )))));
    showError(byId('presenter-list-error'), '');
  } catch (e) {
    showError(byId('presenter-list-error'), `Could not list presenters: ${refusalText(e)}`);
  }
}

/** Marks the open presenter in the list. */
function markListed() {
  for (const b of byId('presenter-list').querySelectorAll('button[data-id]')) {
    if (b instanceof HTMLElement) b.setAttribute('aria-current', String(b.dataset.id === current.id));
  }
}

function closeAll() {
  unfollow(current.follow);
  for (const o of current.outputs.values()) unfollow(o.follow);
  current.outputs.clear();
}

function presenterFromHash() {
  const m = /^#presenter=(.+)$/.exec(location.hash);
  return m && m[1] ? decodeURIComponent(m[1]) : null;
}

export function startPresenters() {
  startPresenterForm((id) => {
    openPresenter(id);
    loadList();
  });
  byId('presenter-output-form', HTMLFormElement).addEventListener('submit', submitOutput);
  byId('refresh-presenters').addEventListener('click', loadList);
  onTab('presenters', () => {
    if (!location.hash.startsWith('#presenter')) history.replaceState(null, '', current.id ? `#presenter=${encodeURIComponent(current.id)}` : '#presenters');
    loadList();
  });
  const onHash = () => {
    const id = presenterFromHash();
    if (!id && location.hash !== '#presenters') return;
    showView('presenters');
    loadList();
    if (id && id !== current.id) openPresenter(id, { push: false });
  };
  window.addEventListener('hashchange', onHash);
  onHash();
}
