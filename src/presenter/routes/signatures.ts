import type { HandlerSignature } from '../../core/flow/inputs.ts';
import { STORYBOARD_PLANS } from './storyboard.ts';

/** What the route stages produce and consume, for the flows' role bindings. */
export const PresenterRouteOutput = { script: 'presenter-script', storyboard: 'presenter-storyboard' } as const;

export const PRESENTER_ROUTE_SIGNATURES: Readonly<Record<string, HandlerSignature>> = {
  'presenter.script': { produces: PresenterRouteOutput.script },
  'presenter.storyboard': {
    produces: PresenterRouteOutput.storyboard,
    consumes: { script: { accepts: PresenterRouteOutput.script } },
    params: { plan: { oneOf: [...STORYBOARD_PLANS] } },
  },
};
