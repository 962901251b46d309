import { SlotflowError } from '../../core/errors.ts';

/** A presenter output's script, route or snapshot is not what the routes can work on: no retry changes that. */
export class PresenterRouteError extends SlotflowError {
  override name = 'PresenterRouteError';
  constructor(code: 'invalid-script' | 'invalid-pose-mark' | 'invalid-presenter-output' | 'invalid-storyboard-plan', message: string, readonly field: string) {
    super(message, { code });
  }
}
