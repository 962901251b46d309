import { AssetStore } from './adapters/asset-store.ts';
import { loadFlow } from './adapters/flow-files.ts';
import { newCallbackSecret } from './runtime/callback-token.ts';
import type { TaskStore } from './runtime/ports.ts';
import type { EngineServices } from './runtime/services.ts';
import type { Settings } from './settings/table.ts';

/**
 * Settings from the environment, resolved once: the table, the defaults and
 * the compile step live in `settings/`; the rest of the code trusts the
 * compiled result.
 */

export { compileSettings, resolveSettings, SettingsError } from './settings/compile.ts';
export { DEFAULTS, type Settings } from './settings/table.ts';

/** The engine's own services for this deployment; the callback secret is generated and stored on first use when unset. */
export async function engineServices(settings: Settings, store: Pick<TaskStore, 'secret'>): Promise<EngineServices> {
  return {
    callbackSecret: settings.callbackSecret ?? (await store.secret('callback', newCallbackSecret)),
    publicUrl: settings.publicUrl,
    servicesUrl: settings.servicesUrl,
    tokenGraceMs: settings.tokenGraceMs,
    callbackTimeoutMs: settings.callbackTimeoutMs,
    fanOutMax: settings.fanOutMax,
    resolveFlow: (name) => loadFlow(name, process.cwd(), settings.flowsDir),
    assets: new AssetStore(settings.dataDir),
  };
}
