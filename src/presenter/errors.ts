import { SlotflowError } from '../core/errors.ts';
import type { PortraitRefusalCode } from './identity/errors.ts';

/**
 * The refusals of the presenter API's requests, each before any work starts: photos that cannot make a presenter
 * (every photo's refusal at once, each naming its file), a presenter that does not exist or has not finished its
 * identity. Bodies that do not match their contract are the product contracts' `invalid-body` / `unknown-contract`.
 */

export interface PortraitRefusalView {
  file: string;
  code: PortraitRefusalCode;
  reason: string;
}

/** Every refused photo of a presenter request; nothing is stored as a task. */
export class PresenterPhotosRefusedError extends SlotflowError {
  override name = 'PresenterPhotosRefusedError';
  readonly pointer = '/photos';
  constructor(readonly refusals: readonly PortraitRefusalView[]) {
    super(`the portrait photos were refused: ${refusals.map((r) => (r.file ? `${r.file.slice(0, 80)}: ${r.reason}` : r.reason)).join('; ')}`, { code: 'presenter-photos-refused' });
  }
}

export type PresenterStateCode = 'unknown-presenter' | 'presenter-not-ready' | 'presenter-failed';

/** A presenter that is not there (404), or whose identity is still building or failed (409). */
export class PresenterStateError extends SlotflowError {
  override name = 'PresenterStateError';
  constructor(code: PresenterStateCode, message: string) {
    super(message, { code });
  }
}

/** The HTTP status of each presenter error code (the rest are the product API's). */
export const PRESENTER_ERROR_STATUS: Readonly<Record<string, number>> = {
  'presenter-photos-refused': 400,
  'unknown-presenter': 404,
  'presenter-not-ready': 409,
  'presenter-failed': 409,
  'invalid-approval': 400,
  'unknown-stage': 400,
  'not-waiting': 409,
};
