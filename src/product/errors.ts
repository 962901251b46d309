import { SlotflowError } from '../core/errors.ts';

/**
 * The refusals of product creative's requests, each before any work starts (400 unless said): a body that
 * names no known contract, one that does not match its contract (with the JSON pointer of what is wrong),
 * photos that cannot be used, a mode with no flow, a stage or scene an output does not have.
 */

/** A request's `contract` is not the `<name>/<version>` this entry point takes. */
export class UnknownContractError extends SlotflowError {
  override name = 'UnknownContractError';
  readonly pointer = '/contract';
  constructor(
    readonly given: string,
    readonly expected: string,
  ) {
    super(`unknown contract ${given}: this request takes "contract": "${expected}"`, { code: 'unknown-contract' });
  }
}

/** A body that does not match its contract's schema; `pointer` names what is wrong. */
export class ContractBodyError extends SlotflowError {
  override name = 'ContractBodyError';
  constructor(
    readonly contract: string,
    readonly pointer: string,
    readonly problem: string,
  ) {
    super(`${pointer || '/'}: ${problem} (${contract})`, { code: 'invalid-body' });
  }
}

/** One photo that cannot be used, and why, in words a person understands. */
export interface ImageRefusal {
  file: string;
  code: 'image-undecodable' | 'image-format' | 'image-too-small' | 'image-too-large' | 'product-images-count';
  reason: string;
}

/** Every refusal of a product's photos at once; nothing is stored as a task. */
export class ProductImagesRefusedError extends SlotflowError {
  override name = 'ProductImagesRefusedError';
  readonly pointer = '/images';
  constructor(readonly refusals: readonly ImageRefusal[]) {
    super(`the product photos were refused: ${refusals.map((r) => `${r.file}: ${r.reason}`).join('; ')}`, { code: 'product-images-refused' });
  }
}

/** An upload named in a request that the asset store does not hold (or holds as the wrong kind of file). */
export class UnknownUploadError extends SlotflowError {
  override name = 'UnknownUploadError';
  constructor(
    readonly pointer: string,
    message: string,
  ) {
    super(message, { code: 'unknown-upload' });
  }
}

/** A mode that flows/product-modes.json does not route (`unknown-mode`), or routes to a flow that is not installed (`mode-unavailable`). */
export class ModeError extends SlotflowError {
  override name = 'ModeError';
  readonly pointer = '/mode';
  constructor(
    code: 'unknown-mode' | 'mode-unavailable',
    readonly mode: string,
    readonly modes: readonly string[],
    message: string,
  ) {
    super(message, { code });
  }
}

export type ProductStateCode = 'unknown-product' | 'product-not-ready' | 'product-failed' | 'unknown-output' | 'unknown-stage' | 'unknown-scene' | 'task-busy';

/** A request that does not fit the product's or output's state (404 for what does not exist, else 409, `unknown-stage` 400). */
export class ProductStateError extends SlotflowError {
  override name = 'ProductStateError';
  constructor(
    code: ProductStateCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message, { code });
  }
}

/** An Idempotency-Key that named an earlier request with a different body (422). */
export class IdempotencyKeyReusedError extends SlotflowError {
  override name = 'IdempotencyKeyReusedError';
  constructor(readonly task: string) {
    super('this Idempotency-Key was used for a different request', { code: 'idempotency-key-reused' });
  }
}

/** The HTTP status of each product-creative error code. */
export const PRODUCT_ERROR_STATUS: Readonly<Record<string, number>> = {
  'unknown-contract': 400,
  'invalid-body': 400,
  'product-images-refused': 400,
  'unknown-upload': 400,
  'unknown-mode': 400,
  'mode-unavailable': 400,
  'unknown-stage': 400,
  'unknown-product': 404,
  'unknown-output': 404,
  'unknown-scene': 404,
  'product-not-ready': 409,
  'product-failed': 409,
  'task-busy': 409,
  'idempotency-key-reused': 422,
};
