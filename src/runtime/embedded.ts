import { AssetStore } from '../adapters/asset-store.ts';
import { loadFlow } from '../adapters/flow-files.ts';
import { LocalLocks } from '../adapters/memory/local-locks.ts';
import { MemoryQueue } from '../adapters/memory/memory-queue.ts';
import { MemoryStore } from '../adapters/memory/memory-store.ts';
import type { AssetReads } from '../core/ports/assets.ts';
import type { TaskReadModel } from '../core/ports/read-model.ts';
import type { Secrets } from '../core/ports/secrets.ts';
import { registerBuiltins } from '../handlers/builtin.ts';
import { HandlerRegistry } from '../handlers/registry.ts';
import { compileSettings, type Settings } from '../settings.ts';
import { newCallbackSecret } from './callback-token.ts';
import { runComponentJob } from './component-runner.ts';
import { Engine } from './engine.ts';
import { FlowCatalog } from './flow-catalog.ts';
import { localClock, serverClock } from './server-clock.ts';
import type { EngineServices } from './services.ts';

/**
 * Embedded mode, apart from the composition root (`composition.ts`, which re-exports it): this module imports
 * neither MySQL's, Redis's nor BullMQ's client, so `slotflow render` does not load them (about 0.45 s of module
 * loading at each start).
 */

/** The builtins only: what tests of the engine itself use. */
export function defaultRegistry(): HandlerRegistry {
  return registerBuiltins(new HandlerRegistry());
}

/** The engine's own services for this deployment; the callback secret is generated and stored on first use when unset. */
export async function engineServices(settings: Settings, store: Secrets & { serverTime?(): Promise<number> }): Promise<EngineServices> {
  return {
    clock: store.serverTime ? serverClock(() => store.serverTime!()) : localClock,
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

/**
 * The whole engine in one process with embedded state, queue and lock: no
 * MySQL or Redis. `slotflow render` runs on it; so can fast tests.
 */

export const DEFAULT_EMBEDDED_CONCURRENCY = 4;

export interface EmbeddedRuntime {
  engine: Engine;
  flows: FlowCatalog;
  /** The store seen as the read model: what the views for people are handed. */
  reads: TaskReadModel & AssetReads;
  store: MemoryStore;
  queue: MemoryQueue;
  registry: HandlerRegistry;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  registry?: HandlerRegistry;
  concurrency?: number;
  settings?: Settings;
}

export async function startEmbedded(opts: EmbeddedOptions = {}): Promise<EmbeddedRuntime> {
  const store = new MemoryStore();
  const queue = new MemoryQueue();
  const locks = new LocalLocks();
  const registry = opts.registry ?? defaultRegistry();
  const flows = new FlowCatalog(store);
  const settings = opts.settings ?? compileSettings();
  // No near-duplicate reuse: this store starts empty with the process, so there is never an earlier task to
  // answer with, and embedding each request would only cost time. Repeats are served by the result cache.
  const engine = new Engine({ store, flows, queue, locks });
  const shutdown = new AbortController();
  await queue.consumeSchedules(1, async (taskId) => {
    await engine.schedule(taskId);
  });
  const services = await engineServices(settings, store);
  engine.fanOutCache = services.assets;
  await queue.consumeComponents([], opts.concurrency ?? DEFAULT_EMBEDDED_CONCURRENCY, async (job) => {
    await runComponentJob(job, { engine, flows, store, queue, registry, services, workerId: 'embedded', shutdown: shutdown.signal });
  });
  return {
    engine,
    flows,
    reads: store,
    store,
    queue,
    registry,
    async close() {
      shutdown.abort();
      await queue.close();
    },
  };
}
