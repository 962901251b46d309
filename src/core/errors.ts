/**
 * The one base class of every error the project throws on purpose.
 *
 * An error carries what a caller needs to act on it, not only a message:
 * - `code`: kebab-case, no prefix (`article-empty`); the same string in the
 *   CLI's `--json` output, the HTTP error body and the logs;
 * - `retryable`: whether running the same attempt again can succeed. The
 *   component runner reads this and nothing else;
 * - `retryAfterMs`: the least delay before a retry, when the failing side said
 *   so (a provider's `Retry-After`); the next attempt waits the longer of this
 *   and the flow's backoff;
 * - `cause`: the error underneath, as `Error.cause`.
 *
 * Subclasses add structured fields (which flow, which JSON pointer, which
 * component, which attempt) instead of gluing them into the message.
 */

export interface SlotflowErrorOptions {
  code: string;
  /** Default false: an error is assumed to be about its input unless it says otherwise. */
  retryable?: boolean;
  retryAfterMs?: number;
  cause?: unknown;
}

export class SlotflowError extends Error {
  override name = 'SlotflowError';
  readonly code: string;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: SlotflowErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * Whether an error may be retried: its own `retryable` when it has one (ours
 * always do; so may a library's), else true, since an unexpected failure (a
 * reset connection, a bug that depends on timing) may not happen again.
 */
export function isRetryable(e: unknown): boolean {
  const flag = (e as { retryable?: unknown } | null | undefined)?.retryable;
  return typeof flag === 'boolean' ? flag : true;
}

/** The error's code when it has a string one. */
export function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
