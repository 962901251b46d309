import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { SlotflowError } from '../core/errors.ts';

/**
 * The one place remote providers make HTTP requests: a per-attempt timeout
 * and typed errors that name the provider and say whether retrying can help
 * (a 429 or 503 also says how long to wait, from `Retry-After`). Retrying is
 * the engine's job, with the flow's policy, so by default a request is made
 * once; `retries` is for callers outside the engine. Query parameters that
 * carry secrets are redacted from every error.
 */

/** Requests a remote speech service is sent at once by one task: enough that a slow or rate-limited scene holds up no other. */
export const REMOTE_SPEECH_CONCURRENCY = 3;

export const HTTP_DEFAULTS = {
  /** Time allowed for one attempt to get the response headers and, for JSON and bytes, the body. */
  timeoutMs: 30_000,
  /** Retries after the first attempt: none, since the engine retries the component with the flow's policy. */
  retries: 0,
  /** Delay before the first retry; doubles each time. */
  backoffMs: 500,
  /** Longest single wait, including a server's `Retry-After`. */
  maxBackoffMs: 10_000,
  /** Time allowed for a whole file download. */
  downloadTimeoutMs: 5 * 60_000,
  /** Downloads larger than this are refused. */
  maxDownloadBytes: 500 * 1024 * 1024,
} as const;

/** 4xx statuses that may succeed when asked again: request timeout, too early, rate limited. Every 5xx is retried too. */
const RETRYABLE_CLIENT_STATUSES: ReadonlySet<number> = new Set([408, 425, 429]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_CLIENT_STATUSES.has(status) || status >= 500;
}

/** Query parameters whose values never appear in errors. */
const SECRET_PARAMS = ['key', 'api_key', 'apikey', 'token', 'access_token', 'trustedclienttoken'];

export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAMS.includes(name.toLowerCase())) parsed.searchParams.set(name, 'REDACTED');
  }
  if (parsed.password) parsed.password = 'REDACTED';
  return parsed.toString();
}

/** The code of a non-2xx answer: rate limited, unavailable for now, or refused for good. */
export function statusCode(status: number): 'provider-rate-limited' | 'provider-unavailable' | 'provider-refused' {
  if (status === 429) return 'provider-rate-limited';
  return isRetryableStatus(status) ? 'provider-unavailable' : 'provider-refused';
}

/** The service answered with a status other than 2xx. */
export class ProviderHttpError extends SlotflowError {
  override name = 'ProviderHttpError';
  constructor(
    readonly provider: string,
    readonly status: number,
    /** The request URL with secrets redacted. */
    readonly url: string,
    /** The start of the response body, for diagnosis. */
    readonly body: string,
    /** Attempts made, the first included. */
    readonly attempts: number,
    /** What the answer's `Retry-After` asked for, if anything. */
    retryAfterMs?: number,
  ) {
    super(`${provider}: HTTP ${status} from ${url}${body ? `: ${body}` : ''}`, {
      code: statusCode(status),
      retryable: isRetryableStatus(status),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
}

/** No usable answer: connection refused or reset, DNS failure, timeout, or a body cut short. */
export class ProviderRequestError extends SlotflowError {
  override name = 'ProviderRequestError';
  constructor(
    readonly provider: string,
    readonly url: string,
    readonly attempts: number,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${provider}: request to ${url} failed: ${reason}`, { code: 'provider-unreachable', retryable: true, cause: options?.cause });
  }
}

/** The service answered 2xx with something this adapter cannot use. Not retryable. */
export class ProviderResponseError extends SlotflowError {
  override name = 'ProviderResponseError';
  constructor(
    readonly provider: string,
    readonly url: string,
    readonly reason: string,
  ) {
    super(`${provider}: unexpected answer from ${url}: ${reason}`, { code: 'provider-bad-answer' });
  }
}

export interface HttpOptions {
  /** Default `HTTP_DEFAULTS.timeoutMs`. */
  timeoutMs?: number;
  /** Default `HTTP_DEFAULTS.retries`. */
  retries?: number;
  /** Default `HTTP_DEFAULTS.backoffMs`. */
  backoffMs?: number;
  /** Default `HTTP_DEFAULTS.maxBackoffMs`. */
  maxBackoffMs?: number;
  /** Cancels the request and any wait between attempts. */
  signal?: AbortSignal;
}

interface CompiledHttpOptions {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
  signal: AbortSignal | undefined;
}

/**
 * `{ signal }` for an options object when either signal is set: both combined
 * when both are, so a caller's cancel and a provider's own signal both stop
 * the request. Spread it last: `{ ...options, ...withSignal(options.signal, callerSignal) }`.
 */
export function withSignal(own: AbortSignal | undefined, caller: AbortSignal | undefined): { signal?: AbortSignal } {
  const signals = [own, caller].filter((s): s is AbortSignal => s !== undefined);
  if (signals.length === 0) return {};
  return { signal: signals.length === 1 ? signals[0]! : AbortSignal.any(signals) };
}

function compileHttpOptions(options: HttpOptions = {}): CompiledHttpOptions {
  const resolved = {
    timeoutMs: options.timeoutMs ?? HTTP_DEFAULTS.timeoutMs,
    retries: options.retries ?? HTTP_DEFAULTS.retries,
    backoffMs: options.backoffMs ?? HTTP_DEFAULTS.backoffMs,
    maxBackoffMs: options.maxBackoffMs ?? HTTP_DEFAULTS.maxBackoffMs,
    signal: options.signal,
  };
  for (const key of ['timeoutMs', 'retries', 'backoffMs', 'maxBackoffMs'] as const) {
    const value = resolved[key];
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`HTTP option ${key} must be a non-negative number, got ${value}`);
  }
  return resolved;
}

/** Milliseconds asked for by a `Retry-After` header (seconds or an HTTP date), if any. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Waits `ms`, or rejects with the signal's own reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Socket-level error codes worth another attempt. */
const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
]);

/** fetch reports network failures as `TypeError` ("fetch failed", "terminated") with the socket error as cause. */
function isTransientNetworkError(error: unknown): boolean {
  if (error instanceof TypeError || (error instanceof DOMException && error.name !== 'AbortError')) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

/**
 * Sends a request, retrying on retryable statuses and network failures, and
 * hands `read` the first 2xx response; `read` runs under the same
 * attempt timeout, and a failure while reading the body is retried too.
 */
export async function providerRequest<T>(
  provider: string,
  url: string,
  init: RequestInit,
  read: (response: Response) => Promise<T>,
  options?: HttpOptions,
): Promise<T> {
  const opts = compileHttpOptions(options);
  const shownUrl = redactUrl(url);
  if (!URL.canParse(url)) throw new TypeError(`${provider}: not a valid URL: ${shownUrl}`);
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(provider, url, shownUrl, init, read, opts, attempt);
    if (outcome.ok) return outcome.value;
    if (attempt > opts.retries) throw outcome.failure;
    const backoff = opts.backoffMs * 2 ** (attempt - 1);
    await sleep(Math.min(opts.maxBackoffMs, Math.max(backoff, outcome.retryAfterMs ?? 0)), opts.signal);
  }
}

type AttemptOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; failure: ProviderHttpError | ProviderRequestError; retryAfterMs?: number };

/** One attempt: a value, a failure worth retrying, or a throw for anything that is not. */
async function attemptOnce<T>(
  provider: string,
  url: string,
  shownUrl: string,
  init: RequestInit,
  read: (response: Response) => Promise<T>,
  opts: CompiledHttpOptions,
  attempt: number,
): Promise<AttemptOutcome<T>> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const networkFailure = (error: unknown, phase: string): AttemptOutcome<T> => {
    if (opts.signal?.aborted) throw opts.signal.reason as Error;
    if (!timeout.aborted && !isTransientNetworkError(error)) throw error;
    const reason = timeout.aborted ? `timed out after ${opts.timeoutMs} ms` : describe(error);
    return { ok: false, failure: new ProviderRequestError(provider, shownUrl, attempt, `${phase}${reason}`, { cause: error }) };
  };

  let response: Response;
  try {
    response = await fetch(url, { ...init, signal });
  } catch (error) {
    return networkFailure(error, '');
  }
  if (!response.ok) {
    const body = (await response.text().catch(() => '')).slice(0, 500);
    const wait = retryAfterMs(response.headers.get('retry-after'));
    const failure = new ProviderHttpError(provider, response.status, shownUrl, body, attempt, wait);
    if (!failure.retryable) throw failure;
    return { ok: false, failure, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
  }
  try {
    return { ok: true, value: await read(response) };
  } catch (error) {
    return networkFailure(error, 'reading the answer: ');
  }
}

/** A JSON answer, retried like `providerRequest`; a body that is not JSON is a `ProviderResponseError`. */
export function providerJson(provider: string, url: string, init: RequestInit, options?: HttpOptions): Promise<unknown> {
  return providerRequest(provider, url, init, async (response) => {
    const text = await response.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ProviderResponseError(provider, redactUrl(url), `the body is not JSON: ${text.slice(0, 200)}`);
    }
  }, options);
}

/** The body as bytes, retried like `providerRequest`. */
export function providerBytes(provider: string, url: string, init: RequestInit, options?: HttpOptions): Promise<Buffer> {
  return providerRequest(provider, url, init, async (response) => Buffer.from(await response.arrayBuffer()), options);
}

/** File extension for a downloaded URL: the URL path's when it looks like one, else `fallback`. */
export function urlExtension(url: string, fallback: string): string {
  let ext = '';
  try {
    ext = extname(new URL(url).pathname).toLowerCase();
  } catch {
    // Not a URL: the fallback applies.
  }
  return /^\.[a-z0-9]{2,5}$/.test(ext) ? ext : fallback;
}

/** Content-addressed file name for a URL: sha256 of the URL, hex, plus the extension. */
export function contentAddressedName(url: string, fallbackExtension: string): string {
  return createHash('sha256').update(url).digest('hex') + urlExtension(url, fallbackExtension);
}

export interface DownloadOptions extends Omit<HttpOptions, 'timeoutMs'> {
  /** Whole-transfer time limit per attempt. Default `HTTP_DEFAULTS.downloadTimeoutMs`. */
  timeoutMs?: number;
  /** Default `HTTP_DEFAULTS.maxDownloadBytes`. */
  maxBytes?: number;
  /** Extension used when the URL has none. Default `.bin`. */
  fallbackExtension?: string;
}

/**
 * Downloads `url` into `dir` under its content-addressed name and returns the
 * path. A file already there is reused; a partial download never takes the
 * final name (it is written beside it and renamed when complete).
 */
export async function downloadToDir(provider: string, url: string, dir: string, options: DownloadOptions = {}): Promise<string> {
  const target = join(dir, contentAddressedName(url, options.fallbackExtension ?? '.bin'));
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isFile() && existing.size > 0) return target;
  await mkdir(dir, { recursive: true });
  const maxBytes = options.maxBytes ?? HTTP_DEFAULTS.maxDownloadBytes;
  const partial = `${target}.${process.pid}.${Date.now()}.part`;
  try {
    await providerRequest(provider, url, { method: 'GET' }, async (response) => {
      const declared = Number(response.headers.get('content-length') ?? NaN);
      if (declared > maxBytes) throw new ProviderResponseError(provider, redactUrl(url), `file is ${declared} bytes, over the limit of ${maxBytes}`);
      if (!response.body) throw new ProviderResponseError(provider, redactUrl(url), 'empty body');
      let seen = 0;
      const limit = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          seen += chunk.length;
          if (seen > maxBytes) callback(new ProviderResponseError(provider, redactUrl(url), `file is over the limit of ${maxBytes} bytes`));
          else callback(null, chunk);
        },
      });
      await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), limit, createWriteStream(partial));
      if (seen === 0) throw new ProviderResponseError(provider, redactUrl(url), 'empty body');
    }, { ...options, timeoutMs: options.timeoutMs ?? HTTP_DEFAULTS.downloadTimeoutMs });
    await rename(partial, target);
    return target;
  } finally {
    await rm(partial, { force: true });
  }
}

/** `baseUrl` without trailing slashes, so `${base}/path` is always right. */
export function trimBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}
