// @ts-check
// The open presenter's identity: the neutral portrait, the character sheet,
// the voice profile stated as what it is (offline a match to the nearest
// local voice with its pitch and rate, "matched, not cloned"), the files it
// was made from, and the asset graph. A picture loads again only when its
// asset changes.

import { byId, h } from '../dom.js';
import { assetUrl, errorText, setImage } from './product.js';

/**
 * @typedef {import('../types.js').PresenterView} PresenterView
 * @typedef {import('../types.js').VoiceProfile} VoiceProfile
 * @typedef {import('../types.js').TaskView} TaskView
 */

/** @param {number} n */
const signed = (n) => (n > 0 ? `+${n}` : String(n));

/**
 * What the voice is, in words: a match is never called a clone.
 * @param {VoiceProfile} v
 */
export const voiceKindText = (v) => (v.kind === 'clone' ? `cloned by ${v.provider}` : 'matched, not cloned');

/**
 * The voice profile's facts, as rows of the list.
 * @param {VoiceProfile} v
 * @returns {Array<[string, string, string]>}
 */
function voiceRows(v) {
  const m = v.measured;
  return [
    ['voice-kind', 'Voice', voiceKindText(v)],
    ['voice-name', 'Voice name', v.voice],
    ['voice-provider', 'Speaks with', v.provider],
    ['voice-pitch', 'Pitch', `${signed(v.pitch_semitones)} semitones`],
    ['voice-rate', 'Rate', `× ${v.rate.toFixed(2)}`],
    ['voice-sample', 'Sample measured', m ? `${m.f0_hz.toFixed(0)} Hz, ${m.speech_rate_sps.toFixed(1)} syllables/s over ${m.duration_s.toFixed(1)} s` : ''],
    ['voice-note', 'Note', v.note],
  ];
}

/**
 * @param {PresenterView} presenter
 * @param {TaskView | null} task the identity task, for its progress
 * @param {(message: string) => void} fail
 */
export function renderPresenter(presenter, task, fail) {
  byId('presenter-title').textContent = presenter.name || 'Presenter';
  byId('presenter-id').textContent = presenter.id;
  const phase = task?.phase ?? presenter.phase;
  const status = byId('presenter-status');
  status.textContent = phase;
  status.className = `badge phase-${phase}`;
  status.title = `status ${presenter.status}`;
  if (task) {
    const done = task.components.filter((c) => c.state !== 'pending').length;
    const running = task.components.filter((c) => c.in_flight).map((c) => c.component);
    const bar = byId('presenter-progress', HTMLProgressElement);
    bar.max = Math.max(task.components.length, 1);
    bar.value = done;
    byId('presenter-progress-text').textContent = `${done} of ${task.components.length} identity components finished${running.length ? ` · now: ${running.join(', ')}` : ''}`;
    const failed = task.components.find((c) => c.state === 'failed');
    if (failed) fail(`The identity failed at ${failed.component}: ${errorText(failed.error)}`);
  }

  const portrait = presenter.assets.find((a) => a.kind === 'portrait');
  const sheet = presenter.assets.find((a) => a.kind === 'character-sheet');
  byId('portrait-figure').hidden = !portrait;
  byId('character-figure').hidden = !sheet;
  setImage(byId('presenter-portrait', HTMLImageElement), portrait ? assetUrl(portrait) : null, fail);
  setImage(byId('presenter-sheet', HTMLImageElement), sheet ? assetUrl(sheet) : null, fail);

  const meta = presenter.metadata;
  const voice = meta.voice;
  /** @type {Array<[string, string, string]>} */
  const rows = [
    ...(voice ? voiceRows(voice) : []),
    ['voice-language', 'Language', meta.language],
    ['photos', 'Portraits', meta.photos.join(', ')],
    ['voice-sample-file', 'Voice sample', meta.voice_sample],
  ];
  const facts = byId('presenter-voice-facts');
  facts.hidden = false;
  facts.replaceChildren(...rows.filter(([, , v]) => v).flatMap(([key, label, v]) => [h('dt', {}, label), h('dd', { dataset: { testid: `presenter-${key}` } }, v)]));
  const pending = byId('presenter-pending');
  pending.hidden = Boolean(portrait && voice);
  pending.textContent = phase === 'failed' ? 'The identity could not be built.' : 'The identity is being built from the portraits and the voice sample…';

  byId('presenter-graph-block').hidden = presenter.assets.length === 0;
  byId('presenter-graph-count').textContent = String(presenter.assets.length);
  byId('presenter-graph').replaceChildren(
    ...presenter.assets.map((a) =>
      h('li', { dataset: { testid: `presenter-graph-${a.id}` } },
        h('code', {}, `#${a.id}`), ` ${a.kind} · ${a.stage} · ${a.provider}`,
        a.inputs.length ? h('span', { class: 'sub' }, ` · from ${a.inputs.map((i) => (/^\d+$/.test(String(i)) ? `#${i}` : i)).join(', ')}`) : null,
      ),
    ),
  );
}

/** Empties the identity, before another presenter is shown. */
export function clearPresenter() {
  for (const id of ['presenter-portrait', 'presenter-sheet']) setImage(byId(id, HTMLImageElement), null, () => {});
  byId('portrait-figure').hidden = true;
  byId('character-figure').hidden = true;
  byId('presenter-voice-facts').replaceChildren();
  byId('presenter-voice-facts').hidden = true;
  byId('presenter-graph').replaceChildren();
  byId('presenter-graph-block').hidden = true;
  byId('presenter-pending').hidden = false;
  byId('presenter-status').textContent = '';
  byId('presenter-progress-text').textContent = '';
}
