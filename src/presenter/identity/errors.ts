import { SlotflowError } from '../../core/errors.ts';

/** Errors of building a presenter identity; all are about the request, so none is retried. */

export type PortraitRefusalCode =
  | 'portrait-count'
  | 'portrait-undecodable'
  | 'portrait-unsupported-format'
  | 'portrait-too-small'
  | 'portrait-too-large'
  | 'portrait-no-subject'
  | 'portrait-several-subjects';

/** A portrait photo that cannot make a presenter, naming the file and why. */
export class PortraitRefusal extends SlotflowError {
  override name = 'PortraitRefusal';
  declare readonly code: PortraitRefusalCode;
  constructor(
    code: PortraitRefusalCode,
    /** The file name the user gave (empty for `portrait-count`). */
    readonly file: string,
    /** The reason in words, without the file name. */
    readonly reason: string,
  ) {
    super(file ? `${file.slice(0, 80)}: ${reason}` : reason, { code });
  }
}

export type PresenterInputCode = 'invalid-presenter-snapshot' | 'presenter-photo-missing' | 'voice-sample-missing' | 'voice-sample-unusable';

/** The task input is not a presenter-creation snapshot, names a stored file that is not there, or a sample with no speech. */
export class PresenterInputError extends SlotflowError {
  override name = 'PresenterInputError';
  declare readonly code: PresenterInputCode;
  constructor(
    code: PresenterInputCode,
    message: string,
    /** The snapshot field at fault (`photos[1].asset`, `voice_sample.asset`, `name`). */
    readonly field: string,
  ) {
    super(message, { code });
  }
}
