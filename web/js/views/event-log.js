// @ts-check
// The open task's events, newest first.

import { byId, h } from '../dom.js';
import { fmtTime } from '../format.js';

/** @typedef {import('../types.js').TaskEvent} TaskEvent */

const MAX_EVENTS = 200;

/**
 * @param {string} type
 * @param {TaskEvent | null} ev null when the data was not JSON
 */
export function logEvent(type, ev) {
  const parts = [fmtTime(ev && ev.created_at) || new Date().toLocaleTimeString(), type];
  if (ev && ev.component) parts.push(ev.component);
  // Scenes count from 1, in events as everywhere.
  if (ev && typeof ev.scene === 'number') parts.push(ev.take ? `scene ${ev.scene} take ${ev.take}` : `scene ${ev.scene}`);
  if (ev && ev.attempt) parts.push(`attempt ${ev.attempt}`);
  if (ev && ev.slot_word) parts.push(`word ${ev.slot_word}`);
  const list = byId('events');
  list.prepend(h('li', { class: `ev ev-${type.replace('.', '-')}` }, parts.join(' · ')));
  while (list.children.length > MAX_EVENTS) list.lastElementChild?.remove();
}

export function clearEvents() {
  byId('events').replaceChildren();
}
