// @ts-check
// The "New video" form: its flow, format and voice pickers hold what the
// server offers (`GET /v1/meta`), and it submits an article, with a target
// length and a tone when given.

import { ApiError, submitTask } from '../api.js';
import { byId, h, showError } from '../dom.js';
import { fmtBytes } from '../format.js';

/**
 * @typedef {import('../types.js').Meta} Meta
 * @typedef {import('../types.js').MetaVoice} MetaVoice
 * @typedef {import('../types.js').TaskOptions} TaskOptions
 */

/** A little under the server's 1 MiB body limit, leaving room for the JSON around the text. */
const MAX_FILE_BYTES = 900 * 1024;
const SIZE = /^\d{2,4}x\d{2,4}$/;
/** The bounds the server checks `options.duration_s` against (as `GET /v1/meta` gives them), so the form says so before sending. */
let bounds = { min: 5, max: 900 };

/**
 * What a refused submission means, in words, by the server's error code; the server's own message follows,
 * since it names the detail (which voices there are, which option was wrong).
 */
const SUBMIT_REFUSALS = /** @type {Record<string, string>} */ ({
  'article-empty': 'The article has no text to narrate.',
  'article-binary': 'The article looks like a binary file, not text.',
  'article-too-long': 'The article is too long.',
  'unknown-voice': 'That voice is not installed on the workers.',
  'invalid-option': 'One of the options is not valid.',
  'invalid-body': 'The server could not read the request.',
  'unknown-flow': 'That flow is not available.',
  'body-too-large': 'The article is too large to send.',
  'idempotency-key-reused': 'This submission clashed with an earlier one; please send it again.',
  unauthorized: 'The server wants an API token (set localStorage.slotflowToken).',
  network: 'The server did not answer.',
});

/**
 * @param {unknown} e
 * @returns {string}
 */
export function submitErrorText(e) {
  if (!(e instanceof ApiError)) return `Could not start the task: ${e instanceof Error ? e.message : String(e)}`;
  const plain = SUBMIT_REFUSALS[e.code];
  if (!plain) return `Could not start the task: ${e.message}`;
  return e.code === 'network' || e.message === plain ? plain : `${plain} ${e.message}`;
}

/** @param {string} message */
const formError = (message) => showError(byId('form-error'), message);

/** @param {string} name a format name such as `9:16`, as a test id (`format-9-16`) */
const formatTestId = (name) => `format-${name.replace(/[^a-z0-9]+/gi, '-')}`;

/**
 * Fills the pickers. Flows the page cannot start (a fan-out's children, flows that take a script) and flows that
 * make nothing to watch (the benchmark and test flows of built-in handlers) are not offered.
 * @param {Meta} meta
 */
export function fillPickers(meta) {
  const flows = meta.flows.filter((f) => !f.child && (f.input === 'article' || f.input === 'prompt') && (f.makes === 'video' || f.makes === 'bundle'));
  const chosenFlow = (flows.find((f) => f.default) ?? flows[0])?.name;
  byId('flows').replaceChildren(
    h('legend', {}, 'Flow'),
    ...flows.map((f) =>
      h('label', { class: 'choice', title: f.description },
        h('input', { type: 'radio', name: 'flow', value: f.name, checked: f.name === chosenFlow, dataset: { testid: `flow-${f.name}`, input: f.input } }),
        ` ${f.name}`,
      ),
    ),
  );
  byId('formats').replaceChildren(
    h('legend', {}, 'Aspect ratio'),
    ...meta.formats.map((f, i) =>
      h('label', { class: 'choice', title: `${f.width}×${f.height}` },
        h('input', { type: 'radio', name: 'format', value: f.name, checked: i === 0, dataset: { testid: formatTestId(f.name) } }),
        ` ${f.name}`,
      ),
    ),
  );
  /** @type {Map<string, MetaVoice[]>} */
  const byProvider = new Map();
  for (const v of meta.voices) byProvider.set(v.provider, [...(byProvider.get(v.provider) ?? []), v]);
  byId('voice', HTMLSelectElement).replaceChildren(
    h('option', { value: 'auto', selected: true }, 'auto (for the language)'),
    ...[...byProvider].map(([provider, voices]) =>
      h('optgroup', { label: provider },
        h('option', { value: provider }, `${provider} (for the language)`),
        ...voices.map((v) => h('option', { value: v.id, dataset: { language: v.language, provider: v.provider } }, `${v.name} · ${v.language} · ${v.provider}`)),
      ),
    ),
  );
  // Tones as the server names them; an older server that lists none keeps the page's own.
  if (meta.tones) {
    byId('tone', HTMLSelectElement).replaceChildren(
      h('option', { value: '', selected: true }, 'none'),
      ...meta.tones.map((t) => h('option', { value: t.name, title: `speech ×${t.speech_rate}, ${t.captions} captions` }, t.name)),
    );
  }
  if (meta.duration_s) {
    bounds = meta.duration_s;
    const input = byId('duration', HTMLInputElement);
    input.min = String(bounds.min);
    input.max = String(bounds.max);
  }
  byId('flows').hidden = flows.length < 2;
  // Held back until now: without the pickers there is nothing valid to send.
  byId('submit', HTMLButtonElement).disabled = false;
}

/**
 * @param {HTMLFormElement} form
 * @param {string} name
 * @returns {string}
 */
function value(form, name) {
  const el = form.elements.namedItem(name);
  // A lone radio button is returned as itself, not as a list, and has its value whether checked or not.
  if (el instanceof HTMLInputElement && el.type === 'radio') return el.checked ? el.value : '';
  return el && 'value' in el ? String(el.value) : '';
}

/**
 * Submits the form; `onStarted` gets the new task's id.
 * @param {SubmitEvent} event
 * @param {(id: string) => void} onStarted
 */
export async function submitForm(event, onStarted) {
  event.preventDefault();
  const form = /** @type {HTMLFormElement} */ (event.currentTarget);
  const body = value(form, 'body').trim();
  const title = value(form, 'title').trim();
  const size = value(form, 'size').trim();
  // A prompt flow reads the text box as what the video should be, not as an article.
  const chosen = form.querySelector('input[name="flow"]:checked');
  const takesPrompt = chosen instanceof HTMLInputElement && chosen.dataset.input === 'prompt';
  if (!body) {
    formError(takesPrompt ? 'Write what the video should be first.' : 'Write or load an article first.');
    byId('body').focus();
    return;
  }
  const duration = value(form, 'duration').trim();
  if (duration && !(Number(duration) >= bounds.min && Number(duration) <= bounds.max)) {
    formError(`Target length must be a number of seconds from ${bounds.min} to ${bounds.max}, or empty for the whole article.`);
    byId('duration').focus();
    return;
  }
  if (size && !SIZE.test(size)) {
    formError('Frame size must look like 540x960 (width x height, even numbers).');
    byId('size').focus();
    return;
  }
  /** @type {TaskOptions} */
  const options = { format: value(form, 'format'), music: byId('music', HTMLInputElement).checked };
  const voice = value(form, 'voice');
  if (voice && voice !== 'auto') options.voice = voice;
  if (size) options.size = size;
  if (duration) options.duration_s = Number(duration);
  const tone = value(form, 'tone');
  if (tone) options.tone = tone;
  const flow = value(form, 'flow');

  const button = byId('submit', HTMLButtonElement);
  button.disabled = true;
  button.textContent = 'Sending…';
  formError('');
  try {
    const source = takesPrompt ? { prompt: body, ...(title ? { title } : {}) } : { article: { ...(title ? { title } : {}), body } };
    const res = await submitTask({ ...(flow ? { flow } : {}), ...source, options });
    onStarted(res.id);
  } catch (e) {
    // What the user typed stays in the form, to be mended and sent again.
    formError(submitErrorText(e));
    byId('form-error').dataset.code = e instanceof ApiError ? e.code : '';
  } finally {
    button.disabled = false;
    button.textContent = 'Make the video';
  }
}

/**
 * Reads a chosen file into the article box.
 * @param {Event} event
 */
export function loadFile(event) {
  const input = /** @type {HTMLInputElement} */ (event.currentTarget);
  const file = input.files && input.files[0];
  if (!file) return;
  if (file.size > MAX_FILE_BYTES) {
    formError(`${file.name} is too large (${fmtBytes(file.size)}); the limit is about 900 KB.`);
    return;
  }
  const reader = new FileReader();
  reader.onload = () => {
    byId('body', HTMLTextAreaElement).value = String(reader.result || '');
    formError('');
  };
  reader.onerror = () => formError(`Could not read ${file.name}.`);
  reader.readAsText(file);
}

/**
 * The pickers cannot be filled: say so, and keep the form from sending a guess.
 * @param {string} message
 */
export function metaFailed(message) {
  formError(`Could not ask the server what it offers: ${message}`);
  byId('submit', HTMLButtonElement).disabled = true;
}
