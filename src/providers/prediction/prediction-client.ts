import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { AssetStore, StoredAsset } from '../../adapters/asset-store.ts';
import { isRetryable } from '../../core/errors.ts';
import {
  downloadToDir, HTTP_DEFAULTS, ProviderHttpError, providerRequest, ProviderRequestError, ProviderResponseError, redactUrl, sleep, trimBaseUrl,
} from '../http.ts';
import { type PredictionEnd, PredictionFailedError, PredictionRequestInvalid, PredictionTimeoutError } from './errors.ts';

/**
 * A client of the asynchronous prediction protocol that hosted image, video
 * and lip-sync models share (Replicate's shape):
 *
 *   POST {base}/v1/predictions  { model?, version?, input, webhook?, webhook_events_filter? }
 *     → 201 { id, status: "starting", urls: { get, cancel } }
 *   GET  {base}/v1/predictions/:id → the prediction, until `status` is
 *     `succeeded` (`output`: a URL, a list of URLs, or any value), `failed`
 *     (`error`) or `canceled`
 *   POST {base}/v1/predictions/:id/cancel
 *
 * Prediction states: `starting` → `processing` → one of `succeeded`,
 * `failed`, `canceled`; the last three never change again.
 *
 * Unlike the other providers, this client retries inside a request: a
 * prediction is long, and losing it to one 429 or 502 while polling would
 * throw away minutes of paid work. A retryable failure (429, 408, 425, 5xx,
 * no answer) is retried up to `retries` times, waiting the longer of the
 * backoff and the answer's `Retry-After` — never sooner than the provider
 * asked; a `Retry-After` longer than `maxRetryAfterMs` ends the call with the
 * error, which carries the wait for the engine's next attempt. A submit is
 * retried the same way: a 429 or 503 created nothing, and the other answers
 * are rare enough that a duplicate prediction is the cheaper risk.
 */

export const PREDICTION_DEFAULTS = {
  /** Retries of one request (submit, poll, cancel) after its first try. */
  retries: 4,
  /** Delay before the first retry of a failed request; doubles each time. */
  retryBackoffMs: 500,
  /** A `Retry-After` longer than this is not waited out here; the error goes to the engine. */
  maxRetryAfterMs: 60_000,
  /** First delay between polls; doubles each poll. */
  pollMs: 1000,
  /** Longest delay between polls. */
  maxPollMs: 10_000,
  /** Share of a delay added at random, so many waiters spread out. */
  jitter: 0.2,
  /** Time a wait allows the prediction to end. */
  timeoutMs: 10 * 60_000,
  /** Largest output file downloaded. */
  maxOutputBytes: 200 * 1024 * 1024,
  /** Time allowed for the best-effort cancel of a prediction given up on. */
  cancelTimeoutMs: 5000,
} as const;

/** Response headers that carry the provider's request id, first match wins. */
export const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'x-replicate-request-id', 'x-amzn-requestid', 'cf-ray'] as const;

export const PredictionStatus = {
  starting: 'starting',
  processing: 'processing',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'canceled',
} as const;
export type PredictionStatus = (typeof PredictionStatus)[keyof typeof PredictionStatus];

const STATUSES: ReadonlySet<string> = new Set(Object.values(PredictionStatus));
const ENDED: ReadonlySet<string> = new Set([PredictionStatus.succeeded, PredictionStatus.failed, PredictionStatus.canceled]);

export function isEnded(status: PredictionStatus): boolean {
  return ENDED.has(status);
}

export interface Prediction {
  id: string;
  status: PredictionStatus;
  output?: unknown;
  /** The provider's error, as text, when it gave one. */
  error?: string;
  /** The provider's request id of the answer this was read from. */
  requestId: string | undefined;
}

export interface PredictionClientOptions {
  /** e.g. `https://api.replicate.com`; `/v1/predictions` is appended. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string;
  /** Sent as `model` when set. */
  model?: string;
  /** Sent as `version` when set. */
  version?: string;
  /** Name in errors and on assets; default `remote:<model>` (or `remote` without a model). */
  provider?: string;
  /** Time allowed for each request. Default `HTTP_DEFAULTS.timeoutMs`. */
  requestTimeoutMs?: number;
  /** Default `PREDICTION_DEFAULTS.retries`. */
  retries?: number;
  /** Default `PREDICTION_DEFAULTS.retryBackoffMs`. */
  retryBackoffMs?: number;
  /** Default `PREDICTION_DEFAULTS.maxRetryAfterMs`. */
  maxRetryAfterMs?: number;
}

export interface SubmitOptions {
  /** Where the provider posts the prediction as it changes (callback mode). */
  webhook?: string;
  /** Default `["completed"]` when `webhook` is set. */
  webhookEventsFilter?: string[];
  signal?: AbortSignal;
}

export interface Submitted {
  id: string;
  status: PredictionStatus;
  requestId: string | undefined;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Default `PREDICTION_DEFAULTS.pollMs`. */
  pollMs?: number;
  /** Default `PREDICTION_DEFAULTS.maxPollMs`. */
  maxPollMs?: number;
  /** Default `PREDICTION_DEFAULTS.timeoutMs`. */
  timeoutMs?: number;
}

export interface DownloadOutputOptions {
  /** Default `PREDICTION_DEFAULTS.maxOutputBytes`. */
  maxBytes?: number;
  /** Extension when the URL has none, e.g. `.png`. Default `.bin`. */
  fallbackExtension?: string;
  signal?: AbortSignal;
}

/** What a finished prediction gave, as a handler records it: the files in the asset store and where they came from. */
export interface PredictionResult {
  provider: string;
  predictionId: string;
  requestId: string | undefined;
  /** The output as the provider gave it. */
  output: unknown;
  /** Each output URL downloaded into the store, in order. */
  files: Array<StoredAsset & { url: string }>;
}

interface Answer {
  body: unknown;
  requestId: string | undefined;
}

export class PredictionClient {
  readonly provider: string;
  private readonly base: string;
  private readonly options: PredictionClientOptions;
  private readonly retries: number;
  private readonly retryBackoffMs: number;
  private readonly maxRetryAfterMs: number;

  constructor(options: PredictionClientOptions) {
    this.provider = options.provider ?? (options.model ? `remote:${options.model}` : 'remote');
    if (!options.baseUrl || !URL.canParse(options.baseUrl)) throw new PredictionRequestInvalid(this.provider, 'a base URL (http:// or https://) is required');
    this.options = options;
    this.base = `${trimBaseUrl(options.baseUrl)}/v1/predictions`;
    this.retries = nonNegative(this.provider, 'retries', options.retries ?? PREDICTION_DEFAULTS.retries);
    this.retryBackoffMs = nonNegative(this.provider, 'retryBackoffMs', options.retryBackoffMs ?? PREDICTION_DEFAULTS.retryBackoffMs);
    this.maxRetryAfterMs = nonNegative(this.provider, 'maxRetryAfterMs', options.maxRetryAfterMs ?? PREDICTION_DEFAULTS.maxRetryAfterMs);
  }

  /** Starts a prediction. */
  async submit(input: Record<string, unknown>, options: SubmitOptions = {}): Promise<Submitted> {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new PredictionRequestInvalid(this.provider, 'the input must be a JSON object');
    const body: Record<string, unknown> = { input };
    if (this.options.model) body.model = this.options.model;
    if (this.options.version) body.version = this.options.version;
    if (options.webhook) {
      body.webhook = options.webhook;
      body.webhook_events_filter = options.webhookEventsFilter ?? ['completed'];
    }
    const answer = await this.request('POST', this.base, body, options.signal);
    const prediction = this.parse(answer, this.base);
    return { id: prediction.id, status: prediction.status, requestId: prediction.requestId };
  }

  /** The prediction as it is now. */
  async get(id: string, signal?: AbortSignal): Promise<Prediction> {
    const url = this.urlOf(id);
    return this.parse(await this.request('GET', url, undefined, signal), url);
  }

  /** Asks the provider to stop the prediction. */
  async cancel(id: string, signal?: AbortSignal): Promise<void> {
    await this.request('POST', `${this.urlOf(id)}/cancel`, {}, signal);
  }

  /**
   * Polls until the prediction ends: the delay starts at `pollMs` and
   * doubles up to `maxPollMs`, with up to `jitter` more at random. Returns
   * the succeeded prediction; throws `PredictionFailedError` when it failed
   * or was canceled, `PredictionTimeoutError` when `timeoutMs` passed (the
   * prediction is then asked to cancel), and the signal's reason when it is
   * aborted (cancelled the same way).
   */
  async wait(id: string, options: WaitOptions = {}): Promise<Prediction> {
    const pollMs = positive(this.provider, 'pollMs', options.pollMs ?? PREDICTION_DEFAULTS.pollMs);
    const maxPollMs = positive(this.provider, 'maxPollMs', options.maxPollMs ?? PREDICTION_DEFAULTS.maxPollMs);
    const timeoutMs = positive(this.provider, 'timeoutMs', options.timeoutMs ?? PREDICTION_DEFAULTS.timeoutMs);
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    let last: string | undefined;
    try {
      for (let poll = 0; ; poll++) {
        const prediction = await this.get(id, signal);
        last = prediction.status;
        if (prediction.status === PredictionStatus.succeeded) return prediction;
        if (prediction.status === PredictionStatus.failed || prediction.status === PredictionStatus.canceled) {
          throw new PredictionFailedError(this.provider, id, prediction.status as PredictionEnd, prediction.error ?? '', prediction.requestId);
        }
        await sleep(jittered(Math.min(maxPollMs, pollMs * 2 ** poll), maxPollMs), signal);
      }
    } catch (e) {
      if (!signal.aborted) throw e;
      // Given up on: the provider need not keep running (and billing) it.
      await this.cancel(id, AbortSignal.timeout(PREDICTION_DEFAULTS.cancelTimeoutMs)).catch(() => undefined);
      if (options.signal?.aborted) throw options.signal.reason as Error;
      throw new PredictionTimeoutError(this.provider, id, timeoutMs, last ?? 'unanswered');
    }
  }

  /** Submits, waits, and downloads every output URL into the asset store. */
  async run(input: Record<string, unknown>, store: AssetStore, options: WaitOptions & DownloadOutputOptions = {}): Promise<PredictionResult> {
    const submitted = await this.submit(input, options.signal ? { signal: options.signal } : {});
    const done = await this.wait(submitted.id, options);
    const files = await this.download(done.output, store, options);
    return { provider: this.provider, predictionId: done.id, requestId: done.requestId ?? submitted.requestId, output: done.output, files };
  }

  /** Downloads every http(s) URL of an output (a URL, or a list of them) into the store; other values give no files. */
  async download(output: unknown, store: AssetStore, options: DownloadOutputOptions = {}): Promise<Array<StoredAsset & { url: string }>> {
    const files: Array<StoredAsset & { url: string }> = [];
    const dir = path.join(store.tmpDir, `prediction-${randomUUID()}`);
    try {
      for (const url of outputUrls(output)) {
        const file = await downloadToDir(this.provider, url, dir, {
          maxBytes: options.maxBytes ?? PREDICTION_DEFAULTS.maxOutputBytes,
          fallbackExtension: options.fallbackExtension ?? '.bin',
          retries: this.retries,
          backoffMs: this.retryBackoffMs,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        files.push({ ...(await store.put(file)), url });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return files;
  }

  private urlOf(id: string): string {
    return `${this.base}/${encodeURIComponent(id)}`;
  }

  /** One request, retried on retryable failures; never sooner than a `Retry-After` asked. */
  private async request(method: 'GET' | 'POST', url: string, body: unknown, signal: AbortSignal | undefined): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const init: RequestInit = { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) };
    for (let attempt = 1; ; attempt++) {
      try {
        return await providerRequest(this.provider, url, init, async (response) => readAnswer(this.provider, url, response), {
          timeoutMs: this.options.requestTimeoutMs ?? HTTP_DEFAULTS.timeoutMs,
          retries: 0,
          ...(signal ? { signal } : {}),
        });
      } catch (e) {
        const retryable = (e instanceof ProviderHttpError || e instanceof ProviderRequestError) && isRetryable(e);
        const asked = e instanceof ProviderHttpError ? e.retryAfterMs : undefined;
        if (!retryable || attempt > this.retries || (asked !== undefined && asked > this.maxRetryAfterMs)) throw e;
        await sleep(Math.max(jittered(this.retryBackoffMs * 2 ** (attempt - 1), Infinity), asked ?? 0), signal);
      }
    }
  }

  private parse(answer: Answer, url: string): Prediction {
    const body = answer.body as { id?: unknown; status?: unknown; output?: unknown; error?: unknown } | null;
    if (body === null || typeof body !== 'object') throw new ProviderResponseError(this.provider, redactUrl(url), 'the prediction is not an object');
    if (typeof body.id !== 'string' || body.id === '') throw new ProviderResponseError(this.provider, redactUrl(url), 'the prediction has no id');
    if (typeof body.status !== 'string' || !STATUSES.has(body.status)) {
      throw new ProviderResponseError(this.provider, redactUrl(url), `unknown prediction status ${JSON.stringify(body.status)?.slice(0, 40)}`);
    }
    return {
      id: body.id,
      status: body.status as PredictionStatus,
      ...(body.output !== undefined && body.output !== null ? { output: body.output } : {}),
      ...(body.error !== undefined && body.error !== null ? { error: errorText(body.error) } : {}),
      requestId: answer.requestId,
    };
  }
}

/** The provider's `error` as text: a string as is, an object's `message`, else its JSON. */
export function errorText(error: unknown): string {
  if (typeof error === 'string') return error.slice(0, 2000);
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return message.slice(0, 2000);
  return JSON.stringify(error).slice(0, 2000);
}

/** The http(s) URLs of an output: the output itself when it is one, or the URL items of a list. */
export function outputUrls(output: unknown): string[] {
  const items = Array.isArray(output) ? output : [output];
  return items.filter((v): v is string => typeof v === 'string' && /^https?:\/\//i.test(v) && URL.canParse(v));
}

async function readAnswer(provider: string, url: string, response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    throw new ProviderResponseError(provider, redactUrl(url), `the body is not JSON: ${text.slice(0, 200)}`);
  }
  return { body, requestId: requestIdOf(response.headers) };
}

export function requestIdOf(headers: Headers): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const value = headers.get(name);
    if (value) return value.slice(0, 200);
  }
  return undefined;
}

function jittered(ms: number, cap: number): number {
  return Math.min(cap, ms * (1 + PREDICTION_DEFAULTS.jitter * Math.random()));
}

function nonNegative(provider: string, name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new PredictionRequestInvalid(provider, `${name} must be a non-negative number, got ${value}`);
  return value;
}

function positive(provider: string, name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new PredictionRequestInvalid(provider, `${name} must be a positive number, got ${value}`);
  return value;
}

