import { SlotflowError } from '../../core/errors.ts';

/**
 * Errors of the asynchronous prediction protocol (`prediction-client.ts`).
 * An HTTP failure on the way (429, 5xx, no answer) stays the provider layer's
 * own `ProviderHttpError` / `ProviderRequestError`; these say what happened to
 * the prediction itself.
 */

export type PredictionEnd = 'failed' | 'canceled';

/** The model ran and failed (or was canceled on the provider's side): the same input fails again, so not retryable. */
export class PredictionFailedError extends SlotflowError {
  override name = 'PredictionFailedError';
  constructor(
    readonly provider: string,
    readonly predictionId: string,
    readonly status: PredictionEnd,
    /** The provider's own `error`, as text. */
    readonly providerError: string,
    /** The provider's request id of the answer that reported it, when it sent one. */
    readonly requestId: string | undefined,
  ) {
    super(`${provider}: prediction ${predictionId} ${status}${providerError ? `: ${providerError}` : ''}`, { code: 'prediction-failed' });
  }
}

/** The prediction had not ended when the wait's time ran out; it was asked to cancel. Another attempt may be quicker. */
export class PredictionTimeoutError extends SlotflowError {
  override name = 'PredictionTimeoutError';
  constructor(
    readonly provider: string,
    readonly predictionId: string,
    readonly timeoutMs: number,
    /** The last status seen. */
    readonly lastStatus: string,
  ) {
    super(`${provider}: prediction ${predictionId} still ${lastStatus} after ${timeoutMs} ms`, { code: 'prediction-timeout', retryable: true });
  }
}

/** The request cannot be sent as given (no base URL, an input that is not an object, bad wait options): nothing was sent. */
export class PredictionRequestInvalid extends SlotflowError {
  override name = 'PredictionRequestInvalid';
  constructor(
    readonly provider: string,
    readonly problem: string,
  ) {
    super(`${provider}: ${problem}`, { code: 'invalid-prediction-request' });
  }
}
