import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { canonicalJson } from '../core/flow/compile.ts';
import type { Answer, AnswerError } from '../core/engine/transitions.ts';
import { type ComponentJob, InternalQueue } from '../core/engine/task.ts';
import { CALLBACKS_QUEUE_FAMILY } from '../core/flow/queue-family.ts';
import { codeOf, isRetryable, SlotflowError } from '../core/errors.ts';
import { AttemptTimeoutError, ComponentSetupError } from '../handlers/errors.ts';
import { isRetryableStatus } from '../providers/http.ts';
import type { HandlerContext, HandlerRegistry } from '../handlers/registry.ts';
import type { AssetRecord } from '../core/ports/assets.ts';
import type { TaskRecord } from '../core/ports/read-model.ts';
import { CallbackProtocol, signToken } from './callback-token.ts';
import type { Engine } from './engine.ts';
import type { Attempts } from '../core/ports/attempts.ts';
import type { AssetLedger } from '../core/ports/assets.ts';
import type { FlowLookup } from '../core/ports/flow-versions.ts';
import type { DispatchQueue } from '../core/ports/queue.ts';
import type { TaskRecords } from '../core/ports/read-model.ts';
import type { RunOutputs, SnapshotReads } from '../core/ports/task-state.ts';
import { startFanOut } from './fan-out.ts';
import { metrics } from './metrics.ts';
import { AttemptClosedError, RunningMark } from './running-mark.ts';
import { isRetryableDbError } from '../adapters/mysql/retryable.ts';
import type { EngineServices } from './services.ts';

/**
 * Runs one job. For a `job` component: open the attempt (a job whose attempt
 * is no longer open is dropped unrun), run the handler with the input
 * snapshot, params and dependency outputs under the attempt's timeout, and
 * hand the outcome to the engine's completion path. A job that carries its
 * inputs skips the opening: its handler starts at once and its run is marked
 * running only if it outlives a short grace (`RunningMark`), which aborts it
 * when the attempt has closed meanwhile; otherwise its answer records the
 * execution. A `callback` component
 * posts the work to its external service and stays in flight until the
 * service answers or its deadline job fails the attempt; a `fanout` creates
 * its children and stays in flight until they settle.
 *
 * Handler errors become failure answers; only infrastructure errors (the
 * database unreachable) escape, so the queue runs the job again.
 */

export const DEFAULT_WORKER_ID = `${hostname()}:${process.pid}`;
export const CALLBACK_POST_TIMEOUT_MS = 10000;

/** What a worker reads and writes beside the engine's completion path. */
export type RunnerStore = Attempts & SnapshotReads & TaskRecords & RunOutputs & AssetLedger;

export interface RunnerOptions {
  engine: Pick<Engine, 'answer' | 'submitChildren'>;
  flows: FlowLookup;
  store: RunnerStore;
  /** Where a callback attempt's deadline job goes. */
  queue: Pick<DispatchQueue, 'dispatch'>;
  registry: HandlerRegistry;
  services?: EngineServices;
  workerId?: string;
  /** Aborts running handlers when the worker shuts down. */
  shutdown?: AbortSignal;
}

export type RunOutcome = 'answered' | 'dropped' | 'waiting';

export async function runComponentJob(job: ComponentJob, opts: RunnerOptions): Promise<RunOutcome> {
  if (job.handler === InternalQueue.deadline) return runDeadline(job, opts);
  const { engine, registry, store } = opts;
  const flow = await opts.flows.byHashOrThrow(job.flowHash);
  const component = flow.byName.get(job.component);
  if (!component) return 'dropped';
  const worker = opts.workerId ?? DEFAULT_WORKER_ID;
  const cache = opts.services?.assets;
  const plain = job.handler !== InternalQueue.fanout && job.handler !== InternalQueue.callback;
  const cacheVersion = plain ? registry.optionsOf(component.handler).cache?.version : undefined;

  // A handler whose output is not cached opens its attempt and reads its inputs in one step; the others look
  // for a cached output (or start a service call or fan-out) before they open the attempt.
  // A job that carries its inputs reads nothing: its handler starts at once, and its run is marked running
  // only if it takes a while (see `RunningMark`).
  let read: { input: unknown; deps: Record<string, unknown> } | undefined;
  let task: TaskRecord | undefined;
  let opened = false;
  const carried = plain && !(cache && cacheVersion !== undefined) && job.inputs !== undefined;
  if (carried) {
    read = job.inputs!;
  } else if (plain && !(cache && cacheVersion !== undefined)) {
    read = await store.startAttempt(job.taskId, job.component, job.attempt, worker, component.depends);
    if (!read) return 'dropped';
    opened = true;
  } else {
    task = await store.getTask(job.taskId);
    // An attempt that was answered, superseded or cancelled is dropped unrun.
    if (!task || task.attempts[job.component] !== job.attempt || (task.inFlight & component.successBit) === 0n) return 'dropped';
    read = { input: task.input, deps: await store.outputsOf(job.taskId, component.depends) };
  }
  const { input, deps } = read;
  const inputs = byRole(component.inputs, deps);
  const open = async () => opened || store.startRun(job.taskId, job.component, job.attempt, worker);

  const base = { taskId: job.taskId, component: job.component, attempt: job.attempt };
  const assetsMade: AssetRecord[] = [];
  const recordAsset: HandlerContext['recordAsset'] = (a) =>
    assetsMade.push({ taskId: job.taskId, component: job.component, scene: a.scene ?? sceneOf(input), kind: a.kind, provider: a.provider,
      hash: a.hash, path: a.path, bytes: a.bytes, latencyMs: Math.round(a.latencyMs), costUsd: a.costUsd ?? null, reused: a.reused ?? false,
      ...(a.inputs ? { inputs: a.inputs } : {}), ...(a.stage ? { stage: a.stage } : {}), ...(a.scores ? { scores: a.scores } : {}) });
  const timeout = new AbortController();
  const signal = opts.shutdown ? AbortSignal.any([timeout.signal, opts.shutdown]) : timeout.signal;
  let timer: NodeJS.Timeout | undefined;
  let answer: Answer;
  let runStarted: number | undefined;
  let mark: RunningMark | undefined;
  const startedAtMs = Date.now();
  try {
    if (job.handler === InternalQueue.fanout) {
      const services = requireServices(opts, job.component);
      const key = cache && cacheKey(['fanout', services.resolveFlow(component.fanOut!.flow).hash, component.fanOut, input, deps]);
      const hit = key ? await cache.cached(key) : undefined;
      if (hit !== undefined) {
        await engine.answer({ ...base, ok: true, output: hit, cached: true });
        return 'answered';
      }
      if (!(await open())) return 'dropped';
      await startFanOut(engine, services, task!, component, job.attempt, input, deps, inputs, key);
      return 'waiting';
    }
    if (job.handler === InternalQueue.callback) {
      if (!(await open())) return 'dropped';
      await postToService(job, opts, requireServices(opts, job.component), { input, params: component.params, deps, inputs, timeoutMs: component.timeoutMs });
      return 'waiting';
    }
    const handler = registry.get(component.handler);
    // A handler that declares the roles it consumes reads nothing else, so its key holds its inputs by role: renaming a
    // component keeps the cache. One that declares only what it produces (or its params) still reads its dependencies.
    const keyed = registry.optionsOf(component.handler).consumes !== undefined ? inputs : deps;
    const context = cache && cacheVersion !== undefined ? await registry.optionsOf(component.handler).cache?.context?.() : undefined;
    const key = cache && cacheVersion !== undefined
      ? cacheKey([component.handler, cacheVersion, component.params, input, keyed, ...(context === undefined ? [] : [context])])
      : undefined;
    if (key) {
      const hit = await cache!.cachedEntry<AssetRecord>(key);
      if (hit !== undefined) {
        metrics.cacheHits.inc();
        // The task's ledger lists what it uses even when another task made it: an asset graph needs the ids.
        if (hit.assets.length > 0) {
          await store.recordAssets(hit.assets.map((a) => ({ ...a, taskId: job.taskId, component: job.component, scene: a.scene ?? sceneOf(input), reused: true })));
        }
        await engine.answer({ ...base, ok: true, output: hit.output, cached: true });
        return 'answered';
      }
    }
    if (carried) {
      mark = new RunningMark(
        () => store.startRun(job.taskId, job.component, job.attempt, worker),
        () => timeout.abort(new AttemptClosedError(job.taskId, job.component, job.attempt)),
      );
    } else if (!(await open())) return 'dropped';
    if (job.dispatchedAt !== undefined && job.delayMs === 0) metrics.dispatchLatency.observe((Date.now() - job.dispatchedAt) / 1000);
    runStarted = performance.now();
    const work = handler({ ...base, input, params: component.params, inputs, deps, signal, recordAsset });
    const limit = component.timeoutMs;
    const output =
      limit === undefined
        ? await work
        : await Promise.race([
            work,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => {
                const err = new AttemptTimeoutError(job.component, job.attempt, limit);
                timeout.abort(err);
                reject(err);
              }, limit);
            }),
          ]);
    answer = { ...base, ok: true, output: output ?? null };
    metrics.componentDuration.observe({ flow: flow.name, component: component.name, outcome: 'succeeded' }, (performance.now() - runStarted) / 1000);
    if (key) await cache!.remember(key, answer.output, assetsMade);
  } catch (e) {
    if (opts.shutdown?.aborted || isRetryableDbError(e)) mark?.cancel();
    if (opts.shutdown?.aborted) throw e; // handed back to the queue: the job runs again elsewhere
    if (isRetryableDbError(e)) throw e; // the store was unreachable: the queue runs the job again; not the handler's failure
    answer = { ...base, ok: false, error: toAnswerError(e) };
    if (runStarted !== undefined) metrics.componentDuration.observe({ flow: flow.name, component: component.name, outcome: 'failed' }, (performance.now() - runStarted) / 1000);
  } finally {
    if (timer) clearTimeout(timer);
  }
  if (mark) {
    const marked = await mark.settle();
    if (marked === false) return 'dropped';
    if (marked === undefined) answer = { ...answer, execution: { worker, startedAtMs } };
  }
  if (assetsMade.length > 0) await store.recordAssets(assetsMade);
  await engine.answer(answer);
  return 'answered';
}

/** The scene a fan-out child works on, from its input. */
function sceneOf(input: unknown): number | null {
  const index = (input as { index?: unknown } | null)?.index;
  return typeof index === 'number' ? index : null;
}

/** The outputs of the components bound to roles, by role; a role whose provider gave nothing (skipped) is left out. */
function byRole(bindings: Readonly<Record<string, string>>, deps: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const [role, name] of Object.entries(bindings)) if (deps[name] !== undefined) inputs[role] = deps[name];
  return inputs;
}

/** A component's inputs, hashed: what its cached output is filed under. */
export function cacheKey(parts: unknown[]): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

function requireServices(opts: RunnerOptions, component: string): EngineServices {
  if (!opts.services) throw new ComponentSetupError(component, 'no-engine-services', 'this process was started without engine services (callbacks, fan-out)');
  return opts.services;
}

/** The external service refused the work; whether to post again follows its status, as for any provider. */
export class CallbackServiceError extends SlotflowError {
  override name = 'CallbackServiceError';
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`the service at ${url} answered ${status}`, { code: 'callback-service-refused', retryable: isRetryableStatus(status) });
  }
}

/**
 * Posts the work to the external service with a signed callback URL, then schedules the attempt's deadline.
 * `params.protocol` says what is posted: slotflow's own job body (default, `answer`), or, for `prediction`, a
 * prediction submit (`{ model?, version?, input, webhook, webhook_events_filter: ["completed"] }`, the input being
 * `params.input` with the component's inputs by role over it), whose webhooks the callback route reads.
 */
async function postToService(
  job: ComponentJob,
  opts: RunnerOptions,
  services: EngineServices,
  work: {
    input: unknown; params: Readonly<Record<string, unknown>>; deps: Readonly<Record<string, unknown>>; inputs: Readonly<Record<string, unknown>>;
    timeoutMs: number | undefined;
  },
): Promise<void> {
  const target = work.params.url;
  if (typeof target !== 'string' || target === '') {
    throw new ComponentSetupError(job.component, 'callback-url-missing', `callback component ${job.component} needs params.url`);
  }
  const protocol = work.params.protocol ?? CallbackProtocol.answer;
  if (protocol !== CallbackProtocol.answer && protocol !== CallbackProtocol.prediction) {
    throw new ComponentSetupError(job.component, 'callback-protocol-unknown', `callback component ${job.component}: params.protocol must be "answer" or "prediction"`);
  }
  const url = new URL(target, services.servicesUrl).toString();
  const timeoutMs = work.timeoutMs ?? services.callbackTimeoutMs;
  // By the shared clock (server-clock.ts): the API that checks the token and the worker that runs the deadline may be
  // other hosts, with other clocks.
  const deadline = (await services.clock.now()) + timeoutMs;
  const claims = { t: job.taskId, c: job.component, a: job.attempt, e: deadline + services.tokenGraceMs };
  const token = signToken(protocol === CallbackProtocol.prediction ? { ...claims, p: protocol } : claims, services.callbackSecret);
  const callbackUrl = `${services.publicUrl.replace(/\/$/, '')}/v1/callbacks/${token}`;
  const body = protocol === CallbackProtocol.prediction
    ? predictionSubmit(work.params, work.inputs, callbackUrl)
    : {
        task_id: job.taskId, component: job.component, attempt: job.attempt, input: work.input, params: work.params, deps: work.deps,
        callback_url: callbackUrl, deadline: new Date(deadline).toISOString(),
      };
  // The deadline goes first: if the post or this process fails after it, the attempt still ends.
  await opts.queue.dispatch([{ ...job, handler: InternalQueue.deadline, queue: CALLBACKS_QUEUE_FAMILY, delayMs: timeoutMs, deadlineAt: deadline }]);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(CALLBACK_POST_TIMEOUT_MS),
  });
  await response.body?.cancel();
  if (!response.ok) throw new CallbackServiceError(url, response.status);
}

/** A deadline job taken early (by a worker whose clock runs ahead) whose wait a shutdown cut short: the queue runs it again. */
export class DeadlineInterruptedError extends SlotflowError {
  override name = 'DeadlineInterruptedError';
  constructor(
    readonly component: string,
    readonly attempt: number,
  ) {
    super(`the deadline of ${component} attempt ${attempt} was not yet due when the worker shut down`, { code: 'deadline-interrupted', retryable: true });
  }
}

/** A prediction submit whose webhook is the attempt's callback URL; only the completed prediction is asked for. */
function predictionSubmit(params: Readonly<Record<string, unknown>>, inputs: Readonly<Record<string, unknown>>, webhook: string): Record<string, unknown> {
  const fixed = params.input !== null && typeof params.input === 'object' && !Array.isArray(params.input) ? params.input : {};
  return {
    ...(typeof params.model === 'string' ? { model: params.model } : {}),
    ...(typeof params.version === 'string' ? { version: params.version } : {}),
    input: { ...fixed, ...inputs },
    webhook,
    webhook_events_filter: ['completed'],
  };
}

/** A callback attempt's deadline: fail it if it is still waiting; otherwise nothing happened and nothing is recorded. */
async function runDeadline(job: ComponentJob, opts: RunnerOptions): Promise<RunOutcome> {
  const { engine } = opts;
  const snap = await opts.store.readTask(job.taskId);
  if (!snap || snap.attempts[job.component] !== job.attempt) return 'dropped';
  const flow = await opts.flows.byHashOrThrow(snap.flowHash);
  const c = flow.byName.get(job.component);
  if (!c || (snap.inFlight & c.successBit) === 0n || (snap.word & c.bits) !== 0n) return 'dropped';
  const timeoutMs = c.timeoutMs ?? job.delayMs;
  // BullMQ promotes a delayed job by the clock of the worker that fetches it: one whose clock runs ahead takes it
  // early by its skew. The deadline is judged by the shared clock; an early job waits out the rest here.
  const early = job.deadlineAt === undefined || !opts.services ? 0 : job.deadlineAt - (await opts.services.clock.now());
  if (early > 0) {
    await sleep(early, undefined, { signal: opts.shutdown }).catch(() => undefined);
    if (opts.shutdown?.aborted) throw new DeadlineInterruptedError(job.component, job.attempt);
    return runDeadline({ ...job, deadlineAt: undefined }, opts);
  }
  await engine.answer({
    taskId: job.taskId, component: job.component, attempt: job.attempt, ok: false,
    error: toAnswerError(new AttemptTimeoutError(job.component, job.attempt, timeoutMs)),
  });
  return 'answered';
}

/** A handler's error as the engine records it; whether it is retried is the error's own `retryable`, nothing else. */
export function toAnswerError(e: unknown): AnswerError {
  const retryable = isRetryable(e);
  if (e instanceof Error) {
    const code = codeOf(e);
    const retryAfterMs = (e as { retryAfterMs?: unknown }).retryAfterMs;
    return {
      name: e.name,
      message: e.message,
      ...(code !== undefined ? { code } : {}),
      retryable,
      ...(retryable && typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs > 0 ? { retryAfterMs } : {}),
    };
  }
  return { name: 'Error', message: String(e), retryable };
}
