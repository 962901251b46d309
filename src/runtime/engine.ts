import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CompiledComponent, CompiledFlow } from '../core/flow/compile.ts';
import {
  type Answer, planAnswers, planCancel, planDispatch, planResume, planResumeFanOut, planRestart, type Rejection, RejectReason,
  snapshotAfter, type TaskWrite,
} from '../core/engine/transitions.ts';
import { type ComponentJob, isTerminal, needsJob, TaskPhase, type TaskSnapshot, withInputs } from '../core/engine/task.ts';
import { componentOf, initialWord, taskStatus } from '../core/word.ts';
import { logFailedAttempt } from './failure-log.ts';
import { type HistoryLog, NO_HISTORY } from './history-log.ts';
import { metrics } from './metrics.ts';
import type { LockManager } from '../core/ports/locks.ts';
import type { DispatchQueue } from '../core/ports/queue.ts';
import type { CarriedReads, CreatedTask, NewTask, TaskState, WriteOutcome } from '../core/ports/task-state.ts';
import type { FlowRegistry } from '../core/ports/flow-versions.ts';
import type { TaskRecords } from '../core/ports/read-model.ts';
import type { Rejections } from '../core/ports/rejections.ts';
import { SlotflowError } from '../core/errors.ts';
import type { ReusedTasks } from '../core/ports/request-vectors.ts';
import { log } from '../log.ts';
import type { ReuseLookup } from './reuse/request-reuse.ts';

/**
 * The engine: every change to a task goes through `mutate`, which takes the
 * task's lock, reads the row, plans the change with the pure transitions and
 * applies it as one compare-and-swap on the row version. The lock saves
 * wasted work; the compare-and-swap is what keeps the word right when a lock
 * expired during a pause. After the write commits, the attempts it opened are
 * dispatched in one bulk add; a crash in between leaves claimed work with no
 * job, which the sweeper finds and dispatches again. A write that starts jobs
 * reads back, in its own round trip, the task's input and the outputs those
 * jobs depend on, and the jobs carry them: their workers read nothing first.
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
/** How many tasks' last written snapshots a process keeps to plan from without a read. */
export const SNAPSHOT_CACHE_SIZE = 10_000;
/** The most tasks one round of answers locks and writes together (a group-commit batch holds as many). */
export const ROUND_MAX_TASKS = 64;

/** Contention, not a fault of the task: the same write may go through when tried again. */
export class CasExhaustedError extends SlotflowError {
  override name = 'CasExhaustedError';
  constructor(readonly taskId: string) {
    super(`task ${taskId}: the row kept changing under ${MAX_CAS_ATTEMPTS} consecutive writes`, { code: 'cas-exhausted', retryable: true });
  }
}

export type TaskStateCode =
  | 'unknown-task' | 'cancelled' | 'not-fanout' | 'unknown-scene' | 'not-approval' | 'not-waiting' | 'task-busy' | 'unknown-take' | 'take-not-ready';

/** The state codes that say the thing asked for does not exist (404 on the API) rather than that it cannot be done now. */
export const MISSING_CODES: ReadonlySet<string> = new Set(['unknown-task', 'unknown-scene', 'unknown-take']);

/** A new take of a scene, or the choice of one: which take the scene's video uses now. */
export interface TakeResult {
  scene: number;
  take: number;
  /** The take's own task (a fan-out child). */
  taskId: string;
}

/** A control request (resume, approve, cancel) that does not fit the task's state. */
export class TaskStateError extends SlotflowError {
  override name = 'TaskStateError';
  constructor(
    readonly taskId: string,
    code: TaskStateCode,
    message: string,
  ) {
    super(message, { code });
  }
}

export interface SubmitRequest {
  flow: CompiledFlow;
  input: unknown;
  idempotencyKey?: string | null;
  callbackUrl?: string | null;
  /** Shown in lists: from the article, the prompt, or given. */
  title?: string | null;
}

/** What the engine writes and reads: the task rows and refused answers (flow versions go through `flows`). */
export type EngineStore = TaskState & TaskRecords & Rejections & ReusedTasks;

export interface EngineDeps {
  store: EngineStore;
  /** The flows tasks pin, built by the composition root over the same store. */
  flows: FlowRegistry;
  queue: DispatchQueue;
  locks: LockManager;
  jitter?: () => number;
  /** Near-duplicate reuse: a request like a completed one is answered with its video; none: every task runs. */
  reuse?: ReuseLookup;
  /** Every answer, refusal and applied write, for the chaos history checker; default none. */
  history?: HistoryLog;
}

/** Where a finished fan-out's output is filed, so the same inputs skip the children next time. */
export interface FanOutCache {
  remember(key: string, output: unknown): Promise<void>;
}

export type MutateResult = TaskWrite | Rejection | undefined;

/** A plan as applied under the task's lock: the snapshot it was made on, and what the write read back for its jobs. */
interface Locked<R> {
  planned: Planned<R>;
  base: TaskSnapshot;
  carried?: { flow: CompiledFlow; reads: CarriedReads };
}

/** What a plan writes (nothing: undefined) and what its caller is told. */
interface Planned<R> {
  write: TaskWrite | undefined;
  result: R;
}

interface WaitingAnswer {
  answer: Answer;
  resolve: (result: TaskWrite | Rejection) => void;
  reject: (e: unknown) => void;
}

export interface Decision {
  approved: boolean;
  reason?: string;
}

export function lockKey(taskId: string): string {
  return `task:${taskId}`;
}

/** What creates tasks: the command line, the HTTP layer, a render. */
export type TaskSubmission = Pick<Engine, 'submit'>;

/** What people do to a task that exists: run a part again, decide a gate, stop it. */
export type TaskControl = Pick<Engine, 'resume' | 'decide' | 'cancel' | 'regenerateScene' | 'chooseTake'>;

export class Engine {
  private readonly flows: FlowRegistry;
  private readonly store: EngineStore;
  private readonly queue: DispatchQueue;
  private readonly locks: LockManager;
  private readonly jitter: () => number;
  private readonly reuse: ReuseLookup | undefined;
  private readonly history: HistoryLog;
  fanOutCache: FanOutCache | undefined;
  private readonly known = new Map<string, TaskSnapshot>();
  /** Answers not yet in a round, by task (see `startRounds`). */
  private readonly waiting = new Map<string, WaitingAnswer[]>();
  /** Tasks whose round of answers is being applied or dispatched: their next answers wait for a later round. */
  private readonly inRound = new Set<string>();
  /** A round is taking its locks and writing: answers that arrive meanwhile go in the next one. */
  private gathering = false;

  constructor(deps: EngineDeps) {
    this.store = deps.store;
    this.queue = deps.queue;
    this.locks = deps.locks;
    this.jitter = deps.jitter ?? Math.random;
    this.flows = deps.flows;
    this.reuse = deps.reuse;
    this.history = deps.history ?? NO_HISTORY;
  }

  /**
   * Creates the task (or finds it by idempotency key). Its first scheduling pass is planned here and written
   * with it, so its first components are dispatched at once, without a pass of their own. A request like a
   * completed one (see `ReuseLookup`) is created completed instead, as a copy of that task's outcome.
   */
  async submit(req: SubmitRequest): Promise<CreatedTask> {
    const flow = await this.flows.register(req.flow);
    const task = newTask(flow, req.input, {
      idempotencyKey: req.idempotencyKey ?? null, parentId: null, parentComponent: null, parentAttempt: null, sceneIndex: null,
      take: 1, title: req.title ?? null, callbackUrl: req.callbackUrl ?? null,
    });
    const match = await this.reuse?.find(flow, req.input);
    if (match) {
      const reused = await this.store.createReusedTask(task, match);
      if (reused) {
        if (reused.created) metrics.tasksReused.inc();
        return reused;
      }
    }
    const created = await this.store.createTask(task);
    if (created.created) await this.begin([task]);
    return created;
  }

  /** Creates one child task per item for a fan-out attempt (all or none), each with its first pass, as `submit` does. */
  async submitChildren(parent: TaskSnapshot, component: string, attempt: number, flow: CompiledFlow, inputs: readonly unknown[]): Promise<CreatedTask[]> {
    const registered = await this.flows.register(flow);
    const children = inputs.map((input, index) => newTask(registered, input, {
      idempotencyKey: null, parentId: parent.id, parentComponent: component, parentAttempt: attempt, sceneIndex: index, take: 1, title: null, callbackUrl: null,
    }));
    const created = await this.store.createChildren(children);
    // Children that existed already (the fan-out job ran again) are running on their own.
    if (created.every((c) => c.created)) await this.begin(children);
    return created;
  }

  /**
   * Dispatches what new tasks' first passes claimed, in one bulk add, each job with the task's input (see
   * `withInputs`); a task created without a first pass gets a scheduling pass.
   */
  private async begin(created: readonly NewTask[]): Promise<void> {
    const now = Date.now();
    const jobs: ComponentJob[] = [];
    for (const task of created) {
      this.history.created(task.first ? snapshotAfter(task.snapshot, task.first) : task.snapshot);
      if (!task.first) {
        await this.queue.requestSchedule(task.id);
        continue;
      }
      this.remember(snapshotAfter(task.snapshot, task.first));
      // A first component has no dependency output to read (those before it were skipped): its input is all it needs.
      jobs.push(...task.first.starts.filter(needsJob).map((j) => withInputs({ ...j, dispatchedAt: now }, { input: task.input, deps: {} })));
    }
    if (jobs.length > 0) await this.queue.dispatch(jobs);
  }

  /** A scheduling pass: dispatch what is runnable, settle the task when nothing is. */
  async schedule(taskId: string): Promise<MutateResult> {
    return this.mutate(taskId, (flow, snap) => planDispatch(flow, snap));
  }

  /**
   * The one completion path for every answer: from a worker, a callback, an approval, a fan-out or a deadline.
   * Answers for one task that meet in this process are applied together (see `startRounds`); each caller
   * gets the write that applied its answer, or its own rejection.
   */
  async answer(answer: Answer): Promise<MutateResult> {
    this.history.answer(answer);
    const result = await new Promise<TaskWrite | Rejection>((resolve, reject) => {
      const round = this.waiting.get(answer.taskId);
      if (round) return void round.push({ answer, resolve, reject });
      this.waiting.set(answer.taskId, [{ answer, resolve, reject }]);
      this.startRounds();
    });
    logFailedAttempt(answer, result);
    if ('rejected' in result) {
      metrics.answersRejected.inc({ reason: result.rejected });
      this.history.refused(answer, result.rejected);
      await this.store.recordRejection(answer.taskId, answer.component, answer.attempt, result.rejected);
    }
    return result;
  }

  /**
   * Clears `from` and its downstream closure and runs them again; upstream work
   * is kept. With `scene`, `from` must be a fan-out: only that child runs again.
   * With `options` (already checked, see `resumeChanges`), they are set in the task's input first: handlers key
   * their cached outputs on the input, so what runs again is made anew with them.
   */
  async resume(taskId: string, from: string, scene?: number, options?: Readonly<Record<string, unknown>>): Promise<MutateResult> {
    const current = await this.readTask(taskId);
    if (!current) throw new TaskStateError(taskId, 'unknown-task', `no task ${taskId}`);
    if (current.snap.phase === TaskPhase.cancelled) throw new TaskStateError(taskId, 'cancelled', `task ${taskId} is cancelled`);
    const component = componentOf(current.flow, from);
    if (options && Object.keys(options).length > 0) await this.store.mergeTaskOptions(taskId, options);
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

  /**
   * A new take of one scene (`index` from 0): a child task beside the scene's earlier takes, with the chosen take's
   * edits and then `edits` over them, chosen at once; the fan-out waits for it and everything after the fan-out
   * runs again. The other scenes and everything upstream are kept. Only a task that has ended can be regenerated.
   */
  async regenerateScene(taskId: string, index: number, edits: Readonly<Record<string, unknown>>): Promise<TakeResult> {
    const { fanOut, attempt, takes } = await this.sceneTakes(taskId, index);
    const chosen = takes.find((t) => t.chosen) ?? takes[0]!;
    const base = chosen.input as { edits?: Record<string, unknown> };
    const take = Math.max(...takes.map((t) => t.take)) + 1;
    const childFlow = await this.flows.byHashOrThrow(chosen.flowHash);
    const child = newTask(childFlow, { ...base, take, edits: { ...base.edits, ...edits } }, {
      idempotencyKey: null, parentId: taskId, parentComponent: fanOut, parentAttempt: attempt, sceneIndex: index, take, title: null, callbackUrl: null,
    });
    const created = await this.store.createTask(child);
    // The parent waits again first, so the new take's answer finds it in flight, and no read sees it completed
    // with a take chosen that is not made yet.
    await this.mutate(taskId, (flow, snap) => planResumeFanOut(flow, snap, componentOf(flow, fanOut), index));
    await this.store.chooseTake(taskId, fanOut, attempt, index, take);
    if (created.created) await this.begin([child]);
    return { scene: index, take, taskId: created.id };
  }

  /** Makes a finished take the one its scene's video uses, and joins the video again (from cache when it was made before). */
  async chooseTake(taskId: string, index: number, take: number): Promise<TakeResult> {
    const { current, fanOut, attempt, takes } = await this.sceneTakes(taskId, index);
    const pick = takes.find((t) => t.take === take);
    if (!pick) throw new TaskStateError(taskId, 'unknown-take', `scene ${index + 1} has no take ${take}; it has ${takes.map((t) => t.take).join(', ')}`);
    if (pick.phase !== TaskPhase.completed) throw new TaskStateError(taskId, 'take-not-ready', `take ${take} of scene ${index + 1} is ${pick.phase}, not completed`);
    if (pick.chosen && current.phase === TaskPhase.completed) return { scene: index, take, taskId: pick.id };
    await this.mutate(taskId, (flow, snap) => planResumeFanOut(flow, snap, componentOf(flow, fanOut), index));
    await this.store.chooseTake(taskId, fanOut, attempt, index, take);
    const settled = await this.store.readTask(pick.id);
    if (settled) await this.childSettled(settled);
    return { scene: index, take, taskId: pick.id };
  }

  /** The takes of one scene of an ended task, with the fan-out they belong to; refuses a task that is busy or has no such scene. */
  private async sceneTakes(taskId: string, index: number) {
    const current = await this.store.readTask(taskId);
    if (!current) throw new TaskStateError(taskId, 'unknown-task', `no task ${taskId}`);
    if (current.phase === TaskPhase.cancelled) throw new TaskStateError(taskId, 'cancelled', `task ${taskId} is cancelled`);
    if (!isTerminal(current.phase)) throw new TaskStateError(taskId, 'task-busy', `task ${taskId} is ${current.phase}: wait until it has finished`);
    const flow = await this.flows.byHashOrThrow(current.flowHash);
    const fanOut = flow.components.find((c) => c.kind === 'fanout' && current.attempts[c.name] !== undefined);
    if (!fanOut) throw new TaskStateError(taskId, 'not-fanout', `task ${taskId} has no scenes`);
    const attempt = current.attempts[fanOut.name]!;
    const takes = (await this.store.listTakes(taskId, fanOut.name, attempt)).filter((t) => t.sceneIndex === index);
    if (takes.length === 0) throw new TaskStateError(taskId, 'unknown-scene', `task ${taskId} has no scene ${index + 1}`);
    return { current, fanOut: fanOut.name, attempt, takes };
  }

  /** Stops dispatch, marks the task cancelled, and cancels its children. */
  async cancel(taskId: string): Promise<MutateResult> {
    const result = await this.mutate(taskId, (flow, snap) => planCancel(snap, flow));
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
        : { ...base, ok: false, error: { name: 'ApprovalRejected', message: decision.reason || 'rejected', code: 'approval-rejected', retryable: false } },
    );
  }

  async readTask(taskId: string): Promise<{ snap: TaskSnapshot; flow: CompiledFlow } | undefined> {
    const snap = await this.store.readTask(taskId);
    if (!snap) return undefined;
    return { snap, flow: await this.flows.byHashOrThrow(snap.flowHash) };
  }

  private async mutate(taskId: string, plan: (flow: CompiledFlow, snap: TaskSnapshot) => MutateResult): Promise<MutateResult> {
    const done = await this.transition(taskId, (flow, snap) => {
      const result = plan(flow, snap);
      return { write: result && !('rejected' in result) ? result : undefined, result };
    });
    return done ? done.result : { rejected: RejectReason.unknownTask };
  }

  /**
   * Takes the task's lock, plans on the task as last known and applies the
   * plan as one compare-and-swap. The snapshot this process wrote last saves
   * the read; when another process has written since, the refused write
   * brings the current row back and the plan is made again on it. A plan that
   * writes nothing (a rejection, nothing to do) is only trusted on a row just
   * read, never on a remembered one. Undefined when there is no such task.
   */
  private async transition<R>(taskId: string, plan: (flow: CompiledFlow, snap: TaskSnapshot) => Planned<R>): Promise<Planned<R> | undefined> {
    return this.afterLock(await this.locks.withLock(lockKey(taskId), () => this.underLock(taskId, plan)));
  }

  /** What `transition` does holding the task's lock: plan, compare-and-swap, re-plan on a refusal. */
  private async underLock<R>(taskId: string, plan: (flow: CompiledFlow, snap: TaskSnapshot) => Planned<R>): Promise<Locked<R> | undefined> {
    let remembered = this.known.get(taskId);
    let current = remembered ?? (await this.store.readTask(taskId));
    for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
      if (!current) return undefined;
      const flow = await this.flows.byHashOrThrow(current.flowHash);
      const p = plan(flow, current);
      if (!p.write) {
        if (!remembered) return { planned: p, base: current };
        remembered = undefined;
        current = await this.store.readTask(taskId);
        continue;
      }
      let outcome: WriteOutcome;
      try {
        outcome = await this.store.applyWrite(p.write, carryFor(flow, p.write));
      } catch (e) {
        // Failed after its retries: whether one of them committed before its connection was lost is not known.
        this.history.unconfirmed(current, p.write);
        throw e;
      }
      if (outcome.applied) {
        this.history.applied(current, p.write);
        this.remember(snapshotAfter(current, p.write));
        return { planned: p, base: current, ...(outcome.carried ? { carried: { flow, reads: outcome.carried } } : {}) };
      }
      // Refused when sent again after its connection was lost: the first send may have committed it. The history
      // says so; the plan is made again on the current row as for any refusal.
      if (outcome.unconfirmed) this.history.unconfirmed(current, p.write);
      this.known.delete(taskId);
      current = outcome.current;
      // A remembered row that was out of date is no race; a row just read that moved is (only possible when a
      // lock expired): back off at random so racers spread out.
      if (!remembered) await sleep(this.jitter() * Math.min(2 ** i, CAS_BACKOFF_MAX_MS));
      remembered = undefined;
    }
    throw new CasExhaustedError(taskId);
  }

  /** What `transition` does once the lock is let go: dispatch what the write started, tell a parent, file for reuse. */
  private async afterLock<R>(locked: Locked<R> | undefined): Promise<Planned<R> | undefined> {
    if (!locked) return undefined;
    const { planned, base, carried } = locked;
    const write = planned.write;
    if (write) {
      const now = Date.now();
      const jobs = write.starts.filter(needsJob).map((j) => {
        const job = { ...j, dispatchedAt: now };
        if (!carried) return job;
        const { input, outputs } = carried.reads;
        const deps = Object.fromEntries(componentOf(carried.flow, j.component).depends.filter((d) => d in outputs).map((d) => [d, outputs[d]]));
        return withInputs(job, { input, deps });
      });
      // A task already running goes on before tasks that have not started.
      if (jobs.length > 0) await this.queue.dispatch(jobs, { ahead: base.phase === TaskPhase.running });
      if (base.parentId && isTerminal(write.phase) && !isTerminal(base.phase)) await this.childSettled(base);
      if (this.reuse && !base.parentId && write.phase === TaskPhase.completed && base.phase !== TaskPhase.completed) await this.fileForReuse(base.id);
    }
    return planned;
  }

  /** A completed task's request is filed for reuse; a failure costs later reuses only, never the task. */
  private async fileForReuse(taskId: string): Promise<void> {
    try {
      await this.reuse!.remember(taskId);
    } catch (e) {
      log.warn(`reuse: task ${taskId} completed but could not be filed for reuse: ${(e as Error).message}`);
    }
  }

  /** Keeps the task as this process last wrote it; finished tasks are forgotten (a resume reads them afresh). */
  private remember(snap: TaskSnapshot): void {
    this.known.delete(snap.id);
    if (isTerminal(snap.phase)) return;
    this.known.set(snap.id, snap);
    if (this.known.size > SNAPSHOT_CACHE_SIZE) this.known.delete(this.known.keys().next().value!);
  }

  /**
   * Applies the answers waiting, in arrival order, as one write per task per round. The tasks whose answers
   * are waiting when a round starts go together: their locks are taken in one call (`LockManager.tryWithLocks`)
   * and their writes are planned and sent at once, so group commit writes them in one batch; answers that
   * arrive meanwhile wait for the next round. A task whose previous round is still being dispatched waits too.
   * When one of the locks is held elsewhere (another process is writing that task), or the locks cannot be
   * taken together, each task of the round takes its own lock, waiting for it as long as `withLock` does, and
   * the next round does not wait for them.
   */
  private startRounds(): void {
    if (this.gathering) return;
    const ready = [...this.waiting.keys()].filter((id) => !this.inRound.has(id)).slice(0, ROUND_MAX_TASKS);
    if (ready.length === 0) return;
    this.gathering = true;
    const rounds = ready.map((taskId) => {
      const round = this.waiting.get(taskId)!;
      this.waiting.delete(taskId);
      this.inRound.add(taskId);
      return { taskId, round };
    });
    void this.runRounds(rounds).finally(() => {
      this.gathering = false;
      this.startRounds();
    });
  }

  private async runRounds(rounds: ReadonlyArray<{ taskId: string; round: WaitingAnswer[] }>): Promise<void> {
    const planFor = (round: readonly WaitingAnswer[]) => (flow: CompiledFlow, snap: TaskSnapshot): Planned<Array<TaskWrite | Rejection>> => {
      const planned = planAnswers(flow, snap, round.map((w) => w.answer), this.jitter);
      return { write: planned.write, result: planned.results };
    };
    const finish = async (taskId: string, round: readonly WaitingAnswer[], locked: () => Promise<Locked<Array<TaskWrite | Rejection>> | undefined>) => {
      try {
        const done = await this.afterLock(await locked());
        for (const [i, w] of round.entries()) w.resolve(done?.result[i] ?? { rejected: RejectReason.unknownTask });
      } catch (e) {
        for (const w of round) w.reject(e);
      } finally {
        this.inRound.delete(taskId);
        this.startRounds();
      }
    };
    const together = await this.locks.tryWithLocks?.(rounds.map((r) => lockKey(r.taskId)),
      () => Promise.allSettled(rounds.map((r) => this.underLock(r.taskId, planFor(r.round)))));
    if (together) {
      rounds.forEach((r, i) => {
        const settled = together.value[i]!;
        void finish(r.taskId, r.round, async () => {
          if (settled.status === 'rejected') throw settled.reason;
          return settled.value;
        });
      });
      return;
    }
    for (const r of rounds) void finish(r.taskId, r.round, () => this.locks.withLock(lockKey(r.taskId), () => this.underLock(r.taskId, planFor(r.round))));
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
          message: `scene ${broken.sceneIndex === null ? "?" : broken.sceneIndex + 1} (task ${broken.id}) ${broken.phase}` + (broken.error ? `: ${broken.error.message}` : ''),
          code: 'fan-out-child-failed',
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

/**
 * The dependencies whose outputs the jobs a write starts will read, so the write reads them back once committed
 * and the jobs carry them (`withInputs`); undefined when it starts no plain job.
 */
function carryFor(flow: CompiledFlow, write: TaskWrite): string[] | undefined {
  const jobs = write.starts.filter((j) => j.kind === 'job');
  if (jobs.length === 0) return undefined;
  return [...new Set(jobs.flatMap((j) => componentOf(flow, j.component).depends))];
}

type NewTaskFields = Pick<NewTask, 'idempotencyKey' | 'parentId' | 'parentComponent' | 'parentAttempt' | 'sceneIndex' | 'take' | 'title' | 'callbackUrl'>;

/**
 * A task to create, with its first scheduling pass planned on it. A pass that would end the task at once
 * (every slot skipped) is left to a scheduling pass, which also answers a fan-out parent.
 */
function newTask(flow: CompiledFlow, input: unknown, fields: NewTaskFields): NewTask {
  const id = randomUUID();
  const word = initialWord(flow, input);
  const snapshot: TaskSnapshot = {
    id, flowName: flow.name, flowHash: flow.hash, word, inFlight: 0n, version: 1, attempts: {}, phase: TaskPhase.queued,
    status: taskStatus(flow, word), error: null, parentId: fields.parentId, parentComponent: fields.parentComponent,
    parentAttempt: fields.parentAttempt, sceneIndex: fields.sceneIndex,
  };
  const first = planDispatch(flow, snapshot);
  return { id, flow, word, input, ...fields, snapshot, first: first && !isTerminal(first.phase) ? first : undefined };
}
