import type { HandlerSignature } from '../../core/flow/inputs.ts';

/** What each presenter-identity handler produces and the roles it reads, by handler name (part of the standard catalog). */

export const PresenterIdentityOutput = {
  portrait: 'presenter-portrait',
  sheet: 'presenter-sheet',
  voice: 'presenter-voice',
} as const;

export const PRESENTER_IDENTITY_SIGNATURES: Readonly<Record<string, HandlerSignature>> = {
  'presenter.portrait': { produces: PresenterIdentityOutput.portrait },
  'presenter.sheet': { produces: PresenterIdentityOutput.sheet, consumes: { portrait: { accepts: PresenterIdentityOutput.portrait } } },
  'presenter.voice': { produces: PresenterIdentityOutput.voice },
};
