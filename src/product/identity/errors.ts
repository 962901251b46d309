import { SlotflowError } from '../../core/errors.ts';

/** Errors of building a product identity; all are about the snapshot, so none is retried. */

export type IdentityInputCode = 'invalid-product-snapshot' | 'product-image-missing' | 'product-page-missing';

/** The task input is not a product-creation snapshot the identity can be built from, or names a stored file that is not there. */
export class IdentityInputError extends SlotflowError {
  override name = 'IdentityInputError';
  constructor(
    code: IdentityInputCode,
    message: string,
    /** The snapshot field at fault (`images[1].asset`, `page.asset`, `name`). */
    readonly field: string,
  ) {
    super(message, { code });
  }
}
