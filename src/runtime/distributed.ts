import { MysqlStore } from '../adapters/mysql/mysql-store.ts';
import { openMysql } from '../adapters/mysql/connection.ts';
import { BullQueue } from '../adapters/redis/bullmq-queue.ts';
import { lockConnection, queueConnection } from '../adapters/redis/connections.ts';
import { DEFAULT_REDLOCK, RedlockLocks } from '../adapters/redis/redlock-locks.ts';
import { INTERNAL_QUEUES } from '../core/engine/task.ts';
import { HandlerRegistry } from '../handlers/registry.ts';
import { engineServices, type Settings } from '../settings.ts';
import { runComponentJob } from './component-runner.ts';
import { Engine } from './engine.ts';
import { Sweeper } from './sweeper.ts';
import { newCallbackSecret } from './callback-token.ts';
import { DEFAULT_WEBHOOKS, WebhookDispatcher } from './webhooks.ts';

/**
 * Distributed mode: MySQL holds the truth, BullMQ carries the jobs, Redlock
 * guards each task. Any number of scheduler and worker processes, on any
 * number of hosts, can run against one MySQL and one Redis.
 */

export interface Distributed {
  engine: Engine;
  store: MysqlStore;
  queue: BullQueue;
  /** Set by `startScheduler`; stopped by `close`. */
  sweeper?: Sweeper;
  /** Runs `fn` first when closing (an HTTP server to stop, say). */
  onClose(fn: () => Promise<unknown>): void;
  close(): Promise<void>;
}

/** Open connections, so tests can fail when one leaks. */
export const openRuntimes = new Set<Distributed>();

export function connect(settings: Settings): Distributed {
  const store = new MysqlStore(openMysql(settings.mysqlUrl));
  const queueUrl = settings.redisUrls[0]!;
  const queueRedis = queueConnection(queueUrl);
  const lockClients = settings.redisUrls.map((u) => lockConnection(u));
  const queue = new BullQueue(queueRedis, queueUrl, settings.queuePrefix, {
    lockDurationMs: settings.jobLockMs,
    stalledIntervalMs: settings.stalledIntervalMs,
  });
  const locks = new RedlockLocks(lockClients, settings.queuePrefix, { ...DEFAULT_REDLOCK, ttlMs: settings.lockTtlMs });
  const engine = new Engine({ store, queue, locks });
  const closers: Array<() => Promise<unknown>> = [];
  const runtime: Distributed = {
    engine,
    store,
    queue,
    onClose: (fn) => closers.push(fn),
    async close() {
      openRuntimes.delete(runtime);
      for (const fn of closers) await fn();
      await runtime.sweeper?.stop();
      await queue.close();
      await Promise.all([queueRedis, ...lockClients].map((c) => c.quit().catch(() => c.disconnect())));
      await store.close();
    },
  };
  openRuntimes.add(runtime);
  return runtime;
}

/** Scheduling passes, the sweeper, and the engine's own work: callbacks, fan-outs and deadlines. */
export async function startScheduler(d: Distributed, settings: Settings, onError: (e: unknown) => void = () => {}): Promise<void> {
  await d.queue.consumeSchedules(settings.schedulerConcurrency, async (taskId) => {
    await d.engine.schedule(taskId);
  });
  const services = await engineServices(settings, d.store);
  d.engine.fanOutCache = services.assets;
  await d.queue.consumeComponents(INTERNAL_QUEUES, settings.schedulerConcurrency, async (job) => {
    await runComponentJob(job, { engine: d.engine, flows: d.engine.flows, store: d.store, queue: d.queue, registry: new HandlerRegistry(), services });
  });
  const sweeper = new Sweeper({ tasks: d.store, flows: d.engine.flows, queue: d.queue }, { intervalMs: settings.sweepIntervalMs, idleMs: settings.sweepIdleMs, batch: 500 }, onError);
  d.sweeper = sweeper;
  sweeper.start();
  const webhookSecret = settings.webhookSecret ?? (await d.store.secret('webhook', newCallbackSecret));
  const webhooks = new WebhookDispatcher(d.store, webhookSecret, { ...DEFAULT_WEBHOOKS, backoffMs: settings.webhookBackoffMs }, onError);
  webhooks.start();
  d.onClose(() => webhooks.stop());
}

export interface WorkerOptions {
  handlers?: readonly string[];
  concurrency?: number;
  shutdown?: AbortSignal;
}

/** Component workers for the registry's handlers (or the named ones), with the asset store and result cache. */
export async function startWorker(d: Distributed, settings: Settings, registry: HandlerRegistry, opts: WorkerOptions = {}): Promise<void> {
  const services = await engineServices(settings, d.store);
  const shutdown = opts.shutdown;
  await d.queue.consumeComponents(opts.handlers ?? registry.names(), opts.concurrency ?? settings.workerConcurrency, async (job) => {
    await runComponentJob(job, { engine: d.engine, flows: d.engine.flows, store: d.store, queue: d.queue, registry, services, ...(shutdown ? { shutdown } : {}) });
  });
}
