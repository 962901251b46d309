// @ts-check
// The list of recent tasks, with the open one marked.

import { byId, h } from '../dom.js';
import { fmtTime } from '../format.js';

/**
 * @typedef {import('../types.js').TaskSummary} TaskSummary
 * @typedef {import('../types.js').TaskView} TaskView
 */

/** @type {TaskSummary[]} */
let tasks = [];
/** What the list shows now, so it is rebuilt only when that changes. */
let shownKey = '';

/**
 * @param {string | null} openId
 * @returns {string}
 */
const keyOf = (openId) => JSON.stringify([openId, tasks.map((t) => [t.id, t.phase, t.title ?? null])]);

/**
 * @param {TaskSummary[]} list
 * @param {string | null} openId
 * @param {(id: string) => void} onOpen
 */
export function showRecent(list, openId, onOpen) {
  tasks = list;
  renderRecent(openId, onOpen);
}

/**
 * @param {string | null} openId
 * @param {(id: string) => void} onOpen
 */
function renderRecent(openId, onOpen) {
  shownKey = keyOf(openId);
  const list = byId('recent');
  if (!tasks.length) {
    list.replaceChildren(h('li', { class: 'empty' }, 'No tasks yet.'));
    return;
  }
  list.replaceChildren(
    ...tasks.map((t) =>
      h('li', {},
        h('button', {
          type: 'button', class: 'recent-item', dataset: { testid: `recent-${t.id}`, id: t.id },
          'aria-current': t.id === openId ? 'true' : null,
          'aria-label': `Open task ${t.title || t.id} (${t.flow}, ${t.phase})`,
          title: t.id,
          onclick: () => onOpen(t.id),
        },
          // Until a task has a title, its id names it.
          h('span', { class: t.title ? 'rtitle' : 'rid' }, t.title || t.id),
          h('span', { class: 'sub' }, `${t.flow} · ${fmtTime(t.created_at)}`),
          h('span', { class: `badge phase-${t.phase}` }, t.phase),
        ),
      ),
    ),
  );
}

/**
 * Keeps the open task's entry marked and its phase fresh without another request.
 * @param {string | null} openId
 * @param {TaskView | null} view the open task as last fetched
 * @param {(id: string) => void} onOpen
 */
export function markRecent(openId, view, onOpen) {
  if (view) {
    const t = tasks.find((x) => x.id === view.id);
    if (t) Object.assign(t, { phase: view.phase, status: view.status, slot_word: view.slot_word, ...(view.title ? { title: view.title } : {}) });
  }
  if (tasks.length && keyOf(openId) !== shownKey) renderRecent(openId, onOpen);
}
