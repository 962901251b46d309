// @ts-check
// The page's views, one tab each: Articles, Products, Presenters. A tab shows
// its view and hides the others; the arrow keys move between the tabs, as a
// tab list does. Each view's module says what its tab puts in the address.

import { byId } from './dom.js';

/** @typedef {'articles' | 'products' | 'presenters'} ViewName */

/** @type {readonly ViewName[]} */
export const VIEWS = ['articles', 'products', 'presenters'];

/**
 * Shows one view, as the tabs say.
 * @param {ViewName} which
 */
export function showView(which) {
  for (const name of VIEWS) {
    const on = name === which;
    const tab = byId(`tab-${name}`);
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    byId(`${name}-view`).hidden = !on;
  }
}

/**
 * Wires a view's tab: a click shows the view, then `onShow` (which sets the address).
 * @param {ViewName} name
 * @param {() => void} onShow
 */
export function onTab(name, onShow) {
  byId(`tab-${name}`).addEventListener('click', () => {
    showView(name);
    onShow();
  });
}

/** The arrow keys move between the tabs, wrapping around. */
export function startTabKeys() {
  VIEWS.forEach((name, i) => {
    byId(`tab-${name}`).addEventListener('keydown', (e) => {
      const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (!step) return;
      const to = byId(`tab-${VIEWS[(i + step + VIEWS.length) % VIEWS.length]}`);
      to.click();
      to.focus();
    });
  });
}
