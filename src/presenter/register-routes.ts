import type { HandlerRegistry } from '../handlers/registry.ts';
import { presenterScript } from './handlers/script.ts';
import { presenterStoryboard } from './handlers/storyboard.ts';
import { PRESENTER_ROUTE_SIGNATURES } from './routes/signatures.ts';

/**
 * The presenter routes' own stages by name: the script cut into timed scenes and the route's storyboard
 * (`flows/presenter-{single,multi,broll,pose,approval}.json`); the scenes, the stitch and the enhancement are the
 * render stages (`register-render.ts`). Both are cached by their inputs; bump the version when an output for the
 * same input changes.
 */
export const PRESENTER_ROUTES_CACHE_VERSION = '1';

export function registerPresenterRoutes(registry: HandlerRegistry): HandlerRegistry {
  const opts = (name: string) => ({ cache: { version: PRESENTER_ROUTES_CACHE_VERSION }, ...PRESENTER_ROUTE_SIGNATURES[name] });
  return registry
    .register('presenter.script', presenterScript, opts('presenter.script'))
    .register('presenter.storyboard', presenterStoryboard, opts('presenter.storyboard'));
}
