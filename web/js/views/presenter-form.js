// @ts-check
// The "New presenter" form: a name, 1 to 6 portraits (chosen or dropped) and
// a voice sample. Each file is uploaded (`POST /v1/assets`), then the
// presenter is created from the uploads (`presenter-creation/1`); a refused
// portrait is shown beside its file, and what was chosen stays, to be mended
// and sent again.

import { ApiError, createPresenter, uploadAsset } from '../api.js';
import { byId, h, showError } from '../dom.js';
import { fmtBytes } from '../format.js';

export const MAX_PORTRAITS = 6;

/** What a refused presenter means, in words, by the server's error code. */
const PRESENTER_REFUSALS = /** @type {Record<string, string>} */ ({
  'presenter-photos-refused': 'Some portraits were refused; see each file.',
  'unknown-upload': 'The server does not have one of the files.',
  'unsupported-media-type': 'The server does not take files of this type.',
  'body-too-large': 'The file is too large to send.',
  'invalid-body': 'The server could not take this presenter.',
  'unknown-contract': 'The server speaks another version of the presenter contract.',
  unauthorized: 'The server wants an API token (set localStorage.slotflowToken).',
  network: 'The server did not answer.',
});

/** A voice sample's type by its extension, for a browser that gives none. */
const AUDIO_TYPES = /** @type {Record<string, string>} */ ({ wav: 'audio/wav', mp3: 'audio/mpeg', ogg: 'audio/ogg' });

/** @type {Array<{ file: File, refusal: string, state: string }>} */
const chosen = [];

/** @param {{ url: string }} upload */
const storedName = (upload) => upload.url.replace(/^asset:/, '');

/** @param {string} message */
const formError = (message) => showError(byId('presenter-form-error'), message);

/** @param {unknown} e */
function refusalText(e) {
  if (!(e instanceof ApiError)) return e instanceof Error ? e.message : String(e);
  const plain = PRESENTER_REFUSALS[e.code];
  return plain ? (e.code === 'network' || e.message === plain ? plain : `${plain} ${e.message}`) : e.message;
}

function renderPortraits() {
  byId('portrait-list').replaceChildren(
    ...chosen.map((c, i) =>
      h('li', { class: c.refusal ? 'photo refused' : 'photo', dataset: { testid: `portrait-${i + 1}`, file: c.file.name } },
        h('span', { class: 'name' }, c.file.name),
        h('span', { class: 'sub' }, `${fmtBytes(c.file.size)}${c.refusal ? ' · refused' : c.state ? ` · ${c.state}` : ''}`),
        h('button', {
          type: 'button', class: 'small', 'aria-label': `Remove ${c.file.name}`,
          onclick: () => {
            chosen.splice(i, 1);
            renderPortraits();
          },
        }, 'Remove'),
        c.refusal ? h('p', { class: 'refusal', role: 'alert' }, c.refusal) : null,
      ),
    ),
  );
}

/** @param {Iterable<File>} files */
function addPortraits(files) {
  formError('');
  for (const file of files) if (!chosen.some((c) => c.file.name === file.name && c.file.size === file.size)) chosen.push({ file, refusal: '', state: '' });
  if (chosen.length > MAX_PORTRAITS) formError(`A presenter takes at most ${MAX_PORTRAITS} portraits; remove ${chosen.length - MAX_PORTRAITS}.`);
  renderPortraits();
}

/**
 * The voice sample as an upload the server takes: its own type, or the one its extension names.
 * @param {File} file
 */
function asAudio(file) {
  if (file.type.startsWith('audio/')) return file;
  const type = AUDIO_TYPES[file.name.split('.').pop()?.toLowerCase() ?? ''];
  return type ? new File([file], file.name, { type }) : file;
}

/**
 * @param {SubmitEvent} event
 * @param {(id: string) => void} onCreated
 */
async function submit(event, onCreated) {
  event.preventDefault();
  const name = byId('presenter-name', HTMLInputElement).value.trim();
  const sample = byId('presenter-voice', HTMLInputElement).files?.[0] ?? null;
  const language = byId('presenter-language', HTMLSelectElement).value;
  if (!name) {
    formError('Give the presenter a name first.');
    byId('presenter-name').focus();
    return;
  }
  if (chosen.length === 0 || chosen.length > MAX_PORTRAITS) {
    formError(`Choose 1 to ${MAX_PORTRAITS} portraits (you have ${chosen.length}).`);
    byId('presenter-photos').focus();
    return;
  }
  if (!sample) {
    formError('Choose a voice sample: the voice is matched to it.');
    byId('presenter-voice').focus();
    return;
  }
  const button = byId('presenter-submit', HTMLButtonElement);
  button.disabled = true;
  formError('');
  for (const c of chosen) Object.assign(c, { refusal: '', state: '' });
  try {
    /** @type {Array<{ file: string, asset: string }>} */
    const photos = [];
    let refused = false;
    for (const c of chosen) {
      button.textContent = `Uploading ${c.file.name}…`;
      try {
        photos.push({ file: c.file.name, asset: storedName(await uploadAsset(c.file)) });
        c.state = 'uploaded';
      } catch (e) {
        c.refusal = `Not uploaded: ${refusalText(e)}`;
        refused = true;
      }
      renderPortraits();
    }
    button.textContent = `Uploading ${sample.name}…`;
    let voice;
    try {
      voice = { file: sample.name, asset: storedName(await uploadAsset(asAudio(sample))) };
    } catch (e) {
      formError(`${sample.name} not uploaded: ${refusalText(e)}`);
      return;
    }
    if (refused) {
      formError('Some portraits could not be uploaded; see each file.');
      return;
    }
    button.textContent = 'Creating the presenter…';
    const res = await createPresenter({ name, photos, voice_sample: voice, voice: { language } });
    chosen.splice(0);
    byId('presenter-form', HTMLFormElement).reset();
    renderPortraits();
    onCreated(res.id);
  } catch (e) {
    showRefusals(e);
  } finally {
    button.disabled = false;
    button.textContent = 'Create the presenter';
  }
}

/**
 * A refused presenter: each refusal beside its portrait, the rest in the form's error.
 * @param {unknown} e
 */
function showRefusals(e) {
  const refusals = e instanceof ApiError && Array.isArray(e.details.refusals) ? /** @type {Array<{ file?: string, code?: string, reason?: string }>} */ (e.details.refusals) : [];
  /** @type {string[]} */
  const unplaced = [];
  for (const r of refusals) {
    const reason = r.reason || r.code || 'refused';
    const photo = chosen.find((c) => c.file.name === r.file);
    if (photo) photo.refusal = reason;
    else unplaced.push(r.file ? `${r.file}: ${reason}` : reason);
  }
  renderPortraits();
  const where = e instanceof ApiError && typeof e.details.pointer === 'string' ? ` (at ${e.details.pointer})` : '';
  formError([`Could not create the presenter: ${refusalText(e)}${where}`, ...unplaced].join(' '));
  byId('presenter-form-error').dataset.code = e instanceof ApiError ? e.code : '';
}

/**
 * Wires the form; `onCreated` gets the new presenter's id.
 * @param {(id: string) => void} onCreated
 */
export function startPresenterForm(onCreated) {
  const input = byId('presenter-photos', HTMLInputElement);
  input.addEventListener('change', () => {
    addPortraits(input.files ? [...input.files] : []);
    input.value = '';
  });
  const drop = byId('portrait-drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const files = [...(e.dataTransfer?.files ?? [])];
    const images = files.filter((f) => f.type.startsWith('image/'));
    if (images.length) addPortraits(images);
    if (images.length < files.length) formError(`Only portraits can be dropped here; left out: ${files.filter((f) => !images.includes(f)).map((f) => f.name).join(', ')}.`);
  });
  byId('presenter-form', HTMLFormElement).addEventListener('submit', (e) => submit(e, onCreated));
}
