import { LocalLocks } from '../adapters/memory/local-locks.ts';
import { MemoryQueue } from '../adapters/memory/memory-queue.ts';
import { MemoryStore } from '../adapters/memory/memory-store.ts';
import { registerBuiltins } from '../handlers/builtin.ts';
import { HandlerRegistry } from '../handlers/registry.ts';
import { compileSettings, engineServices, type Settings } from '../settings.ts';
import { runComponentJob } from './component-runner.ts';
import { Engine } from './engine.ts';

/**
 * The whole engine in one process with embedded state, queue and lock: no
 * MySQL or Redis. `slotflow render` runs on it; so can fast tests.
 */

export const DEFAULT_EMBEDDED_CONCURRENCY = 4;

export interface EmbeddedRuntime {
  engine: Engine;
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
  const registry = opts.registry ?? registerBuiltins(new HandlerRegistry());
  const engine = new Engine({ store, queue, locks });
  const shutdown = new AbortController();
  await queue.consumeSchedules(1, async (taskId) => {
    await engine.schedule(taskId);
  });
  const services = await engineServices(opts.settings ?? compileSettings(), store);
  engine.fanOutCache = services.assets;
  await queue.consumeComponents([], opts.concurrency ?? DEFAULT_EMBEDDED_CONCURRENCY, async (job) => {
    await runComponentJob(job, { engine, flows: engine.flows, store, queue, registry, services, workerId: 'embedded', shutdown: shutdown.signal });
  });
  return {
    engine,
    store,
    queue,
    registry,
    async close() {
      shutdown.abort();
      await queue.close();
    },
  };
}
