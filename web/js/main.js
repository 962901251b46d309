// @ts-check
// slotflow editors' page: submit an article, follow the task live, play the
// video. This module holds the open task and wires the views to the API and
// the event stream.

import { ApiError, getMeta, getTask, listTasks, sceneAction, taskAction } from './api.js';
import { byId, showError } from './dom.js';
import { openStream } from './events.js';
import { startPresenters } from './presenters.js';
import { startProducts } from './products.js';
import { onTab, startTabKeys } from './tabs.js';
import { clearEvents, logEvent } from './views/event-log.js';
import { fillPickers, loadFile, metaFailed, submitForm } from './views/form.js';
import { markRecent, showRecent } from './views/recent.js';
import { clearScenes } from './views/scenes.js';
import { clearResult, downloadWithToken, renderTask, TERMINAL } from './views/task.js';

/**
 * @typedef {import('./types.js').TaskView} TaskView
 * @typedef {import('./types.js').TaskEvent} TaskEvent
 * @typedef {import('./events.js').Stream} Stream
 * @typedef {import('./events.js').StreamState} StreamState
 */

const POLL_MS = 2000;
const RECENT_LIMIT = 20;

/** The open task. */
const current = {
  /** @type {string | null} */
  id: null,
  /** @type {TaskView | null} */
  view: null,
  /** @type {Stream | null} */
  stream: null,
  /** @type {ReturnType<typeof setInterval> | null} */
  poll: null,
  /** @type {Promise<void> | null} */
  inflight: null,
  again: false,
  /** @type {Set<string>} */
  seenEvents: new Set(),
  /** Bumped by each resume, regeneration or choice of take, so a re-rendered video is not served from the cache. */
  generation: 0,
  /** @type {Map<number, string>} the latest event of each scene (from 1), while the task runs */
  activity: new Map(),
  /** @type {Map<number, number>} the take each scene was asked for, until the task ends */
  requested: new Map(),
};

const ended = () => current.view !== null && TERMINAL.has(current.view.phase);

/** @param {string} text */
function setStreamState(text) {
  byId('stream-state').textContent = text;
}

/**
 * @param {string} id
 * @param {{ push?: boolean }} [how] push: put the task in the address
 */
function openTask(id, { push = true } = {}) {
  if (current.id !== id) {
    closeStream();
    current.id = id;
    current.view = null;
    current.seenEvents = new Set();
    current.generation = 0;
    current.activity = new Map();
    current.requested = new Map();
    clearResult();
    clearScenes();
    clearEvents();
    closeConfirm();
    delete byId('cancel').dataset.refused;
    showNotice('');
    byId('scenes').replaceChildren();
    byId('task-title').textContent = 'Task';
    byId('task-id').textContent = id;
    byId('task').hidden = false;
    showError(byId('task-error'), '');
    if (push && location.hash !== `#task=${id}`) history.replaceState(null, '', `#task=${encodeURIComponent(id)}`);
    markRecent(current.id, null, openTask);
  }
  refresh();
  connectStream(id);
}

/**
 * Re-fetches the task and re-renders; calls while one is running coalesce into one more fetch.
 * @returns {Promise<void>}
 */
function refresh() {
  if (current.inflight) {
    current.again = true;
    return current.inflight;
  }
  current.inflight = (async () => {
    do {
      current.again = false;
      const id = current.id;
      if (!id) return;
      try {
        const view = await getTask(id);
        if (id === current.id) render(view);
      } catch (e) {
        if (id === current.id) showError(byId('task-error'), `Could not load the task: ${e instanceof Error ? e.message : String(e)}`);
      }
    } while (current.again);
  })().finally(() => {
    current.inflight = null;
  });
  return current.inflight;
}

/** @param {TaskView} view */
function render(view) {
  current.view = view;
  const active = document.activeElement;
  const focused = active instanceof HTMLElement ? active.dataset.testid : undefined;
  if (TERMINAL.has(view.phase)) {
    current.activity.clear();
    current.requested.clear();
  }
  renderTask(view, act, current.generation, { act: sceneAct, activity: current.activity, requested: current.requested, fail: (m) => showError(byId('task-error'), m) });
  markRecent(current.id, view, openTask);
  if (TERMINAL.has(view.phase)) stopPolling();
  // A re-render replaces the buttons; keep the keyboard where it was.
  if (focused) {
    const again = byId('task').querySelector(`[data-testid="${CSS.escape(focused)}"]`);
    if (again instanceof HTMLElement && again !== document.activeElement && !(again instanceof HTMLButtonElement && again.disabled)) again.focus();
  }
}

/**
 * @param {string} taskId
 * @param {string} type
 * @param {string} raw the event's data
 */
function onEvent(taskId, type, raw) {
  if (taskId !== current.id) return;
  /** @type {TaskEvent | null} */
  let ev;
  try {
    ev = JSON.parse(raw);
  } catch {
    ev = null;
  }
  if (ev && ev.id !== undefined) {
    if (current.seenEvents.has(String(ev.id))) return;
    current.seenEvents.add(String(ev.id));
  }
  logEvent(type, ev);
  // A scene's child task says how its regeneration goes; the scene's card shows the latest word.
  if (ev && typeof ev.scene === 'number' && !TERMINAL.has(current.view?.phase ?? '')) {
    current.activity.set(ev.scene, [ev.component, ev.type.replace(/^component\./, '')].filter(Boolean).join(' '));
  }
  refresh();
  const own = !ev || ev.scene === null || ev.scene === undefined;
  if (TERMINAL.has(type) && own) {
    // A late client replays history, and a resumed task has finished before: close only when the task has really ended.
    refresh().then(() => {
      if (taskId !== current.id || !ended()) return;
      closeStream();
      setStreamState('');
      loadRecent();
    });
  }
}

/**
 * @param {string} id
 * @param {StreamState} state
 */
function onStreamState(id, state) {
  if (id !== current.id) return;
  if (state === 'live') {
    setStreamState('live');
    stopPolling();
  } else if (state === 'connecting') {
    setStreamState('connecting…');
  } else if (ended()) {
    // The server ends the stream once the task has ended: nothing more to hear.
    closeStream();
    setStreamState('');
  } else {
    setStreamState(state === 'refused' ? 'polling' : 'reconnecting…');
    startPolling();
  }
}

/** @param {string} id */
function connectStream(id) {
  closeStream();
  current.stream = openStream(id, { onEvent: (type, data) => onEvent(id, type, data), onState: (state) => onStreamState(id, state) });
}

function closeStream() {
  if (current.stream) current.stream.close();
  current.stream = null;
  stopPolling();
}

function startPolling() {
  if (current.poll) return;
  current.poll = setInterval(() => {
    if (ended()) stopPolling();
    else refresh();
  }, POLL_MS);
}

function stopPolling() {
  if (current.poll) clearInterval(current.poll);
  current.poll = null;
}

/** @type {import('./views/task.js').Act} */
async function act(button, action, body, label) {
  const id = current.id;
  if (!id) return;
  button.disabled = true;
  showError(byId('task-error'), '');
  try {
    await taskAction(id, action, body);
    if (action === '/resume') {
      current.generation += 1;
      clearResult();
    }
    if (id === current.id) {
      await refresh();
      if (action !== '/cancel') connectStream(id);
    }
    loadRecent();
  } catch (e) {
    if (e instanceof ApiError && e.code === 'not-cancellable') {
      // Not a success: the task ended before the request arrived, and stays as it ended.
      const phase = typeof e.details.phase === 'string' ? e.details.phase : 'finished';
      button.dataset.refused = 'true';
      showNotice(`Not cancelled: the task had already finished (${phase}).`);
      await refresh();
      return;
    }
    showError(byId('task-error'), `${label} failed: ${e instanceof Error ? e.message : String(e)}`);
    button.disabled = false;
  }
}

/** What a refused review action means, in words. */
const SCENE_REFUSALS = /** @type {Record<string, string>} */ ({
  'task-busy': 'the task is still running; wait until it has finished',
  cancelled: 'the task is cancelled',
  'unknown-scene': 'the video has no such scene any more',
  'invalid-body': 'the server could not take these changes',
});

/** @type {import('./views/scenes.js').SceneAct} */
async function sceneAct(button, scene, action, body, label, taken) {
  const id = current.id;
  if (!id) return false;
  button.disabled = true;
  showError(byId('task-error'), '');
  showNotice('');
  try {
    const res = await sceneAction(id, scene, action, await body());
    current.generation += 1;
    if (action === 'regenerate') current.requested.set(scene, res.take);
    if (taken) taken();
    clearResult();
    if (id === current.id) {
      await refresh();
      connectStream(id);
    }
    loadRecent();
    return true;
  } catch (e) {
    const words = e instanceof ApiError ? SCENE_REFUSALS[e.code] : undefined;
    showError(byId('task-error'), `${label} failed: ${words ?? (e instanceof Error ? e.message : String(e))}`);
    button.disabled = false;
    return false;
  }
}

/** @param {string} message */
function showNotice(message) {
  const el = byId('task-notice');
  el.textContent = message;
  el.hidden = !message;
}

function openConfirm() {
  byId('cancel').hidden = true;
  byId('cancel-confirm').hidden = false;
  byId('cancel-no').focus();
}

function closeConfirm() {
  byId('cancel-confirm').hidden = true;
}

async function loadRecent() {
  try {
    showRecent(await listTasks(RECENT_LIMIT), current.id, openTask);
    showError(byId('recent-error'), '');
  } catch (e) {
    showError(byId('recent-error'), `Could not list tasks: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function loadMeta() {
  try {
    fillPickers(await getMeta());
  } catch (e) {
    metaFailed(e instanceof Error ? e.message : String(e));
  }
}

function taskFromHash() {
  const m = /^#task=(.+)$/.exec(location.hash);
  return m && m[1] ? decodeURIComponent(m[1]) : null;
}

function start() {
  byId('task-form', HTMLFormElement).addEventListener('submit', (e) =>
    submitForm(e, (id) => {
      openTask(id);
      loadRecent();
      byId('task').scrollIntoView({ behavior: 'smooth', block: 'start' });
    }),
  );
  byId('file').addEventListener('change', loadFile);
  byId('refresh-recent').addEventListener('click', loadRecent);
  // Cancelling cannot be undone: the page asks first.
  byId('cancel').addEventListener('click', openConfirm);
  byId('cancel-no').addEventListener('click', () => {
    closeConfirm();
    if (current.view) render(current.view);
    byId('cancel').focus();
  });
  byId('cancel-yes').addEventListener('click', () => {
    closeConfirm();
    const cancel = byId('cancel', HTMLButtonElement);
    cancel.hidden = false;
    act(cancel, '/cancel', undefined, 'Cancelling');
  });
  for (const id of ['download-video', 'download-subtitles', 'download-cover']) byId(id).addEventListener('click', downloadWithToken);
  window.addEventListener('hashchange', () => {
    const id = taskFromHash();
    if (id && id !== current.id) openTask(id, { push: false });
  });
  loadMeta();
  const id = taskFromHash();
  if (id) openTask(id, { push: false });
  loadRecent();
}

start();
startProducts();
startPresenters();
onTab('articles', () => {
  if (/^#(product|presenter)/.test(location.hash)) history.replaceState(null, '', location.pathname);
});
startTabKeys();
