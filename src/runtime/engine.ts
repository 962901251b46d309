import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CompiledComponent, CompiledFlow } from '../core/flow/compile.ts';
import {
  type Answer, planAnswer, planCancel, planDispatch, planResume, planResumeFanOut, planRestart, type Rejection, RejectReason,
  type TaskWrite,
} from '../core/engine/transitions.ts';
import { isTerminal, needsJob, TaskPhase, type TaskSnapshot } from '../core/engine/task.ts';
import { componentOf, initialWord } from '../core/word.ts';
import { FlowCatalog } from './flow-catalog.ts';
import { metrics } from './metrics.ts';
import type { CreatedTask, DispatchQueue, LockManager, TaskStore } from './ports.ts';

/**
 * The engine: every change to a task goes through `mutate`, which takes the
 * task's lock, reads the row, plans the change with the pure transitions and
 * applies it as one compare-and-swap on the row version. The lock saves
 * wasted work; the compare-and-swap is what keeps the word right when a lock
 * expired during a pause. After the write commits, the attempts it opened are
 * dispatched in one bulk add; a crash in between leaves claimed work with no
 * job, which the sweeper finds and dispatches again.
 *
 * A completion claims the dependents it made runnable in the same write, and
 * settles the task when nothing is left, which is all a scheduling pass would
 * do; so a successful completion needs no pass of its own.
 *
 * Fan-out children report to their parent: when a child settles, the
 * parent's fan-out component is answered once every child of its attempt has
 * completed (success) or as soon as one has failed for good (failure).
 */

export const MAX_CAS_ATTEMPTS = 100;
/** Upper bound of the random pause after a lost compare-and-swap; it doubles up to this. */
export const CAS_BACKOFF_MAX_MS = 50;

export class CasExhaustedError extends Error {
  override name = 'CasExhaustedError';
  constructor(readonly taskId: string) {
    super(`task ${taskId}: the row kept changing under ${MAX_CAS_ATTEMPTS} consecutive writes`);
  }
}

/** A control request (resume, approve, cancel) that does not fit the task's state. */
export class TaskStateError extends Error {
  override name = 'TaskStateError';
  constructor(
    readonly taskId: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SubmitRequest {
  flow: CompiledFlow;
  input: unknown;
  idempotencyKey?: string | null;
  callbackUrl?: string | null;
}

export interface EngineDeps {
  store: TaskStore;
  queue: DispatchQueue;
  locks: LockManager;
  jitter?: () => number;
}

/** Where a finished fan-out's output is filed, so the same inputs skip the children next time. */
export interface FanOutCache {
  remember(key: string, output: unknown): Promise<void>;
}

export type MutateResult = TaskWrite | Rejection | undefined;

export interface Decision {
  approved: boolean;
  reason?: string;
}

export function lockKey(taskId: string): string {
  return `task:${taskId}`;
}

export class Engine {
  readonly flows: FlowCatalog;
  readonly store: TaskStore;
  readonly queue: DispatchQueue;
  private readonly locks: LockManager;
  private readonly jitter: () => number;
  fanOutCache: FanOutCache | undefined;

  constructor(deps: EngineDeps) {
    this.store = deps.store;
    this.queue = deps.queue;
    this.locks = deps.locks;
    this.jitter = deps.jitter ?? Math.random;
    this.flows = new FlowCatalog(deps.store);
  }

  /** Creates the task (or finds it by idempotency key) and asks for its first scheduling pass. */
  async submit(req: SubmitRequest): Promise<CreatedTask> {
    const flow = await this.flows.register(req.flow);
    const created = await this.store.createTask({
      id: randomUUID(),
      flow,
      word: initialWord(flow, req.input),
      input: req.input,
      idempotencyKey: req.idempotencyKey ?? null,
      parentId: null,
      parentComponent: null,
      parentAttempt: null,
      sceneIndex: null,
      callbackUrl: req.callbackUrl ?? null,
    });
    if (created.created) await this.queue.requestSchedule(created.id);
    return created;
  }

  /** Creates one child task per item for a fan-out attempt (all or none) and schedules them. */
  async submitChildren(parent: TaskSnapshot, component: string, attempt: number, flow: CompiledFlow, inputs: readonly unknown[]): Promise<CreatedTask[]> {
    const registered = await this.flows.register(flow);
    const created = await this.store.createChildren(
      inputs.map((input, index) => ({
        id: randomUUID(),
        flow: registered,
        word: initialWord(registered, input),
        input,
        idempotencyKey: null,
        parentId: parent.id,
        parentComponent: component,
        parentAttempt: attempt,
        sceneIndex: index,
        callbackUrl: null,
      })),
    );
    for (const c of created) if (c.created) await this.queue.requestSchedule(c.id);
    return created;
  }

  /** A scheduling pass: dispatch what is runnable, settle the task when nothing is. */
  async schedule(taskId: string): Promise<MutateResult> {
    return this.mutate(taskId, (flow, snap) => planDispatch(flow, snap));
  }

  /** The one completion path for every answer: from a worker, a callback, an approval, a fan-out or a deadline. */
  async answer(answer: Answer): Promise<MutateResult> {
    const result = await this.mutate(answer.taskId, (flow, snap) => planAnswer(flow, snap, answer, this.jitter));
    if (result && 'rejected' in result) {
      metrics.answersRejected.inc({ reason: result.rejected });
      await this.store.recordRejection(answer.taskId, answer.component, answer.attempt, result.rejected);
    }
    return result;
  }

  /**
   * Clears `from` and its downstream closure and runs them again; upstream work
   * is kept. With `scene`, `from` must be a fan-out: only that child runs again.
   */
  async resume(taskId: string, from: string, scene?: number): Promise<MutateResult> {
    const current = await this.readTask(taskId);
    if (!current) throw new TaskStateError(taskId, 'unknown-task', `no task ${taskId}`);
    if (current.snap.phase === TaskPhase.cancelled) throw new TaskStateError(taskId, 'cancelled', `task ${taskId} is cancelled`);
    const component = componentOf(current.flow, from);
    if (scene === undefined) return this.mutate(taskId, (flow, snap) => planResume(flow, snap, componentOf(flow, from)));

    if (component.kind !== 'fanout') {
      throw new TaskStateError(taskId, 'not-fanout', `${from} is not a fan-out component, so it has no scenes`);
    }
    const attempt = current.snap.attempts[from];
    const child = attempt === undefined ? undefined : (await this.store.listChildren(taskId, from, attempt)).find((c) => c.sceneIndex === scene);
    if (!child) throw new TaskStateError(taskId, 'unknown-scene', `${from} has no scene ${scene} in its current attempt`);
    // The parent waits again first, so the child's answer finds it in flight.
    const parent = await this.mutate(taskId, (flow, snap) => planResumeFanOut(flow, snap, componentOf(flow, from), scene));
    await this.mutate(child.id, (flow, snap) => planRestart(flow, snap));
    return parent;
  }

  /** Stops dispatch, marks the task cancelled, and cancels its children. */
  async cancel(taskId: string): Promise<MutateResult> {
    const result = await this.mutate(taskId, (_flow, snap) => planCancel(snap));
    for (const child of await this.store.listChildren(taskId)) {
      if (!isTerminal(child.phase)) await this.cancel(child.id);
    }
    return result;
  }

  /** Answers an approval gate that is waiting: approval succeeds it, rejection fails it with the reason. */
  async decide(taskId: string, component: string, decision: Decision): Promise<MutateResult> {
    const current = await this.readTask(taskId);
    if (!current) throw new TaskStateError(taskId, 'unknown-task', `no task ${taskId}`);
    const gate: CompiledComponent = componentOf(current.flow, component);
    if (gate.kind !== 'approval') throw new TaskStateError(taskId, 'not-approval', `${component} is not an approval gate`);
    if ((current.snap.inFlight & gate.successBit) === 0n) {
      throw new TaskStateError(taskId, 'not-waiting', `${component} is not waiting for approval`);
    }
    const attempt = current.snap.attempts[component] ?? 1;
    const base = { taskId, component, attempt };
    return this.answer(
      decision.approved
        ? { ...base, ok: true, output: { approved: true, ...(decision.reason ? { reason: decision.reason } : {}) } }
        : { ...base, ok: false, error: { name: 'ApprovalRejected', message: decision.reason || 'rejected', code: 'EREJECTED', retryable: false } },
    );
  }

  async readTask(taskId: string): Promise<{ snap: TaskSnapshot; flow: CompiledFlow } | undefined> {
    const snap = await this.store.readTask(taskId);
    if (!snap) return undefined;
    return { snap, flow: await this.flows.byHashOrThrow(snap.flowHash) };
  }

  private async mutate(taskId: string, plan: (flow: CompiledFlow, snap: TaskSnapshot) => MutateResult): Promise<MutateResult> {
    let read: TaskSnapshot | undefined;
    const result = await this.locks.withLock(lockKey(taskId), async () => {
      for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
        read = await this.store.readTask(taskId);
        if (!read) return { rejected: RejectReason.unknownTask } satisfies Rejection;
        const flow = await this.flows.byHashOrThrow(read.flowHash);
        const planned = plan(flow, read);
        if (!planned || 'rejected' in planned) return planned;
        if (await this.store.applyWrite(planned)) return planned;
        // Lost the race (only possible when a lock expired): back off at random so racers spread out.
        await sleep(this.jitter() * Math.min(2 ** i, CAS_BACKOFF_MAX_MS));
      }
      throw new CasExhaustedError(taskId);
    });
    if (!result || 'rejected' in result) return result;
    const now = Date.now();
    const jobs = result.starts.filter(needsJob).map((j) => ({ ...j, dispatchedAt: now }));
    if (jobs.length > 0) await this.queue.dispatch(jobs);
    if (read?.parentId && isTerminal(result.phase) && !isTerminal(read.phase)) await this.childSettled(read);
    return result;
  }

  /** A fan-out child finished: answer the parent when the outcome of the whole fan-out is known. */
  private async childSettled(child: TaskSnapshot): Promise<void> {
    const { parentId, parentComponent, parentAttempt } = child;
    if (!parentId || !parentComponent || parentAttempt === null) return;
    const siblings = await this.store.listChildren(parentId, parentComponent, parentAttempt);
    const base = { taskId: parentId, component: parentComponent, attempt: parentAttempt };
    const broken = siblings.find((s) => s.phase === TaskPhase.failed || s.phase === TaskPhase.cancelled);
    if (broken) {
      await this.answer({
        ...base,
        ok: false,
        error: {
          name: 'FanOutChildFailed',
          message: `scene ${broken.sceneIndex} (task ${broken.id}) ${broken.phase}` + (broken.error ? `: ${broken.error.message}` : ''),
          code: 'ECHILD',
          retryable: false,
        },
      });
    } else if (siblings.every((s) => s.phase === TaskPhase.completed)) {
      // The output is the children's outputs, not their ids, so it is the same for the same inputs and can be cached.
      const childFlow = await this.flows.byHashOrThrow(child.flowHash);
      const names = childFlow.components.map((c) => c.name);
      const scenes = await Promise.all(siblings.map(async (s) => ({ index: s.sceneIndex, outputs: await this.store.outputsOf(s.id, names) })));
      const output = { scenes };
      const result = await this.answer({ ...base, ok: true, output });
      const key = ((await this.store.getTask(child.id))?.input as { parent?: { cache_key?: string } } | undefined)?.parent?.cache_key;
      if (result && !('rejected' in result) && key && this.fanOutCache) await this.fanOutCache.remember(key, output);
    }
  }
}
