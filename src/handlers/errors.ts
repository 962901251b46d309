/** Errors a handler can throw to steer retries. */

/** Retrying cannot help (bad input, a rejected request): the slot fails at once. */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
  constructor(message: string, options?: ErrorOptions & { code?: string }) {
    super(message, options);
    this.code = options?.code;
  }
  readonly code: string | undefined;
}

/** The attempt ran longer than the component's `timeout_ms`. Retryable. */
export class AttemptTimeoutError extends Error {
  override name = 'AttemptTimeoutError';
  readonly code = 'EATTEMPTTIMEOUT';
  constructor(
    readonly component: string,
    readonly attempt: number,
    readonly timeoutMs: number,
  ) {
    super(`${component} attempt ${attempt} timed out after ${timeoutMs} ms`);
  }
}

/** No handler is registered under the component's handler name. Not retryable. */
export class UnknownHandlerError extends NonRetryableError {
  override name = 'UnknownHandlerError';
  constructor(readonly handler: string) {
    super(`no handler is registered as "${handler}"`, { code: 'EUNKNOWNHANDLER' });
  }
}
