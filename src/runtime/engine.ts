import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CompiledFlow } from '../core/flow/compile.ts';
import { type Answer, planAnswer, planCancel, planDispatch, planResume, type Rejection, RejectReason, type TaskWrite } from '../core/engine/transitions.ts';
import type { TaskSnapshot } from '../core/engine/task.ts';
import { componentOf, initialWord } from '../core/word.ts';
import { FlowCatalog } from './flow-catalog.ts';
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

export class UnknownTaskError extends Error {
  override name = 'UnknownTaskError';
  constructor(readonly taskId: string) {
    super(`no task ${taskId}`);
  }
}

export interface SubmitRequest {
  flow: CompiledFlow;
  input: unknown;
  idempotencyKey?: string | null;
  parentId?: string | null;
  parentComponent?: string | null;
  sceneIndex?: number | null;
  callbackUrl?: string | null;
}

export interface EngineDeps {
  store: TaskStore;
  queue: DispatchQueue;
  locks: LockManager;
  jitter?: () => number;
}

export type MutateResult = TaskWrite | Rejection | undefined;

export function lockKey(taskId: string): string {
  return `task:${taskId}`;
}

export class Engine {
  readonly flows: FlowCatalog;
  readonly store: TaskStore;
  readonly queue: DispatchQueue;
  private readonly locks: LockManager;
  private readonly jitter: () => number;

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
      parentId: req.parentId ?? null,
      parentComponent: req.parentComponent ?? null,
      sceneIndex: req.sceneIndex ?? null,
      callbackUrl: req.callbackUrl ?? null,
    });
    if (created.created) await this.queue.requestSchedule(created.id);
    return created;
  }

  /** A scheduling pass: dispatch what is runnable, settle the task when nothing is. */
  async schedule(taskId: string): Promise<MutateResult> {
    return this.mutate(taskId, (flow, snap) => planDispatch(flow, snap));
  }

  /** The one completion path for every answer, from a worker or from a callback. */
  async answer(answer: Answer): Promise<MutateResult> {
    const result = await this.mutate(answer.taskId, (flow, snap) => planAnswer(flow, snap, answer, this.jitter));
    if (result && 'rejected' in result) {
      await this.store.recordRejection(answer.taskId, answer.component, answer.attempt, result.rejected);
    }
    return result;
  }

  async resume(taskId: string, from: string): Promise<MutateResult> {
    return this.mutate(taskId, (flow, snap) => planResume(flow, snap, componentOf(flow, from)));
  }

  async cancel(taskId: string): Promise<MutateResult> {
    return this.mutate(taskId, (_flow, snap) => planCancel(snap));
  }

  async readTask(taskId: string): Promise<{ snap: TaskSnapshot; flow: CompiledFlow } | undefined> {
    const snap = await this.store.readTask(taskId);
    if (!snap) return undefined;
    return { snap, flow: await this.flows.byHashOrThrow(snap.flowHash) };
  }

  private async mutate(taskId: string, plan: (flow: CompiledFlow, snap: TaskSnapshot) => MutateResult): Promise<MutateResult> {
    const result = await this.locks.withLock(lockKey(taskId), async () => {
      for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
        const snap = await this.store.readTask(taskId);
        if (!snap) return { rejected: RejectReason.unknownTask } satisfies Rejection;
        const flow = await this.flows.byHashOrThrow(snap.flowHash);
        const planned = plan(flow, snap);
        if (!planned || 'rejected' in planned) return planned;
        if (await this.store.applyWrite(planned)) return planned;
        // Lost the race (only possible when a lock expired): back off at random so racers spread out.
        await sleep(this.jitter() * Math.min(2 ** i, CAS_BACKOFF_MAX_MS));
      }
      throw new CasExhaustedError(taskId);
    });
    if (result && !('rejected' in result) && result.starts.length > 0) await this.queue.dispatch(result.starts);
    return result;
  }

}
