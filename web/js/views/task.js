// @ts-check
// The open task: status, progress, modules, components, scenes, assets, the
// result, and the slot word as `slotflow slots decode` prints it. Every state
// shown is the server's (`status`, `modules[].state`, `components[].state`);
// the page decodes nothing itself.

import { authHeaders, mediaUrl, token } from '../api.js';
import { byId, h, showError } from '../dom.js';
import { fmtBytes, fmtDuration, fmtTime } from '../format.js';
import { renderScenes } from './scenes.js';

/**
 * @typedef {import('../types.js').TaskView} TaskView
 * @typedef {import('../types.js').TaskComponent} TaskComponent
 * @typedef {import('./scenes.js').SceneContext} SceneContext
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
 * Who wrote a prompt's script, so an editor knows whether a model or the template is speaking.
 * @param {TaskView} view
 */
function renderPlanner(view) {
  const el = byId('task-planner');
  const planner = view.planner;
  el.hidden = !planner;
  el.textContent = planner ? `· script by: ${planner.label}` : '';
  el.title = planner ? `${planner.fit.estimated_sec} s of narration planned for ${planner.fit.target_sec} s, ${planner.tone} tone` : '';
}

/**
 * @param {TaskView} view
 * @param {Act} act
 * @param {number} generation bumped by each resume or take, so a re-rendered video is not served from the cache
 * @param {SceneContext} scenes
 */
export function renderTask(view, act, generation, scenes) {
  const status = byId('task-status');
  status.textContent = view.phase;
  status.className = `badge phase-${view.phase}`;
  // Until tasks carry a title, the id names the task.
  byId('task-title').textContent = view.title || 'Task';
  byId('task-meta').textContent = `${view.flow} v${view.version} · status ${view.status} · ${fmtTime(view.created_at)}`;
  renderPlanner(view);
  renderCancel(view);

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
  byId('scenes-block').hidden = view.scenes.length === 0;
  renderScenes(view, scenes, byId('scenes', HTMLOListElement));
  renderAssets(view);
  renderResult(view, generation);
  byId('decoded').textContent = decodedText(view);
}

/**
 * The cancel control: offered while the task runs; once cancelled it stays in sight, disabled, and says so.
 * A confirmation that is open stays open when the task ends meanwhile: the server's answer then says it had finished.
 * @param {TaskView} view
 */
function renderCancel(view) {
  const cancel = byId('cancel', HTMLButtonElement);
  const confirming = !byId('cancel-confirm').hidden;
  const cancelled = view.phase === 'cancelled';
  cancel.hidden = confirming || !(ACTIVE.has(view.phase) || cancelled);
  cancel.disabled = cancelled || cancel.dataset.refused === 'true';
  cancel.textContent = cancelled ? 'Cancelled' : 'Cancel';
  if (cancelled) byId('cancel-confirm').hidden = true;
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
 * @param {boolean} cancelled nothing of a cancelled task runs again
 */
function componentActions(c, act, cancelled) {
  /** @type {HTMLElement[]} */
  const actions = [];
  if (c.state === 'failed') {
    actions.push(h('button', {
      type: 'button', class: 'small', dataset: { testid: `resume-${c.component}` },
      'aria-label': `Resume from ${c.component}`, disabled: cancelled, title: cancelled ? 'the task is cancelled' : null,
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
      h('td', { class: 'actions' }, componentActions(c, act, view.phase === 'cancelled')),
    );
  });
  byId('components').replaceChildren(...rows);
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
  /** @type {string | null} */
  cover: null,
};

/** The download links under the video, by the test id of each. */
const DOWNLOADS = ['download-video', 'download-subtitles', 'download-cover'];

export function clearResult() {
  const video = byId('video', HTMLVideoElement);
  video.pause();
  video.removeAttribute('src');
  video.removeAttribute('poster');
  video.load();
  video.hidden = true;
  const bundle = byId('bundle', HTMLAnchorElement);
  bundle.hidden = true;
  bundle.removeAttribute('href');
  for (const id of DOWNLOADS) setLink(byId(id, HTMLAnchorElement), null, '');
  byId('downloads').hidden = true;
  byId('result').hidden = true;
  shown.video = null;
  shown.bundle = null;
  shown.cover = null;
}

/**
 * @param {string} url
 * @param {number} generation
 */
function withGeneration(url, generation) {
  return generation ? `${url}${url.includes('?') ? '&' : '?'}r=${generation}` : url;
}

/**
 * A file name from the task's title (its id when it has none): `a-library-on-the-water.mp4`.
 * @param {TaskView} view
 * @param {string} ext with its dot
 */
export function fileName(view, ext) {
  const base = (view.title ?? '').normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80).replace(/-+$/, '');
  return `${base || view.id}${ext}`;
}

/**
 * @param {HTMLAnchorElement} link
 * @param {string | null} url
 * @param {string} name
 */
function setLink(link, url, name) {
  link.hidden = !url;
  if (url) {
    link.href = url;
    link.setAttribute('download', name);
  } else {
    link.removeAttribute('href');
    link.removeAttribute('download');
  }
}

/**
 * With a token a plain link would load without it and be refused: fetch the file with it and save that.
 * @param {MouseEvent} e
 */
export function downloadWithToken(e) {
  const link = e.currentTarget;
  if (!token() || !(link instanceof HTMLAnchorElement) || !link.href) return;
  e.preventDefault();
  mediaUrl(link.href).then(
    (src) => {
      const a = h('a', { href: src, download: link.getAttribute('download') ?? '' });
      a.click();
      setTimeout(() => URL.revokeObjectURL(src), 10000);
    },
    (err) => showError(byId('task-error'), `Could not download: ${err instanceof Error ? err.message : String(err)}`),
  );
}

/**
 * The cover's file extension, from its media type; the type is asked once for each cover shown.
 * @param {string} url
 * @returns {Promise<string>}
 */
async function coverExt(url) {
  try {
    const res = await fetch(url, { method: 'HEAD', headers: authHeaders() });
    const type = res.headers.get('content-type') ?? '';
    return type.includes('png') ? '.png' : type.includes('webp') ? '.webp' : '.jpg';
  } catch {
    return '.jpg';
  }
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
  const coverUrl = videoUrl && view.cover ? withGeneration(view.cover, generation) : null;
  // The subtitles are offered when the task made some; the route serves the finished video's.
  const hasSubtitles = view.assets.some((a) => a.kind === 'subtitles');
  const subtitlesUrl = videoUrl && hasSubtitles ? withGeneration(`/v1/tasks/${encodeURIComponent(view.id)}/subtitles`, generation) : null;

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
  if (coverUrl !== shown.cover) {
    shown.cover = coverUrl;
    const link = byId('download-cover', HTMLAnchorElement);
    if (coverUrl) {
      mediaUrl(coverUrl).then((src) => {
        if (shown.cover === coverUrl) video.poster = src;
      }, () => video.removeAttribute('poster'));
      coverExt(coverUrl).then((ext) => {
        if (shown.cover === coverUrl) setLink(link, coverUrl, fileName(view, `-cover${ext}`));
      });
    } else {
      video.removeAttribute('poster');
      setLink(link, null, '');
    }
  }
  setLink(byId('download-video', HTMLAnchorElement), videoUrl, fileName(view, '.mp4'));
  setLink(byId('download-subtitles', HTMLAnchorElement), subtitlesUrl, fileName(view, '.srt'));
  byId('downloads').hidden = !videoUrl;

  if (bundleUrl !== shown.bundle) {
    shown.bundle = bundleUrl;
    bundle.hidden = !bundleUrl;
    if (bundleUrl) {
      bundle.href = bundleUrl;
      bundle.setAttribute('download', fileName(view, '.zip'));
      result.hidden = false;
    } else bundle.removeAttribute('href');
  }
  if (videoUrl) result.hidden = false;
  if (!videoUrl && !bundleUrl) result.hidden = true;
}
