// @ts-check
// A presenter's videos, one card each: the route, the stage it is at in words
// ("generating audio", "waiting for storyboard approval", "stitching", done,
// failed with the error), at an approval gate the Approve and Reject buttons
// (a rejection needs a reason: the stage is made again with it), what the
// stages made so far (the script, the storyboard with each scene's timing and
// narration, the scene videos, the final video), and each stage's state,
// attempts and error with a Regenerate button, live once the output has
// ended (the server refuses a retry while it runs).
//
// A card is kept across renders and each part is rebuilt only when what it
// shows changes, so a playing video is not reloaded and a reason being
// written is not lost by the next event.

import { mediaUrl } from '../api.js';
import { byId, h } from '../dom.js';
import { fmtDuration } from '../format.js';
import { TERMINAL } from '../follow.js';
import { errorText } from './product.js';

/**
 * @typedef {import('../types.js').PresenterOutputView} PresenterOutputView
 * @typedef {import('../types.js').StageState} StageState
 */

/**
 * What the page knows of one presenter output.
 * @typedef {object} PresenterOutputState
 * @property {string} id
 * @property {string} route
 * @property {PresenterOutputView | null} view
 * @property {string} streamState
 * @property {string} actionError a refused button's message, kept until the next action
 */

/**
 * What the buttons do; each gets the button, to disable it while the request runs.
 * @typedef {object} OutputActions
 * @property {(button: HTMLButtonElement, out: PresenterOutputState, stage: string, decision: { approved: true } | { approved: false, reason: string }) => void} decide
 * @property {(button: HTMLButtonElement, out: PresenterOutputState, from: string, scene?: number) => void} retry
 */

export const ROUTE_LABELS = /** @type {Record<string, string>} */ ({
  single: 'Single scene',
  multi: 'Multi scene',
  broll: 'B-roll',
  pose: 'Poses',
  approval: 'Approval-gated',
});

/** What approving each gate lets run, and what rejecting it makes again. */
const GATES = /** @type {Record<string, { approve: string, reject: string }>} */ ({
  script: { approve: 'the storyboard is planned from this script', reject: 'the script is written again' },
  storyboard: { approve: 'the backgrounds are reviewed next', reject: 'the storyboard is planned again; the script is kept' },
  background: { approve: 'the scenes are rendered', reject: 'the storyboard and its backgrounds are planned again' },
  video: { approve: 'the video is enhanced and finished', reject: 'the video is stitched again' },
});

/** A media fragment past the first frame: a player with `preload: metadata` then shows a picture, not black. */
const FIRST_FRAME = '#t=0.05';

/** @param {PresenterOutputState} out */
export const presenterOutputEnded = (out) => out.view !== null && TERMINAL.has(out.view.phase);

/** @param {number | null} s */
const secs = (s) => (typeof s === 'number' ? `${s.toFixed(1)} s` : '');

/**
 * A stage's state as a person reads it: an approval in flight waits, a job in flight runs.
 * @param {StageState} s
 */
export function stageStateText(s) {
  if (s.in_flight) return s.kind === 'approval' ? 'waiting' : 'running';
  return s.state;
}

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
function cardOf(id) {
  const list = byId('presenter-outputs');
  const existing = [...list.children].find((el) => el instanceof HTMLElement && el.dataset.output === id);
  if (existing instanceof HTMLElement) return existing;
  const card = h('li', { class: 'output-card presenter-output', dataset: { output: id, testid: `poutput-${id}` }, 'aria-label': `Video ${id}` },
    h('div', { class: 'output-head' }),
    h('progress', { class: 'bar', max: '1', value: '0', 'aria-label': `Stages of ${id} finished` }),
    h('p', { class: 'error', role: 'alert', hidden: true, dataset: { testid: `poutput-error-${id}` } }),
    h('div', { class: 'gate', hidden: true, dataset: { testid: `poutput-gate-${id}` } }),
    h('ul', { class: 'approvals', hidden: true, dataset: { testid: `poutput-approvals-${id}` } }),
    h('section', { class: 'made script', hidden: true, dataset: { testid: `poutput-script-${id}` } }),
    h('section', { class: 'made storyboard', hidden: true, dataset: { testid: `poutput-storyboard-${id}` } }),
    h('ol', { class: 'output-scenes pscenes', dataset: { testid: `poutput-scenes-${id}` } }),
    h('div', { class: 'output-result', dataset: { testid: `poutput-result-${id}` } }),
    h('details', { class: 'stages-block' },
      h('summary', {}, 'Stages'),
      h('div', { class: 'scroll' },
        h('table', { class: 'components stages', dataset: { testid: `poutput-stages-${id}` } },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'Stage'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col', class: 'num' }, 'Attempts'),
            h('th', { scope: 'col', class: 'num' }, 'Time'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')),
          )),
          h('tbody', {}),
        ),
      ),
    ),
  );
  list.prepend(card);
  return card;
}

/**
 * @param {HTMLElement} card
 * @param {string} selector
 * @returns {HTMLElement}
 */
function part(card, selector) {
  const el = card.querySelector(selector);
  if (!(el instanceof HTMLElement)) throw new Error(`a presenter video card has no ${selector}`);
  return el;
}

/**
 * Rebuilds a part only when `key` differs from what it shows.
 * @param {HTMLElement} el
 * @param {unknown} key
 * @param {() => void} build
 */
function keyed(el, key, build) {
  const k = JSON.stringify(key);
  if (el.dataset.key === k) return;
  el.dataset.key = k;
  build();
}

/**
 * @param {PresenterOutputState} out
 * @param {OutputActions} act
 */
export function renderPresenterOutput(out, act) {
  const card = cardOf(out.id);
  const view = out.view;
  const phase = view?.phase ?? 'queued';
  card.dataset.phase = phase;
  card.dataset.waiting = view?.waiting_for ?? '';
  const stages = view?.stages ?? [];
  const done = stages.filter((s) => s.state !== 'pending').length;
  const head = part(card, '.output-head');
  head.replaceChildren(...[
    h('span', { class: 'name' }, ROUTE_LABELS[out.route] ?? out.route),
    h('code', { class: 'sub' }, out.id),
    // A video at a gate is running as a task, but what it does is wait for someone.
    h('span', { class: `badge phase-${phase}`, dataset: { testid: `poutput-status-${out.id}` }, title: `phase ${phase}` }, view?.waiting_for ? 'waiting' : phase),
    h('span', { class: `stage-now${view?.waiting_for ? ' waiting' : ''}`, dataset: { testid: `poutput-stage-${out.id}` } }, view ? view.stage_label : 'loading…'),
    stages.length ? h('span', { class: 'sub' }, `${done} of ${stages.length} stages`) : null,
    out.streamState ? h('span', { class: 'sub stream' }, out.streamState) : null,
  ].filter((x) => x !== null));
  const bar = /** @type {HTMLProgressElement} */ (part(card, 'progress'));
  bar.max = Math.max(stages.length, 1);
  bar.value = done;
  const failedStage = stages.find((s) => s.state === 'failed' && s.error);
  const problem = view?.error ? `${view.error.component ?? 'the video'} failed: ${view.error.message ?? 'failed'}`
    : failedStage ? `${failedStage.label}${failedStage.scene ? ` (scene ${failedStage.scene})` : ''} failed: ${errorText(failedStage.error)}` : '';
  showOutputError(card, out.actionError || problem);
  if (!view) return;
  renderGate(card, out, view, act);
  renderApprovals(card, view);
  renderScript(card, view);
  renderStoryboard(card, view);
  renderScenes(card, out, view, act);
  renderVideo(card, view, (m) => showOutputError(card, m));
  renderStages(card, out, view, act);
}

/**
 * @param {HTMLElement} card
 * @param {string} message
 */
export function showOutputError(card, message) {
  const el = part(card, '.error');
  el.textContent = message;
  el.hidden = !message;
}

/**
 * The gate the output waits at: Approve, or Reject with a reason (asked for, and required, before anything is sent).
 * @param {HTMLElement} card
 * @param {PresenterOutputState} out
 * @param {PresenterOutputView} view
 * @param {OutputActions} act
 */
function renderGate(card, out, view, act) {
  const box = part(card, '.gate');
  keyed(box, [view.waiting_for, view.approvals.length], () => {
    const stage = view.waiting_for;
    box.hidden = !stage;
    if (!stage) {
      box.replaceChildren();
      return;
    }
    const what = GATES[stage] ?? { approve: 'the stages after it run', reject: 'the stage is made again' };
    const reason = h('textarea', { rows: '2', maxlength: '2000', class: 'reason', dataset: { testid: `reject-reason-${out.id}` }, 'aria-label': `Why the ${stage} is rejected`, placeholder: 'What should change?' });
    const note = h('p', { class: 'error', role: 'alert', hidden: true, dataset: { testid: `reject-error-${out.id}` } });
    const ask = h('div', { class: 'reject-box', hidden: true },
      h('label', { class: 'sub' }, `Why? The ${stage} is made again with your reason.`),
      reason,
      h('div', { class: 'gate-actions' },
        h('button', {
          type: 'button', class: 'danger small', dataset: { testid: `reject-send-${out.id}` },
          /** @param {Event} e */
          onclick: (e) => {
            const text = reason.value.trim();
            note.textContent = text ? '' : 'Write why: a rejection needs a reason.';
            note.hidden = Boolean(text);
            if (!text) {
              reason.focus();
              return;
            }
            act.decide(/** @type {HTMLButtonElement} */ (e.currentTarget), out, stage, { approved: false, reason: text });
          },
        }, `Reject the ${stage}`),
        h('button', {
          type: 'button', class: 'small',
          onclick: () => {
            ask.hidden = true;
            approve.disabled = false;
            reject.disabled = false;
          },
        }, 'Keep it'),
      ),
      note,
    );
    const approve = h('button', {
      type: 'button', class: 'ok small', dataset: { testid: `approve-${out.id}` }, title: `then ${what.approve}`,
      /** @param {Event} e */
      onclick: (e) => act.decide(/** @type {HTMLButtonElement} */ (e.currentTarget), out, stage, { approved: true }),
    }, `Approve the ${stage}`);
    const reject = h('button', {
      type: 'button', class: 'danger small', dataset: { testid: `reject-${out.id}` }, title: `${what.reject}, with your reason`,
      onclick: () => {
        ask.hidden = false;
        approve.disabled = true;
        reject.disabled = true;
        reason.focus();
      },
    }, 'Reject…');
    box.replaceChildren(
      h('p', { class: 'gate-title' }, h('strong', {}, `Waiting for ${stage} approval`), h('span', { class: 'sub' }, ` · approve: ${what.approve}; reject: ${what.reject}.`)),
      h('div', { class: 'gate-actions' }, approve, reject),
      ask,
    );
  });
}

/**
 * @param {HTMLElement} card
 * @param {PresenterOutputView} view
 */
function renderApprovals(card, view) {
  const list = part(card, '.approvals');
  keyed(list, view.approvals, () => {
    list.hidden = view.approvals.length === 0;
    list.replaceChildren(...view.approvals.map((a, i) =>
      h('li', { class: a.approved ? 'approved' : 'rejected', dataset: { testid: `approval-${view.id}-${i + 1}` } },
        h('span', { class: `badge ${a.approved ? 'phase-completed' : 'phase-failed'}` }, a.approved ? 'approved' : 'rejected'),
        ` ${a.stage}`, a.reason ? h('span', { class: 'sub' }, ` · “${a.reason}”`) : null,
      )));
  });
}

/**
 * @param {HTMLElement} card
 * @param {PresenterOutputView} view
 */
function renderScript(card, view) {
  const box = part(card, '.script');
  keyed(box, view.script, () => {
    const s = view.script;
    box.hidden = !s;
    if (!s) {
      box.replaceChildren();
      return;
    }
    box.replaceChildren(
      h('h4', {}, `Script · ${s.scenes.length} scene${s.scenes.length === 1 ? '' : 's'} · about ${secs(s.duration_sec)}`),
      h('ol', { class: 'script-scenes' }, ...s.scenes.map((x) =>
        h('li', { dataset: { testid: `script-scene-${x.scene}` } },
          h('span', { class: 'sub timing' }, `${secs(x.start_sec)} – ${secs(x.start_sec + x.duration_sec)}${x.pose ? ` · ${x.pose}` : ''}`),
          h('span', { class: 'narration' }, x.text),
        ))),
    );
  });
}

/**
 * @param {HTMLElement} card
 * @param {PresenterOutputView} view
 */
function renderStoryboard(card, view) {
  const box = part(card, '.storyboard');
  keyed(box, view.storyboard, () => {
    const b = view.storyboard;
    box.hidden = !b;
    if (!b) {
      box.replaceChildren();
      return;
    }
    box.replaceChildren(
      h('h4', {}, `Storyboard · ${b.plan} plan`, b.revision ? h('span', { class: 'revision', dataset: { testid: `storyboard-revision-${view.id}` } }, ` · revision ${b.revision.number}: “${b.revision.reason}”`) : null),
      h('div', { class: 'scroll' },
        h('table', { class: 'components storyboard-table', dataset: { testid: `storyboard-${view.id}` } },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col', class: 'num' }, 'Scene'), h('th', { scope: 'col' }, 'Shows'), h('th', { scope: 'col' }, 'Time'),
            h('th', { scope: 'col' }, 'Transcript'), h('th', { scope: 'col' }, 'Background'),
          )),
          h('tbody', {}, ...b.scenes.map((x) =>
            h('tr', { dataset: { testid: `storyboard-scene-${x.scene}` } },
              h('td', { class: 'num', dataset: { label: 'scene' } }, String(x.scene)),
              h('td', {}, x.kind === 'broll' ? 'b-roll' : `presenter${x.pose ? `, ${x.pose}` : ''}`),
              h('td', { class: 'nowrap' }, x.start_sec === null ? '' : `${secs(x.start_sec)} + ${secs(x.duration_sec)}`),
              h('td', { class: 'narration' }, x.narration),
              h('td', {}, x.background ? 'chosen' : x.kind === 'broll' ? 'by the narration' : 'studio'),
            ))),
        ),
      ),
    );
  });
}

/**
 * The scenes made so far, each with its video and "Regenerate background".
 * @param {HTMLElement} card
 * @param {PresenterOutputState} out
 * @param {PresenterOutputView} view
 * @param {OutputActions} act
 */
function renderScenes(card, out, view, act) {
  const list = part(card, '.pscenes');
  const ended = presenterOutputEnded(out);
  keyed(list, [view.scenes, ended], () => {
    list.replaceChildren(...view.scenes.map((s) => {
      const video = h('video', { class: 'thumb', controls: true, playsinline: true, preload: 'metadata', muted: true, dataset: { testid: `pscene-video-${s.scene}` }, 'aria-label': `Scene ${s.scene}, take ${s.take}` });
      if (s.segment) mediaUrl(s.segment.url).then((src) => (video.src = `${src}${FIRST_FRAME}`), (e) => showOutputError(card, `Could not load scene ${s.scene}: ${errorText(e)}`));
      const from = s.kind === 'broll' ? 'b-roll' : 'scene-render';
      return h('li', { class: 'scene-card', dataset: { testid: `pscene-${s.scene}`, scene: String(s.scene), status: s.phase } },
        h('div', { class: 'scene-head' },
          h('span', { class: 'name' }, `Scene ${s.scene}`),
          h('span', { class: 'sub' }, [s.kind === 'broll' ? 'b-roll' : s.kind, s.pose, `take ${s.take}`].filter(Boolean).join(' · ')),
          h('span', { class: `badge phase-${s.phase}`, title: `status ${s.status}` }, s.phase),
        ),
        s.segment ? video : h('div', { class: 'thumb none' }, s.status),
        h('div', { class: 'scene-actions' },
          h('button', {
            type: 'button', class: 'small', dataset: { testid: `regenerate-scene-${s.scene}` }, disabled: !ended,
            title: ended ? `make scene ${s.scene} again (a new take), then stitch` : 'wait until the video has finished',
            'aria-label': `Regenerate the background of scene ${s.scene}`,
            /** @param {Event} e */
            onclick: (e) => act.retry(/** @type {HTMLButtonElement} */ (e.currentTarget), out, from, s.scene),
          }, s.kind === 'broll' ? 'Regenerate b-roll' : 'Regenerate background'),
        ),
      );
    }));
  });
}

/**
 * The finished video, set once per URL and completion.
 * @param {HTMLElement} card
 * @param {PresenterOutputView} view
 * @param {(message: string) => void} fail
 */
function renderVideo(card, view, fail) {
  const box = part(card, '.output-result');
  const ready = view.video && view.phase === 'completed' ? view.video : null;
  // A regenerated video comes back under the same URL: the stages' finish times tell the versions apart.
  const version = view.stages.filter((s) => s.scene === null).map((s) => s.finished_at).join();
  keyed(box, ready ? [ready, version] : null, () => {
    if (!ready) {
      box.replaceChildren();
      return;
    }
    const video = h('video', { controls: true, playsinline: true, preload: 'metadata', dataset: { testid: `poutput-video-${view.id}` }, 'aria-label': `The video ${view.id}` });
    mediaUrl(`${ready}?v=${encodeURIComponent(version)}`).then((src) => (video.src = `${src}${FIRST_FRAME}`), (e) => fail(`Could not load the video: ${errorText(e)}`));
    box.replaceChildren(video);
  });
}

/**
 * Each stage's state, attempts, time and error, with Regenerate (a gate is decided above, not regenerated).
 * @param {HTMLElement} card
 * @param {PresenterOutputState} out
 * @param {PresenterOutputView} view
 * @param {OutputActions} act
 */
function renderStages(card, out, view, act) {
  const body = part(card, '.stages tbody');
  const ended = presenterOutputEnded(out);
  keyed(body, [view.stages, ended], () => {
    body.replaceChildren(...view.stages.map((s) => {
      const state = stageStateText(s);
      const ms = s.started_at && s.finished_at ? Date.parse(s.finished_at) - Date.parse(s.started_at) : null;
      const where = s.scene === null ? '' : `scene ${s.scene}: `;
      return h('tr', { class: `state-${s.in_flight ? 'running' : s.state}`, dataset: { testid: `stage-${s.scene === null ? '' : `${s.scene}-`}${s.stage}`, state } },
        h('th', { scope: 'row' },
          h('span', { class: 'name' }, `${where}${s.stage}`),
          h('span', { class: 'sub' }, s.label),
          s.error ? h('span', { class: 'cerr' }, errorText(s.error)) : null,
        ),
        h('td', {}, h('span', { class: `badge state-${s.in_flight ? 'running' : s.state}` }, state)),
        h('td', { class: 'num', dataset: { label: 'attempts' } }, String(s.attempts)),
        h('td', { class: 'num', dataset: { label: 'took' } }, fmtDuration(ms)),
        h('td', { class: 'actions' }, s.kind === 'approval' ? null : h('button', {
          type: 'button', class: 'small', disabled: !ended, dataset: { testid: `regenerate-${s.scene === null ? '' : `${s.scene}-`}${s.stage}` },
          title: ended ? `run ${where}${s.stage} again, then what follows it` : 'wait until the video has finished, or decide at its gate',
          'aria-label': `Regenerate ${where}${s.stage}`,
          /** @param {Event} e */
          onclick: (e) => act.retry(/** @type {HTMLButtonElement} */ (e.currentTarget), out, s.stage, s.scene ?? undefined),
        }, 'Regenerate')),
      );
    }));
  });
}

/** Empties the list, before another presenter is shown. */
export function clearPresenterOutputs() {
  byId('presenter-outputs').replaceChildren();
}
