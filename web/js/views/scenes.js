// @ts-check
// The scene cards: the review loop. Each card shows a scene (number from 1,
// thumbnail, narration, duration, visual and matched term, status) and its
// takes side by side; "Edit" opens fields for the narration, the search terms
// and the visual, and "Regenerate" asks for a new take with only what changed
// (nothing changed still asks for one). "Use this take" chooses the take the
// video uses.
//
// Cards are rebuilt only when what they show changes, so a take's player keeps
// playing and a half-typed narration is not lost while events re-render the
// task. What the editor typed is kept in `drafts` until it is sent or dropped.

import { mediaUrl, token, uploadAsset } from '../api.js';
import { h } from '../dom.js';

/**
 * @typedef {import('../types.js').TaskView} TaskView
 * @typedef {import('../types.js').TaskScene} TaskScene
 * @typedef {import('../types.js').SceneTake} SceneTake
 */

/**
 * A review action: posts `/scenes/N/regenerate` or `/scenes/N/choose`.
 * @callback SceneAct
 * @param {HTMLButtonElement} button disabled while it runs
 * @param {number} scene from 1
 * @param {'regenerate' | 'choose'} action
 * @param {() => Promise<unknown>} body what to send, resolved when clicked (an upload happens first)
 * @param {string} label how to name it in an error
 * @param {() => void} [taken] called once the server took it, before the task is shown again
 * @returns {Promise<boolean>} whether the server took it
 */

/**
 * What the open task's cards show besides the task itself.
 * @typedef {object} SceneContext
 * @property {SceneAct} act
 * @property {ReadonlyMap<number, string>} activity the latest event of each scene while the task runs
 * @property {ReadonlyMap<number, number>} requested the take each scene was asked for, until the task ends
 * @property {(message: string) => void} fail shows an error
 */

/**
 * @typedef {object} Draft
 * @property {string} narration
 * @property {string} terms comma-separated
 * @property {string} visual `keep`, `upload`, or `candidate:ID`
 * @property {File | null} file
 */

/** @type {Map<string, Draft>} by `taskId:scene`; a scene being edited has one. */
const drafts = new Map();
/** @type {Map<number, string>} the key each card was built from */
const built = new Map();

/** @param {TaskScene} s */
export const sceneNumber = (s) => (typeof s.scene === 'number' ? s.scene : (s.index ?? 0) + 1);

/** @param {TaskScene} s */
const matchedTerms = (s) => (s.visual && s.visual.term ? s.visual.term : '');

/**
 * The terms as the server takes them: trimmed, no empties.
 * @param {string} text
 */
const splitTerms = (text) => text.split(',').map((t) => t.trim()).filter(Boolean);

/**
 * Why the review buttons of this task cannot work now, or '' when they can.
 * @param {TaskView} view
 * @param {TaskScene} s
 */
function blockedBecause(view, s) {
  if (!Array.isArray(s.takes)) return 'this server does not keep takes of scenes';
  if (view.phase === 'cancelled') return 'the task is cancelled';
  if (view.phase === 'queued' || view.phase === 'running') return 'wait until the task has finished';
  return '';
}

/**
 * Sets a media attribute, through a blob URL when a token is needed (media elements cannot send it).
 * @param {HTMLElement} el
 * @param {'src' | 'poster'} attr
 * @param {string} url
 * @param {(message: string) => void} fail
 */
function setMedia(el, attr, url, fail) {
  if (!token()) {
    el.setAttribute(attr, url);
    return;
  }
  mediaUrl(url).then((src) => el.setAttribute(attr, src), (e) => fail(`Could not load ${url}: ${e instanceof Error ? e.message : String(e)}`));
}

/**
 * @param {TaskView} view
 * @param {SceneContext} ctx
 * @param {HTMLOListElement} list
 */
export function renderScenes(view, ctx, list) {
  const scenes = view.scenes;
  const numbers = new Set(scenes.map(sceneNumber));
  for (const n of [...built.keys()]) if (!numbers.has(n)) built.delete(n);
  /** @type {Map<number, HTMLElement>} */
  const existing = new Map();
  for (const el of list.children) if (el instanceof HTMLElement && el.dataset.scene) existing.set(Number(el.dataset.scene), el);
  const cards = scenes.map((s) => {
    const n = sceneNumber(s);
    const editing = drafts.has(`${view.id}:${n}`);
    const key = JSON.stringify([view.id, s, editing, blockedBecause(view, s), ctx.activity.get(n) ?? null, ctx.requested.get(n) ?? null]);
    const old = existing.get(n);
    if (old && built.get(n) === key) return old;
    built.set(n, key);
    return sceneCard(view, s, ctx);
  });
  // Moving a kept card would restart its players: replace only when the order or the set changed.
  const same = cards.length === list.children.length && cards.every((c, i) => list.children[i] === c);
  if (!same) list.replaceChildren(...cards);
}

/** Forgets every card, so the next render builds them afresh (another task opened). */
export function clearScenes() {
  built.clear();
}

/**
 * @param {TaskView} view
 * @param {TaskScene} s
 * @param {SceneContext} ctx
 */
function sceneCard(view, s, ctx) {
  const n = sceneNumber(s);
  const draftKey = `${view.id}:${n}`;
  const blocked = blockedBecause(view, s);
  const status = s.phase ?? s.status;
  const activity = ctx.activity.get(n);
  const requested = ctx.requested.get(n);
  const takes = s.takes ?? [];
  const thumb = s.thumbnail
    ? h('img', { class: 'thumb', alt: `Scene ${n}`, loading: 'lazy', dataset: { testid: `scene-thumb-${n}` } })
    : h('div', { class: 'thumb none', 'aria-hidden': 'true' }, 'no picture yet');
  if (s.thumbnail && thumb instanceof HTMLImageElement) setMedia(thumb, 'src', s.thumbnail, ctx.fail);

  const working = requested !== undefined || (activity !== undefined && (view.phase === 'queued' || view.phase === 'running'));
  const card = h('li', { class: `scene-card${working ? ' working' : ''}`, dataset: { testid: `scene-${n}`, scene: String(n), status, phase: s.phase ?? '' } },
    h('div', { class: 'scene-head' },
      h('span', { class: 'name' }, `Scene ${n}`),
      typeof s.duration_sec === 'number' ? h('span', { class: 'sub', dataset: { testid: `scene-duration-${n}` } }, `${s.duration_sec.toFixed(1)} s`) : null,
      h('span', { class: `badge phase-${status} state-${status}`, dataset: { testid: `scene-status-${n}` } }, status),
    ),
    h('div', { class: 'scene-body' },
      thumb,
      h('div', { class: 'scene-text' },
        typeof s.narration === 'string' ? h('p', { class: 'narration', dataset: { testid: `scene-narration-${n}` } }, s.narration) : null,
        s.visual
          ? h('p', { class: 'sub', dataset: { testid: `scene-visual-${n}` } }, `visual: ${s.visual.source}`, s.visual.term ? ` · matched “${s.visual.term}”` : '')
          : null,
        working
          ? h('p', { class: 'working-note', role: 'status', dataset: { testid: `scene-progress-${n}` } },
            requested !== undefined ? `Making take ${requested}…` : 'Working…', activity ? ` ${activity}` : '')
          : null,
      ),
    ),
  );

  if (takes.length) card.append(takesRow(view, s, ctx, blocked));

  const draft = drafts.get(draftKey);
  const regenerate = h('button', {
    type: 'button', class: 'small primary-ish', dataset: { testid: `regenerate-${n}` }, disabled: Boolean(blocked) || working,
    title: blocked || (draft ? 'a new take with your changes' : 'a new take of this scene as it is'),
    'aria-label': `Regenerate scene ${n}`,
    /** @param {Event} e */
    onclick: async (e) => {
      const button = /** @type {HTMLButtonElement} */ (e.currentTarget);
      // The edit fields close once the new take is asked for; what was sent is now the scene's.
      await ctx.act(button, n, 'regenerate', () => regenerateBody(s, drafts.get(draftKey) ?? null), `Regenerating scene ${n}`, () => drafts.delete(draftKey));
    },
  }, draft ? 'Regenerate with changes' : 'Regenerate');
  const edit = h('button', {
    type: 'button', class: 'small', dataset: { testid: `edit-${n}` }, disabled: Boolean(blocked) && !draft,
    title: draft ? 'drop your changes' : blocked || 'change the narration, the search terms or the visual',
    'aria-expanded': draft ? 'true' : 'false',
    onclick: () => {
      if (drafts.has(draftKey)) drafts.delete(draftKey);
      else drafts.set(draftKey, { narration: s.narration ?? '', terms: matchedTerms(s), visual: 'keep', file: null });
      built.delete(n);
      const list = card.parentElement;
      if (list instanceof HTMLOListElement) list.replaceChild(sceneCard(view, s, ctx), card);
      const field = document.querySelector(`[data-testid="narration-${n}"]`);
      if (field instanceof HTMLTextAreaElement) field.focus();
    },
  }, draft ? 'Discard changes' : 'Edit');
  if (draft) card.append(editFields(view, s, draft));
  card.append(h('div', { class: 'scene-actions' }, edit, regenerate));
  return card;
}

/**
 * @param {TaskView} view
 * @param {TaskScene} s
 * @param {SceneContext} ctx
 * @param {string} blocked
 */
function takesRow(view, s, ctx, blocked) {
  const n = sceneNumber(s);
  const takes = s.takes ?? [];
  return h('div', { class: 'takes', role: 'group', 'aria-label': `Takes of scene ${n}`, dataset: { testid: `takes-${n}` } },
    ...takes.map((t) => {
      const chosen = t.chosen ?? t.take === s.take;
      const player = h('video', { class: 'take-video', controls: true, playsinline: true, preload: 'metadata', muted: true, dataset: { testid: `take-video-${n}-${t.take}` } });
      if (t.thumbnail) setMedia(player, 'poster', t.thumbnail, ctx.fail);
      if (t.video) setMedia(player, 'src', t.video, ctx.fail);
      return h('figure', { class: `take${chosen ? ' chosen' : ''}`, dataset: { testid: `take-${n}-${t.take}`, chosen: String(chosen) } },
        player,
        h('figcaption', {},
          h('span', { class: 'name' }, `Take ${t.take}`),
          chosen
            ? h('span', { class: 'badge state-succeeded', dataset: { testid: `chosen-${n}-${t.take}` } }, 'in the video')
            : h('button', {
              type: 'button', class: 'small', dataset: { testid: `choose-${n}-${t.take}` }, disabled: Boolean(blocked),
              title: blocked || `the video uses take ${t.take}`, 'aria-label': `Use take ${t.take} of scene ${n}`,
              /** @param {Event} e */
              onclick: (e) => ctx.act(/** @type {HTMLButtonElement} */ (e.currentTarget), n, 'choose', async () => ({ take: t.take }), `Choosing take ${t.take} of scene ${n}`),
            }, 'Use this take'),
        ),
      );
    }),
  );
}

/**
 * The edit fields; every change goes to the draft at once.
 * @param {TaskView} view
 * @param {TaskScene} s
 * @param {Draft} draft
 */
function editFields(view, s, draft) {
  const n = sceneNumber(s);
  const id = (/** @type {string} */ what) => `scene-${n}-${what}`;
  const narration = h('textarea', { id: id('narration'), rows: 4, dataset: { testid: `narration-${n}` } });
  narration.value = draft.narration;
  narration.addEventListener('input', () => (draft.narration = narration.value));
  const terms = h('input', { id: id('terms'), type: 'text', autocomplete: 'off', placeholder: 'e.g. harbour, library', dataset: { testid: `terms-${n}` } });
  terms.value = draft.terms;
  terms.addEventListener('input', () => (draft.terms = terms.value));

  const group = `visual-${view.id}-${n}`;
  /**
   * @param {string} value
   * @param {string} testid
   * @param {...import('../dom.js').Child} label
   */
  const option = (value, testid, ...label) => {
    const radio = h('input', { type: 'radio', name: group, value, checked: draft.visual === value, dataset: { testid } });
    radio.addEventListener('change', () => {
      if (radio.checked) draft.visual = value;
    });
    return h('label', { class: 'choice visual-choice' }, radio, ...label);
  };
  const file = h('input', { type: 'file', accept: 'image/*', 'aria-label': `Upload a picture for scene ${n}`, dataset: { testid: `upload-${n}` } });
  file.addEventListener('change', () => {
    draft.file = file.files && file.files[0] ? file.files[0] : null;
    draft.visual = draft.file ? 'upload' : 'keep';
    const radio = file.closest('fieldset')?.querySelector('input[value="upload"]');
    if (radio instanceof HTMLInputElement) radio.checked = Boolean(draft.file);
  });
  const candidates = s.candidates ?? [];
  return h('div', { class: 'scene-edit', dataset: { testid: `scene-edit-${n}` } },
    h('label', { for: id('narration') }, 'Narration'),
    narration,
    h('label', { for: id('terms') }, 'Search terms ', h('span', { class: 'hint' }, '(comma-separated)')),
    terms,
    h('fieldset', { class: 'visuals' },
      h('legend', {}, 'Visual'),
      option('keep', `visual-keep-${n}`, s.visual ? `keep the current visual (${s.visual.source})` : 'keep the current visual'),
      ...candidates.map((c) => {
        const ref = c.id.startsWith('candidate:') ? c.id : `candidate:${c.id}`;
        const picture = c.thumbnail ?? (c.kind === 'image' && c.url ? c.url : null);
        const img = picture ? h('img', { class: 'cand-thumb', alt: '', loading: 'lazy' }) : null;
        if (img && picture) {
          // A picture that cannot be loaded leaves the words, not a broken image.
          img.addEventListener('error', () => (img.hidden = true), { once: true });
          setMedia(img, 'src', picture, () => (img.hidden = true));
        }
        const what = [c.source, c.kind && c.kind !== 'image' ? c.kind : '', c.term ? `“${c.term}”` : ''].filter(Boolean).join(' · ');
        return option(ref, `candidate-${n}-${ref.slice('candidate:'.length)}`, img, what);
      }),
      option('upload', `visual-upload-${n}`, 'upload: ', file),
    ),
  );
}

/**
 * What a regeneration sends: only the fields the editor changed (an empty body asks for a new take as it is).
 * @param {TaskScene} s
 * @param {Draft | null} draft
 * @returns {Promise<Record<string, unknown>>}
 */
async function regenerateBody(s, draft) {
  /** @type {Record<string, unknown>} */
  const body = {};
  if (!draft) return body;
  const narration = draft.narration.trim();
  if (narration && narration !== (s.narration ?? '').trim()) body.narration = narration;
  const terms = splitTerms(draft.terms);
  if (terms.length && terms.join(',') !== splitTerms(matchedTerms(s)).join(',')) body.terms = terms;
  if (draft.visual.startsWith('candidate:')) body.visual = draft.visual;
  if (draft.visual === 'upload' && draft.file) {
    try {
      body.visual = (await uploadAsset(draft.file)).url;
    } catch (e) {
      throw new Error(`could not upload ${draft.file.name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  return body;
}
