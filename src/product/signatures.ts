import type { HandlerSignature } from '../core/flow/inputs.ts';

/**
 * What each product-identity handler produces and the roles it reads, by
 * handler name: flows are checked against this table when they load (it is
 * part of the standard catalog), and the registry carries the same entries.
 */

export const IdentityOutput = {
  neutral: 'product-neutral',
  metadata: 'product-metadata',
  sheet: 'product-sheet',
  seeds: 'product-seeds',
} as const;

export const PRODUCT_IDENTITY_SIGNATURES: Readonly<Record<string, HandlerSignature>> = {
  'product.neutral': { produces: IdentityOutput.neutral },
  'product.metadata': { produces: IdentityOutput.metadata, consumes: { neutral: { accepts: IdentityOutput.neutral } } },
  'product.sheet': { produces: IdentityOutput.sheet, consumes: { neutral: { accepts: IdentityOutput.neutral } } },
  'product.seeds': { produces: IdentityOutput.seeds, consumes: { metadata: { accepts: IdentityOutput.metadata } } },
};
