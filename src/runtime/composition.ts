import { AssetStore } from '../adapters/asset-store.ts';
import { installedFlows } from '../adapters/flow-files.ts';
import { MysqlStore } from '../adapters/mysql/mysql-store.ts';
import { openMysql } from '../adapters/mysql/connection.ts';
import { BullQueue } from '../adapters/redis/bullmq-queue.ts';
import { closeConnection, lockConnection, queueConnection } from '../adapters/redis/connections.ts';
import { DEFAULT_REDLOCK, lockVoteTimeoutMs, RedlockLocks } from '../adapters/redis/redlock-locks.ts';
import { INTERNAL_QUEUE_FAMILY } from '../core/engine/task.ts';
import type { FlowDocument } from '../core/flow/document.ts';
import type { ServedQueue } from '../core/ports/queue.ts';
import type { AssetReads } from '../core/ports/assets.ts';
import type { TaskReadModel } from '../core/ports/read-model.ts';
import { HandlerRegistry } from '../handlers/registry.ts';
import type { OutputDescriber } from '../core/ports/outputs.ts';
import { videoOutputs } from '../pipeline/task-outputs.ts';
import { mediaFromSettings, providersFromSettings } from '../pipeline/providers.ts';
import type { SegmentEncoder } from '../adapters/ffmpeg/index.ts';
import { registerPipeline } from '../pipeline/register.ts';
import { registerProductIdentity } from '../product/register.ts';
import { registerProductCreative } from '../product/register-creative.ts';
import type { ImageCapability as SceneImageCapability } from '../product/capabilities/image.ts';
import { selectCapability } from '../product/capabilities/index.ts';
import { RemoteImage } from '../product/capabilities/remote-image.ts';
import { RemoteSceneImage } from '../product/capabilities/remote-scene-image.ts';
import { lipSyncFromSettings, registerPresenterRender } from '../presenter/register-render.ts';
import { registerPresenterIdentity } from '../presenter/register-identity.ts';
import { registerPresenterRoutes } from '../presenter/register-routes.ts';
import { voiceCloneFromEnv } from '../presenter/identity/voice-clone.ts';
import { registerProductVideo } from '../product/register-video.ts';
import type { Settings } from '../settings.ts';
import { newCallbackSecret } from './callback-token.ts';
import { runComponentJob } from './component-runner.ts';
import { Engine } from './engine.ts';
import { historyFromSettings } from './history-log.ts';
import { FlowCatalog } from './flow-catalog.ts';
import { defaultRegistry, engineServices } from './embedded.ts';
import { RetentionSweeper } from './retention.ts';
import { Sweeper } from './sweeper.ts';
import { checkFamilies, workerQueues } from './worker-queues.ts';
import { DEFAULT_WEBHOOKS, WebhookDispatcher } from './webhooks.ts';
import { RequestReuse, type RequestReuseDeps } from './reuse/request-reuse.ts';
import type { RequestEmbedder } from '../core/ports/embedder.ts';
import { OpenAiEmbeddings } from '../providers/embeddings/openai-embeddings.ts';
import { lexicalEmbedder } from '../pipeline/text/lexical-vector.ts';
import { pipelineReuseRequest } from '../pipeline/reuse-request.ts';

/**
 * The composition root: the one place that builds adapters from settings and
 * hands each consumer the collaborators it needs. Embedded mode (memory
 * store, memory queue, local locks) and distributed mode (MySQL, BullMQ,
 * Redlock) are wired here and nowhere else.
 */

/** What finished tasks made, for views and the download route: the pipeline's description. */
export const taskOutputs: OutputDescriber = videoOutputs;

export { DEFAULT_EMBEDDED_CONCURRENCY, defaultRegistry, type EmbeddedOptions, type EmbeddedRuntime, engineServices, startEmbedded } from './embedded.ts';

/** The builtins and the video pipeline, with the providers the settings configure. */
export function fullRegistry(settings: Settings, media: SegmentEncoder = mediaFromSettings(settings)): HandlerRegistry {
  const assets = new AssetStore(settings.dataDir);
  const deps = { ...providersFromSettings(assets, settings), media };
  const registry = registerPipeline(defaultRegistry(), deps);
  // Product creative: the identity, the image modes' handlers, then the video modes'.
  registerProductVideo(registerProductCreative(registerProductIdentity(registry, { assets }), { assets, ...imageFromSettings(settings, assets) }), deps);
  // Presenter videos: the identity (a cloning service from the environment, else a matched local voice), the scene
  // stages (lip sync as the settings choose), then the routes' script and storyboard.
  registerPresenterIdentity(registry, { assets, media, speech: deps.speech, clone: voiceCloneFromEnv() });
  return registerPresenterRoutes(registerPresenterRender(registry, deps, { lipsync: lipSyncFromSettings(settings, assets) }));
}

/** The scene-image capability the settings choose: a hosted model (`SLOTFLOW_IMAGE_PROVIDER=remote`), else the offline composer (the default). */
function imageFromSettings(settings: Settings, assets: AssetStore): { image?: SceneImageCapability } {
  return selectCapability<{ image?: SceneImageCapability }>(settings, 'image', () => ({}),
    (client) => ({ image: new RemoteSceneImage(new RemoteImage({ client, store: assets }), assets) }));
}

/** The embeddings service the settings name, else the lexical vectors made here. */
export function embedderFromSettings(settings: Settings): RequestEmbedder {
  if (!settings.embeddingsBaseUrl) return lexicalEmbedder;
  return new OpenAiEmbeddings({
    baseUrl: settings.embeddingsBaseUrl, model: settings.embeddingsModel, ...(settings.embeddingsApiKey ? { apiKey: settings.embeddingsApiKey } : {}),
  });
}

/** Near-duplicate reuse over a store's request vectors, for the pipeline's requests. */
export function reuseFromSettings(settings: Settings, store: RequestReuseDeps['store'], flows: RequestReuseDeps['flows']): RequestReuse {
  return new RequestReuse({ store, flows, outputs: taskOutputs, embedder: embedderFromSettings(settings), describe: pipelineReuseRequest, similarity: settings.reuseSimilarity });
}

/**
 * Distributed mode: MySQL holds the truth, BullMQ carries the jobs, Redlock
 * guards each task. Any number of scheduler and worker processes, on any
 * number of hosts, can run against one MySQL and one Redis.
 */

export interface Distributed {
  engine: Engine;
  flows: FlowCatalog;
  /** The store seen as the read model: what the views for people are handed. */
  reads: TaskReadModel & AssetReads;
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
  const store = new MysqlStore(openMysql(settings.mysqlUrl, undefined, settings.mysqlTimeoutMs));
  const queueUrl = settings.redisUrls[0]!;
  const queueRedis = queueConnection(queueUrl);
  const lockClients = settings.redisUrls.map((u) => lockConnection(u, lockVoteTimeoutMs(settings.lockTtlMs)));
  const queue = new BullQueue(queueRedis, queueUrl, settings.queuePrefix, {
    lockDurationMs: settings.jobLockMs,
    stalledIntervalMs: settings.stalledIntervalMs,
  });
  const locks = new RedlockLocks(lockClients, settings.queuePrefix, { ...DEFAULT_REDLOCK, ttlMs: settings.lockTtlMs });
  const flows = new FlowCatalog(store);
  const history = historyFromSettings(settings);
  const engine = new Engine({ store, flows, queue, locks, reuse: reuseFromSettings(settings, store, flows), history });
  const closers: Array<() => Promise<unknown>> = [];
  const runtime: Distributed = {
    engine,
    flows,
    reads: store,
    store,
    queue,
    onClose: (fn) => closers.push(fn),
    async close() {
      openRuntimes.delete(runtime);
      for (const fn of closers) await fn();
      await runtime.sweeper?.stop();
      await queue.close();
      await Promise.all([queueRedis, ...lockClients].map(closeConnection));
      await store.close();
      history.close();
    },
  };
  openRuntimes.add(runtime);
  return runtime;
}

export interface SchedulerOptions {
  /**
   * Whether the scheduler also runs the engine's own queues (callbacks, deadlines, fan-outs); default true, as
   * `slotflow scheduler` does. Workers of the `callbacks` and `default` families can run them too.
   */
  engineWork?: boolean;
}

/** The engine's own queues, each in its family (`INTERNAL_QUEUE_FAMILY`). */
const ENGINE_QUEUES: readonly ServedQueue[] = [...INTERNAL_QUEUE_FAMILY].map(([handler, family]) => ({ family, handler }));

/** Scheduling passes, the sweeper, and (unless told not to) the engine's own work: callbacks, fan-outs and deadlines. */
export async function startScheduler(
  d: Distributed, settings: Settings, onError: (e: unknown) => void = () => {}, opts: SchedulerOptions = {},
): Promise<void> {
  await d.queue.consumeSchedules(settings.schedulerConcurrency, async (taskId) => {
    await d.engine.schedule(taskId);
  });
  const services = await engineServices(settings, d.store);
  d.engine.fanOutCache = services.assets;
  if (opts.engineWork !== false) {
    await d.queue.consumeComponents(ENGINE_QUEUES, settings.schedulerConcurrency, async (job) => {
      await runComponentJob(job, { engine: d.engine, flows: d.flows, store: d.store, queue: d.queue, registry: new HandlerRegistry(), services });
    });
  }
  const sweeper = new Sweeper({ tasks: d.store, flows: d.flows, queue: d.queue }, { intervalMs: settings.sweepIntervalMs, idleMs: settings.sweepIdleMs, batch: 500 }, onError);
  d.sweeper = sweeper;
  sweeper.start();
  const webhookSecret = settings.webhookSecret ?? (await d.store.secret('webhook', newCallbackSecret));
  const webhooks = new WebhookDispatcher(d.store, webhookSecret, { ...DEFAULT_WEBHOOKS, backoffMs: settings.webhookBackoffMs }, onError);
  webhooks.start();
  d.onClose(() => webhooks.stop());
  const retention = new RetentionSweeper(d.store, settings.retainDays, onError);
  retention.start();
  d.onClose(() => retention.stop());
}

export interface WorkerOptions {
  /** `--handlers`: default every registered handler. */
  handlers?: readonly string[];
  /** `--queues`: the queue families served; default every family (job queues only, see `worker-queues.ts`). */
  families?: readonly string[];
  concurrency?: number;
  shutdown?: AbortSignal;
}

/**
 * The flows a worker learns its queues from: the flow files it can see (SLOTFLOW_FLOWS_DIR, ./flows, the
 * bundled ones) and every flow version stored for a task, so a task pinned to an older version is served.
 */
export async function workerFlowDocuments(d: Pick<Distributed, 'store'>, settings: Settings): Promise<FlowDocument[]> {
  return [...installedFlows(process.cwd(), settings.flowsDir).map((f) => f.document), ...(await d.store.listFlowVersions())];
}

/**
 * Component workers for the registry's handlers (or the named ones) in the named families (or all), with the
 * asset store and result cache. Answers the queues it consumes.
 */
export async function startWorker(d: Distributed, settings: Settings, registry: HandlerRegistry, opts: WorkerOptions = {}): Promise<ServedQueue[]> {
  const docs = await workerFlowDocuments(d, settings);
  if (opts.families) checkFamilies(opts.families, docs);
  const queues = workerQueues(docs, registry.names(), { families: opts.families, handlers: opts.handlers });
  const services = await engineServices(settings, d.store);
  const shutdown = opts.shutdown;
  await d.queue.consumeComponents(queues, opts.concurrency ?? settings.workerConcurrency, async (job) => {
    await runComponentJob(job, { engine: d.engine, flows: d.flows, store: d.store, queue: d.queue, registry, services, ...(shutdown ? { shutdown } : {}) });
  });
  return queues;
}
