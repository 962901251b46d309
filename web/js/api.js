// @ts-check
// The /v1 API client. A bearer token, when the server wants one, is kept in
// localStorage under `slotflowToken`.

/**
 * @typedef {import('./types.js').TaskView} TaskView
 * @typedef {import('./types.js').TaskSummary} TaskSummary
 * @typedef {import('./types.js').TaskOptions} TaskOptions
 * @typedef {import('./types.js').Meta} Meta
 */

/** @returns {string} */
export function token() {
  try {
    return localStorage.getItem('slotflowToken') || '';
  } catch {
    // Storage can be off (private mode, a sandboxed frame): no token then.
    return '';
  }
}

/**
 * @param {Record<string, string>} [extra]
 * @returns {Record<string, string>}
 */
export function authHeaders(extra = {}) {
  const t = token();
  return t ? { ...extra, Authorization: `Bearer ${t}` } : extra;
}

/** A refused or failed request; `code` is the server's error code, `network` when it did not answer. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {Record<string, unknown>} [details] the error's other fields (a refused cancel's `phase`, say)
   */
  constructor(status, code, message, details = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body] sent as JSON when given
 * @param {Record<string, string>} [headers]
 * @returns {Promise<unknown>} the parsed JSON answer, or null when there is none
 */
export async function request(method, path, body, headers = {}) {
  /** @type {RequestInit} */
  const init = { method, headers: authHeaders(body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  return send(method, path, init);
}

/**
 * @param {string} method
 * @param {string} path
 * @param {RequestInit} init
 * @returns {Promise<unknown>}
 */
async function send(method, path, init) {
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', 'The server did not answer.');
  }
  const text = await res.text();
  /** @type {any} */
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = data && data.error;
    const { code, message, ...details } = err && typeof err === 'object' ? err : {};
    throw new ApiError(res.status, code || `http-${res.status}`, message || `${method} ${path} answered ${res.status}`, details);
  }
  return data;
}

/**
 * @param {string} id
 * @param {string} [rest]
 */
export const taskPath = (id, rest = '') => `/v1/tasks/${encodeURIComponent(id)}${rest}`;

/** @returns {Promise<Meta>} */
export async function getMeta() {
  return /** @type {Meta} */ (await request('GET', '/v1/meta'));
}

/**
 * @param {string} id
 * @returns {Promise<TaskView>}
 */
export async function getTask(id) {
  return /** @type {TaskView} */ (await request('GET', taskPath(id)));
}

/**
 * @param {number} limit
 * @returns {Promise<TaskSummary[]>}
 */
export async function listTasks(limit) {
  const data = /** @type {{ tasks?: TaskSummary[] } | null} */ (await request('GET', `/v1/tasks?limit=${limit}`));
  return (data && data.tasks) || [];
}

/**
 * Starts a task; a fresh Idempotency-Key makes a repeated click harmless.
 * @param {{ flow?: string, title?: string, options: TaskOptions } & ({ article: { title?: string, body: string } } | { prompt: string })} body
 * @returns {Promise<{ id: string, status: string }>}
 */
export async function submitTask(body) {
  /** @type {Record<string, string>} */
  const key = typeof crypto !== 'undefined' && crypto.randomUUID ? { 'Idempotency-Key': crypto.randomUUID() } : {};
  return /** @type {{ id: string, status: string }} */ (await request('POST', '/v1/tasks', body, key));
}

/**
 * A control action on a task: `/resume`, `/approve`, `/cancel`.
 * @param {string} id
 * @param {string} action
 * @param {unknown} [body]
 */
export async function taskAction(id, action, body) {
  return request('POST', taskPath(id, action), body);
}

/**
 * A scene's review action: `regenerate` (body: what changed) or `choose` (body: `{ take }`).
 * @param {string} id
 * @param {number} scene from 1
 * @param {'regenerate' | 'choose'} action
 * @param {unknown} body
 * @returns {Promise<{ id: string, status: string, scene: number, take: number }>}
 */
export async function sceneAction(id, scene, action, body) {
  return /** @type {{ id: string, status: string, scene: number, take: number }} */ (await request('POST', taskPath(id, `/scenes/${scene}/${action}`), body));
}

/**
 * Uploads an image as an asset a regeneration can use.
 * @param {File} file
 * @returns {Promise<{ id: string, url: string }>} `url` is `asset:ID`
 */
export async function uploadAsset(file) {
  const init = { method: 'POST', headers: authHeaders({ 'Content-Type': file.type || 'application/octet-stream' }), body: file };
  return /** @type {{ id: string, url: string }} */ (await send('POST', '/v1/assets', init));
}

/**
 * A URL a media element can load: the URL itself, or, with a token (which media elements cannot send), a blob URL.
 * @param {string} url
 * @returns {Promise<string>}
 */
export async function mediaUrl(url) {
  if (!token()) return url;
  const res = await fetch(url, { headers: authHeaders() });
  if (!res.ok) throw new ApiError(res.status, `http-${res.status}`, `${url} answered ${res.status}`);
  return URL.createObjectURL(await res.blob());
}

/**
 * @typedef {import('./types.js').ProductView} ProductView
 * @typedef {import('./types.js').OutputView} OutputView
 */

/** @param {string} id */
export const productPath = (id) => `/v1/products/${encodeURIComponent(id)}`;
/** @param {string} id */
export const outputPath = (id) => `/v1/outputs/${encodeURIComponent(id)}`;

/** A fresh Idempotency-Key, so a repeated click makes one thing, not two. */
function idempotencyKey() {
  /** @type {Record<string, string>} */
  const key = typeof crypto !== 'undefined' && crypto.randomUUID ? { 'Idempotency-Key': crypto.randomUUID() } : {};
  return key;
}

/**
 * Creates a product from uploaded photos (and a saved page); a refusal names each file (`details.refusals`).
 * @param {{ name: string, images: Array<{ file: string, asset: string }>, page?: { file: string, asset: string }, category?: string }} body `asset`: the stored name, without `asset:`
 * @returns {Promise<{ id: string, status: string }>}
 */
export async function createProduct(body) {
  return /** @type {{ id: string, status: string }} */ (await request('POST', '/v1/products', { contract: 'product-creation/1', ...body }, idempotencyKey()));
}

/**
 * @param {string} id
 * @returns {Promise<ProductView>}
 */
export async function getProduct(id) {
  return /** @type {ProductView} */ (await request('GET', productPath(id)));
}

/**
 * Asks for an output of a product; 409 `product-not-ready` while its identity builds.
 * @param {string} id the product
 * @param {{ mode: string, prompt: string, options?: { format?: string } }} body
 * @returns {Promise<{ id: string, status: string }>}
 */
export async function requestOutput(id, body) {
  return /** @type {{ id: string, status: string }} */ (await request('POST', `${productPath(id)}/outputs`, { contract: 'output-generation/1', ...body }, idempotencyKey()));
}

/**
 * @param {string} id
 * @returns {Promise<OutputView>}
 */
export async function getOutput(id) {
  return /** @type {OutputView} */ (await request('GET', outputPath(id)));
}

/**
 * Makes one scene's image again; the rest of the output is kept.
 * @param {string} id the output
 * @param {number} scene from 1
 * @returns {Promise<{ id: string, status: string }>}
 */
export async function retryScene(id, scene) {
  return /** @type {{ id: string, status: string }} */ (await request('POST', `${outputPath(id)}/retry`, { contract: 'output-retry/1', from: 'scene-image', scene }));
}

/**
 * @typedef {import('./types.js').PresenterView} PresenterView
 * @typedef {import('./types.js').PresenterSummary} PresenterSummary
 * @typedef {import('./types.js').PresenterOutputView} PresenterOutputView
 */

/** @param {string} id */
export const presenterPath = (id) => `/v1/presenters/${encodeURIComponent(id)}`;

/**
 * @param {number} limit
 * @returns {Promise<PresenterSummary[]>}
 */
export async function listPresenters(limit) {
  const data = /** @type {{ presenters?: PresenterSummary[] } | null} */ (await request('GET', `/v1/presenters?limit=${limit}`));
  return (data && data.presenters) || [];
}

/**
 * Creates a presenter from uploaded portraits and a voice sample; a refusal names each photo (`details.refusals`).
 * @param {{ name: string, photos: Array<{ file: string, asset: string }>, voice_sample: { file: string, asset: string }, voice?: { language?: string } }} body
 * @returns {Promise<{ id: string, status: string }>}
 */
export async function createPresenter(body) {
  return /** @type {{ id: string, status: string }} */ (await request('POST', '/v1/presenters', { contract: 'presenter-creation/1', ...body }, idempotencyKey()));
}

/**
 * @param {string} id
 * @returns {Promise<PresenterView>}
 */
export async function getPresenter(id) {
  return /** @type {PresenterView} */ (await request('GET', presenterPath(id)));
}

/**
 * Asks for a presenter video; 409 `presenter-not-ready` while the identity builds.
 * @param {string} id the presenter
 * @param {{ route: string, script: string, options?: { format?: string, size?: string } }} body
 * @returns {Promise<{ id: string, status: string }>}
 */
export async function requestPresenterOutput(id, body) {
  return /** @type {{ id: string, status: string }} */ (await request('POST', `${presenterPath(id)}/outputs`, { contract: 'presenter-output/1', ...body }, idempotencyKey()));
}

/**
 * @param {string} id
 * @returns {Promise<PresenterOutputView>}
 */
export async function getPresenterOutput(id) {
  return /** @type {PresenterOutputView} */ (await request('GET', outputPath(id)));
}

/**
 * Approves the stage a presenter output waits at, or rejects it with a reason (which remakes the stage).
 * @param {string} id the output
 * @param {string} stage `script`, `storyboard`, `background`, `video`
 * @param {{ approved: true } | { approved: false, reason: string }} decision
 * @returns {Promise<{ id: string, status: string }>}
 */
export async function decideStage(id, stage, decision) {
  return /** @type {{ id: string, status: string }} */ (await request('POST', `${outputPath(id)}/approvals/${encodeURIComponent(stage)}`, decision));
}

/**
 * Runs an ended output again from a stage, or, with `scene`, makes that scene again as a new take.
 * @param {string} id the output
 * @param {string} from a stage as the output's `stages` name it
 * @param {number} [scene] from 1
 * @returns {Promise<{ id: string, status: string }>}
 */
export async function retryFrom(id, from, scene) {
  return /** @type {{ id: string, status: string }} */ (await request('POST', `${outputPath(id)}/retry`, { contract: 'output-retry/1', from, ...(scene === undefined ? {} : { scene }) }));
}
