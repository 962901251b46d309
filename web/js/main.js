// @ts-check
// slotflow editors' page: submit an article, follow the task live, play the
// video. This module holds the open task and wires the views to the API and
// the event stream.

import { getMeta, getTask, listTasks, taskAction } from './api.js';
import { byId, showError } from './dom.js';
import { openStream } from './events.js';
import { clearEvents, logEvent } from './views/event-log.js';
import { fillPickers, loadFile, metaFailed, submitForm } from './views/form.js';
import { markRecent, showRecent } from './views/recent.js';
import { clearResult, renderTask, TERMINAL } from './views/task.js';

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
  /** Bumped by each resume, so a re-rendered video is not served from the cache. */
  generation: 0,
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
    clearResult();
    clearEvents();
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
  renderTask(view, act, current.generation);
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
    showError(byId('task-error'), `${label} failed: ${e instanceof Error ? e.message : String(e)}`);
    button.disabled = false;
  }
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
  byId('cancel').addEventListener('click', (e) => act(/** @type {HTMLButtonElement} */ (e.currentTarget), '/cancel', undefined, 'Cancelling'));
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
