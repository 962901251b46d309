// @ts-check
// The "New product" form: a name, an optional category, 1 to 8 photos (chosen
// or dropped) and an optional saved product page. Each file is uploaded
// (`POST /v1/assets`), then the product is created from the uploads; a
// refusal is shown next to the file it names, and what was chosen stays, to
// be mended and sent again.

import { ApiError, createProduct, uploadAsset } from '../api.js';
import { byId, h, showError } from '../dom.js';
import { fmtBytes } from '../format.js';

export const MAX_PHOTOS = 8;

/** What a refused product means, in words, by the server's error code. */
const PRODUCT_REFUSALS = /** @type {Record<string, string>} */ ({
  'product-images-refused': 'Some photos were refused; see each file.',
  'product-images-count': `A product takes 1 to ${MAX_PHOTOS} photos.`,
  'unsupported-media-type': 'The server does not take files of this type.',
  'body-too-large': 'The file is too large to send.',
  'invalid-body': 'The server could not take this product.',
  'unknown-contract': 'The server speaks another version of the product contract.',
  unauthorized: 'The server wants an API token (set localStorage.slotflowToken).',
  network: 'The server did not answer.',
});

/**
 * The photos chosen so far, in order, and what the server said of each.
 * @type {Array<{ file: File, refusal: string, state: string }>}
 */
const chosen = [];

/**
 * A stored upload's name as the product contract's `{ file, asset }` takes it: `asset:<name>` without its prefix.
 * @param {{ url: string }} upload
 */
const storedName = (upload) => upload.url.replace(/^asset:/, '');

/** @param {string} message */
const formError = (message) => showError(byId('product-form-error'), message);

/** @param {unknown} e */
const messageOf = (e) => (e instanceof Error ? e.message : String(e));

/**
 * @param {unknown} e
 * @returns {string}
 */
function refusalText(e) {
  if (!(e instanceof ApiError)) return messageOf(e);
  const plain = PRODUCT_REFUSALS[e.code];
  return plain ? (e.code === 'network' || e.message === plain ? plain : `${plain} ${e.message}`) : e.message;
}

function renderPhotos() {
  const list = byId('photo-list');
  list.replaceChildren(
    ...chosen.map((c, i) =>
      h('li', { class: c.refusal ? 'photo refused' : 'photo', dataset: { testid: `photo-${i + 1}`, file: c.file.name } },
        h('span', { class: 'name' }, c.file.name),
        h('span', { class: 'sub' }, `${fmtBytes(c.file.size)}${c.refusal ? ' · refused' : c.state ? ` · ${c.state}` : ''}`),
        h('button', {
          type: 'button', class: 'small', 'aria-label': `Remove ${c.file.name}`, dataset: { testid: `remove-photo-${i + 1}` },
          onclick: () => {
            chosen.splice(i, 1);
            renderPhotos();
          },
        }, 'Remove'),
        c.refusal ? h('p', { class: 'refusal', role: 'alert', dataset: { testid: `refusal-${i + 1}` } }, c.refusal) : null,
      ),
    ),
  );
}

/**
 * Adds photos to the list; a file of the same name and size is not added twice.
 * @param {Iterable<File>} files
 */
function addPhotos(files) {
  formError('');
  for (const file of files) {
    if (chosen.some((c) => c.file.name === file.name && c.file.size === file.size)) continue;
    chosen.push({ file, refusal: '', state: '' });
  }
  if (chosen.length > MAX_PHOTOS) formError(`A product takes at most ${MAX_PHOTOS} photos; remove ${chosen.length - MAX_PHOTOS}.`);
  renderPhotos();
}

/**
 * Uploads the photos and the page, then creates the product; `onCreated` gets its id.
 * @param {SubmitEvent} event
 * @param {(id: string) => void} onCreated
 */
async function submit(event, onCreated) {
  event.preventDefault();
  const name = byId('product-name', HTMLInputElement).value.trim();
  const category = byId('product-category', HTMLInputElement).value.trim();
  const pageFile = byId('product-page', HTMLInputElement).files?.[0] ?? null;
  showError(byId('product-page-refusal'), '');
  if (!name) {
    formError('Give the product a name first.');
    byId('product-name').focus();
    return;
  }
  if (chosen.length === 0 || chosen.length > MAX_PHOTOS) {
    formError(`Choose 1 to ${MAX_PHOTOS} photos of the product (you have ${chosen.length}).`);
    byId('product-photos').focus();
    return;
  }
  const button = byId('product-submit', HTMLButtonElement);
  button.disabled = true;
  formError('');
  for (const c of chosen) {
    c.refusal = '';
    c.state = '';
  }
  try {
    /** @type {Array<{ file: string, asset: string }>} */
    const images = [];
    let refused = false;
    for (const c of chosen) {
      button.textContent = `Uploading ${c.file.name}…`;
      try {
        images.push({ file: c.file.name, asset: storedName(await uploadAsset(c.file)) });
        c.state = 'uploaded';
      } catch (e) {
        c.refusal = `Not uploaded: ${refusalText(e)}`;
        refused = true;
      }
      renderPhotos();
    }
    /** @type {{ file: string, asset: string } | undefined} */
    let page;
    if (pageFile) {
      try {
        page = { file: pageFile.name, asset: storedName(await uploadAsset(new File([pageFile], pageFile.name, { type: 'text/html' }))) };
      } catch (e) {
        showError(byId('product-page-refusal'), `${pageFile.name} not uploaded: ${refusalText(e)}`);
        refused = true;
      }
    }
    if (refused) {
      formError('Some files could not be uploaded; see each file.');
      return;
    }
    button.textContent = 'Creating the product…';
    const res = await createProduct({ name, images, ...(page ? { page } : {}), ...(category ? { category } : {}) });
    onCreated(res.id);
  } catch (e) {
    showRefusals(e, pageFile);
  } finally {
    button.disabled = false;
    button.textContent = 'Create the product';
  }
}

/**
 * A refused product: each refusal beside its file, the rest in the form's error.
 * @param {unknown} e
 * @param {File | null} pageFile
 */
function showRefusals(e, pageFile) {
  const refusals = e instanceof ApiError && Array.isArray(e.details.refusals) ? /** @type {Array<{ file?: string, code?: string, reason?: string }>} */ (e.details.refusals) : [];
  /** @type {string[]} */
  const unplaced = [];
  for (const r of refusals) {
    const reason = r.reason || r.code || 'refused';
    const photo = chosen.find((c) => c.file.name === r.file);
    if (photo) photo.refusal = reason;
    else if (pageFile && r.file === pageFile.name) showError(byId('product-page-refusal'), `${pageFile.name}: ${reason}`);
    else unplaced.push(r.file ? `${r.file}: ${reason}` : reason);
  }
  renderPhotos();
  const where = e instanceof ApiError && typeof e.details.pointer === 'string' ? ` (at ${e.details.pointer})` : '';
  formError([`Could not create the product: ${refusalText(e)}${where}`, ...unplaced].join(' '));
  byId('product-form-error').dataset.code = e instanceof ApiError ? e.code : '';
}

/** Forgets the photos and the fields, once a product has been made of them. */
function reset() {
  chosen.splice(0);
  byId('product-form', HTMLFormElement).reset();
  renderPhotos();
}

/**
 * Wires the form; `onCreated` gets the new product's id.
 * @param {(id: string) => void} onCreated
 */
export function startProductForm(onCreated) {
  const input = byId('product-photos', HTMLInputElement);
  input.addEventListener('change', () => {
    addPhotos(input.files ? [...input.files] : []);
    // The same file chosen again after removing it must fire `change` again.
    input.value = '';
  });
  const drop = byId('photo-drop');
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
    if (images.length) addPhotos(images);
    if (images.length < files.length) formError(`Only photos can be dropped here; left out: ${files.filter((f) => !images.includes(f)).map((f) => f.name).join(', ')}.`);
  });
  byId('product-form', HTMLFormElement).addEventListener('submit', (e) =>
    submit(e, (id) => {
      reset();
      onCreated(id);
    }),
  );
}
