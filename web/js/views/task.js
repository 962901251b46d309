// @ts-check
// The open task: status, progress, modules, components, scenes, assets, the
// result, and the slot word as `slotflow slots decode` prints it. Every state
// shown is the server's (`status`, `modules[].state`, `components[].state`);
// the page decodes nothing itself.

import { mediaUrl, token } from '../api.js';
import { byId, h, showError } from '../dom.js';
import { fmtBytes, fmtDuration, fmtTime } from '../format.js';

/**
 * @typedef {import('../types.js').TaskView} TaskView
 * @typedef {import('../types.js').TaskComponent} TaskComponent
 */

/**
 * A control the page offers: what to post, and how to name it in an error.
 * @callback Act
 * @param {HTMLButtonElement} button disabled while it runs
 * @param {string} action `/resume`, `/approve` or `/cancel`
 * @param {unknown} body
 * @param {string} label
 * @returns {void}
 */

export const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
export const ACTIVE = new Set(['queued', 'running']);

/**
 * What a component is doing, in words: its slot state, or what it waits on while in flight.
 * @param {TaskComponent} c
 */
function componentLabel(c) {
  if (c.state !== 'pending' || !c.in_flight) return c.state;
  if (c.kind === 'approval') return 'awaiting approval';
  if (c.kind === 'callback') return 'waiting for service';
  if (c.kind === 'fanout') return 'running scenes';
  return 'running';
}

/** @param {TaskComponent} c */
const stateClass = (c) => (c.state === 'pending' && c.in_flight ? 'running' : c.state);

/**
 * Columns padded as a terminal table; `right` holds the indexes of right-aligned columns.
 * @param {string[]} header
 * @param {string[][]} rows
 * @param {Set<number>} right
 */
function plainTable(header, rows, right) {
  const widths = header.map((head, i) => Math.max(head.length, ...rows.map((r) => (r[i] ?? '').length)));
  /** @param {string[]} cells */
  const line = (cells) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * The decoded word as `slotflow slots decode` prints it, from the server's decoding.
 * @param {TaskView} view
 */
export function decodedText(view) {
  const moduleState = new Map(view.modules.map((m) => [m.module, m.state]));
  const rows = view.components.map((c) => [`${c.module} (${moduleState.get(c.module) ?? '?'})`, c.component, String(c.slot), c.state]);
  return [
    `flow ${view.flow} v${view.version}`,
    `word ${view.slot_word} = ${view.hex}`,
    `status ${view.status}`,
    '',
    ...plainTable(['MODULE', 'COMPONENT', 'SLOT', 'STATE'], rows, new Set([2])),
    '',
    `unknown bits ${view.unknown_bits}`,
  ].join('\n');
}

/**
 * @param {TaskView} view
 * @param {Act} act
 * @param {number} generation bumped by each resume, so a re-rendered video is not served from the cache
 */
export function renderTask(view, act, generation) {
  const status = byId('task-status');
  status.textContent = view.phase;
  status.className = `badge phase-${view.phase}`;
  byId('task-meta').textContent = `${view.flow} v${view.version} · status ${view.status} · ${fmtTime(view.created_at)}`;
  const cancel = byId('cancel', HTMLButtonElement);
  cancel.hidden = !ACTIVE.has(view.phase);
  cancel.disabled = false;

  if (view.error) {
    const e = view.error;
    const where = e.component ? `${e.component}${e.attempt ? ` (attempt ${e.attempt})` : ''}: ` : '';
    showError(byId('task-error'), `${where}${e.name ? `${e.name}: ` : ''}${e.message ?? ''}`);
  } else if (view.phase !== 'failed') {
    showError(byId('task-error'), '');
  }

  renderProgress(view);
  renderModules(view);
  renderComponents(view, act);
  renderScenes(view, act);
  renderAssets(view);
  renderResult(view, generation);
  byId('decoded').textContent = decodedText(view);
}

/** @param {TaskView} view */
function renderProgress(view) {
  const total = view.components.length;
  const done = view.components.filter((c) => c.state !== 'pending').length;
  const running = view.components.filter((c) => c.in_flight).map((c) => c.component);
  const bar = byId('progress-bar', HTMLProgressElement);
  bar.max = Math.max(total, 1);
  bar.value = done;
  let text = `${done} of ${total} components finished`;
  if (running.length) text += ` · now: ${running.join(', ')}`;
  byId('progress-text').textContent = text;
}

/** @param {TaskView} view */
function renderModules(view) {
  byId('modules').replaceChildren(
    ...view.modules.map((m) =>
      h('li', { class: `module state-${m.state}`, dataset: { testid: `module-${m.module}` } },
        h('span', { class: 'name' }, m.module),
        h('span', { class: 'sub' }, m.status),
        h('span', { class: `badge state-${m.state}` }, m.state),
      ),
    ),
  );
}

/**
 * @param {Event} e
 * @returns {HTMLButtonElement}
 */
const buttonOf = (e) => /** @type {HTMLButtonElement} */ (e.currentTarget);

/**
 * @param {TaskComponent} c
 * @param {Act} act
 */
function componentActions(c, act) {
  /** @type {HTMLElement[]} */
  const actions = [];
  if (c.state === 'failed') {
    actions.push(h('button', {
      type: 'button', class: 'small', dataset: { testid: `resume-${c.component}` },
      'aria-label': `Resume from ${c.component}`,
      /** @param {Event} e */
      onclick: (e) => act(buttonOf(e), '/resume', { from: c.component }, `Resume from ${c.component}`),
    }, 'Resume from here'));
  }
  if (c.kind === 'approval' && c.in_flight) {
    const reason = h('input', { type: 'text', class: 'reason', placeholder: 'reason (optional)', 'aria-label': `Reason for rejecting ${c.component}`, dataset: { testid: `reason-${c.component}` } });
    actions.push(
      h('button', {
        type: 'button', class: 'small ok', dataset: { testid: `approve-${c.component}` }, 'aria-label': `Approve ${c.component}`,
        /** @param {Event} e */
        onclick: (e) => act(buttonOf(e), '/approve', { component: c.component, approved: true }, `Approving ${c.component}`),
      }, 'Approve'),
      h('button', {
        type: 'button', class: 'small danger', dataset: { testid: `reject-${c.component}` }, 'aria-label': `Reject ${c.component}`,
        /** @param {Event} e */
        onclick: (e) => act(buttonOf(e), '/approve',
          { component: c.component, approved: false, ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) }, `Rejecting ${c.component}`),
      }, 'Reject'),
      reason,
    );
  }
  return actions;
}

/** @param {unknown} error */
function errorText(error) {
  if (!error) return '';
  if (typeof error === 'string') return error;
  const message = /** @type {{ message?: unknown }} */ (error).message;
  return typeof message === 'string' && message ? message : JSON.stringify(error);
}

/**
 * @param {TaskView} view
 * @param {Act} act
 */
function renderComponents(view, act) {
  const rows = view.components.map((c) => {
    const err = c.state === 'failed' ? errorText(c.error) : '';
    const tries = c.attempts > 1 || c.executions > 1 ? `${c.attempts}` : c.attempts ? '1' : '';
    return h('tr', { class: `state-${stateClass(c)}`, dataset: { testid: `component-${c.component}`, state: c.state, inFlight: String(c.in_flight) } },
      h('th', { scope: 'row' },
        h('span', { class: 'name' }, c.component),
        h('span', { class: 'sub' }, c.module, c.kind && c.kind !== 'job' ? ` · ${c.kind}` : ''),
        err ? h('span', { class: 'cerr' }, err) : null,
      ),
      h('td', {}, h('span', { class: `badge state-${stateClass(c)}` }, componentLabel(c))),
      h('td', { class: 'num', title: `${c.executions ?? 0} executions`, 'data-label': 'attempts' }, tries),
      h('td', { class: 'num', 'data-label': 'time' }, c.in_flight ? '…' : fmtDuration(c.duration_ms)),
      h('td', { class: 'actions' }, componentActions(c, act)),
    );
  });
  byId('components').replaceChildren(...rows);
}

/**
 * @param {TaskView} view
 * @param {Act} act
 */
function renderScenes(view, act) {
  const scenes = view.scenes;
  byId('scenes-block').hidden = scenes.length === 0;
  byId('scenes').replaceChildren(
    ...scenes.map((s) => {
      const busy = ACTIVE.has(s.phase);
      return h('li', { class: `scene phase-${s.phase}`, dataset: { testid: `scene-${s.index}`, phase: s.phase } },
        h('span', { class: 'name' }, `Scene ${s.index + 1}`),
        h('span', { class: `badge phase-${s.phase}` }, s.phase),
        h('span', { class: 'sub' }, s.status ? `status ${s.status}` : ''),
        h('button', {
          type: 'button', class: 'small', dataset: { testid: `regenerate-${s.index}` },
          'aria-label': `Regenerate scene ${s.index + 1}`, disabled: busy,
          /** @param {Event} e */
          onclick: (e) => act(buttonOf(e), '/resume', { from: s.component, scene: s.index }, `Regenerating scene ${s.index + 1}`),
        }, 'Regenerate'),
      );
    }),
  );
}

/** @param {TaskView} view */
function renderAssets(view) {
  const assets = view.assets;
  byId('assets-block').hidden = assets.length === 0;
  byId('assets-count').textContent = String(assets.length);
  byId('assets').replaceChildren(
    ...assets.map((a) => {
      const label = [a.kind, a.component, typeof a.scene === 'number' ? `scene ${a.scene + 1}` : '', a.provider, fmtBytes(a.bytes)].filter(Boolean).join(' · ');
      // With a token a plain link would load without it and be refused.
      return h('li', { dataset: { testid: `asset-${a.id}` } }, a.url && !token() ? h('a', { href: a.url, target: '_blank', rel: 'noopener' }, label) : label);
    }),
  );
}

/** The URLs shown now, so a re-render does not reload the player. */
const shown = {
  /** @type {string | null} */
  video: null,
  /** @type {string | null} */
  bundle: null,
};

export function clearResult() {
  const video = byId('video', HTMLVideoElement);
  video.pause();
  video.removeAttribute('src');
  video.load();
  video.hidden = true;
  const bundle = byId('bundle', HTMLAnchorElement);
  bundle.hidden = true;
  bundle.removeAttribute('href');
  byId('result').hidden = true;
  shown.video = null;
  shown.bundle = null;
}

/**
 * @param {string} url
 * @param {number} generation
 */
function withGeneration(url, generation) {
  return generation ? `${url}${url.includes('?') ? '&' : '?'}r=${generation}` : url;
}

/**
 * @param {TaskView} view
 * @param {number} generation
 */
function renderResult(view, generation) {
  const video = byId('video', HTMLVideoElement);
  const bundle = byId('bundle', HTMLAnchorElement);
  const result = byId('result');
  const videoUrl = !view.bundle && view.video ? withGeneration(view.video, generation) : null;
  const bundleUrl = view.bundle ? withGeneration(view.bundle, generation) : null;

  if (videoUrl !== shown.video) {
    shown.video = videoUrl;
    if (videoUrl) {
      mediaUrl(videoUrl).then(
        (src) => {
          if (shown.video !== videoUrl) return;
          video.src = src;
          video.hidden = false;
          result.hidden = false;
        },
        (e) => showError(byId('task-error'), `Could not load the video: ${e instanceof Error ? e.message : String(e)}`),
      );
    } else {
      video.removeAttribute('src');
      video.hidden = true;
    }
  }
  if (bundleUrl !== shown.bundle) {
    shown.bundle = bundleUrl;
    bundle.hidden = !bundleUrl;
    if (bundleUrl) {
      bundle.href = bundleUrl;
      bundle.setAttribute('download', `${view.id}.zip`);
      result.hidden = false;
    } else bundle.removeAttribute('href');
  }
  if (!videoUrl && !bundleUrl) result.hidden = true;
}
