// @ts-check
// DOM helpers: elements by id, and elements built without innerHTML.

/**
 * The element with this id, of the given class; throws when the page lacks it, which is a bug of the page.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new (...args: never[]) => T} [type]
 * @returns {T}
 */
export function byId(id, type) {
  const el = document.getElementById(id);
  const want = type ?? HTMLElement;
  if (!(el instanceof want)) throw new Error(`the page has no ${want.name} #${id}`);
  return /** @type {T} */ (el);
}

/**
 * @typedef {{ [name: string]: unknown, dataset?: Record<string, string>, text?: string }} Attrs
 * @typedef {Node | string | number | null | undefined | false} Child
 */

/**
 * `h('li', { class: 'x', dataset: { testid: 'y' }, onclick }, 'text', child)`. Attributes that are
 * undefined, null or false are left out; `on…` attributes are listeners.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), /** @type {EventListener} */ (v));
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/**
 * Shows a message in an error element, or hides it when there is none.
 * @param {HTMLElement} el
 * @param {string} message
 */
export function showError(el, message) {
  el.textContent = message || '';
  el.hidden = !message;
}
