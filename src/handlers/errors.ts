import { SlotflowError } from '../core/errors.ts';

/** Errors of the handler layer; every one says itself whether retrying can help. */

/** The attempt ran longer than the component's `timeout_ms`: the next attempt may be quicker. */
export class AttemptTimeoutError extends SlotflowError {
  override name = 'AttemptTimeoutError';
  constructor(
    readonly component: string,
    readonly attempt: number,
    readonly timeoutMs: number,
  ) {
    super(`${component} attempt ${attempt} timed out after ${timeoutMs} ms`, { code: 'attempt-timeout', retryable: true });
  }
}

/** No handler is registered under the component's handler name; no retry registers one. */
export class UnknownHandlerError extends SlotflowError {
  override name = 'UnknownHandlerError';
  constructor(readonly handler: string) {
    super(`no handler is registered as "${handler}"`, { code: 'unknown-handler' });
  }
}

/** The component's own declaration cannot run here: a callback without `params.url`, a process without engine services. */
export class ComponentSetupError extends SlotflowError {
  override name = 'ComponentSetupError';
  constructor(
    readonly component: string,
    code: 'callback-url-missing' | 'callback-protocol-unknown' | 'no-engine-services',
    message: string,
  ) {
    super(message, { code });
  }
}
