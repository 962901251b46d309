import type { CompiledComponent, CompiledFlow } from '../flow/compile.ts';
import { clearForResume, fail, hasFailed, isComplete, isPending, isSettled, runnable, succeed, taskStatus } from '../word.ts';
import { EventType, type LifecycleEvent } from './events.ts';
import { type ComponentJob, dispatchTarget, isTerminal, type TaskError, TaskPhase, type TaskSnapshot } from './task.ts';

/**
 * Every change to a task is planned here, as a pure function from a snapshot
 * to a `TaskWrite`, and then applied by a store as one compare-and-swap on the
 * snapshot's version. Planning never does I/O, so the same rules hold for the
 * MySQL and the embedded back end and can be tested without either.
 */

export const RunStatus = {
  queued: 'queued',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

export interface RunFinish {
  component: string;
  attempt: number;
  status: RunStatus;
  output?: unknown;
  error?: TaskError;
  /** The output was reused from an earlier run with the same inputs. */
  cached?: boolean;
  /** The execution, when it was never marked running (see `RunExecution`): the finish records it. */
  execution?: RunExecution;
}

/**
 * A handler that ran without its run row being marked running: a job that carried its inputs starts at once
 * and is marked only if it outlives a short grace, so a quick one is written once, at its end, with this.
 */
export interface RunExecution {
  worker: string;
  /** When the handler started, ms since the epoch. */
  startedAtMs: number;
}

export interface RunRef {
  component: string;
  attempt: number;
}

export interface TaskWrite {
  taskId: string;
  expectedVersion: number;
  word: bigint;
  inFlight: bigint;
  attempts: Record<string, number>;
  phase: TaskPhase;
  status: string;
  error: TaskError | null;
  /** The runs this write closes with their outcome: one per answer (several when answers to one task are coalesced). */
  finishes: RunFinish[];
  /** A closed run this write opens again, same attempt (a fan-out whose one child is resumed). */
  reopen?: RunRef;
  /**
   * Open runs this write abandons (a resume or restart cleared them while in flight): they are closed as
   * cancelled, so an open run always means a current attempt and a worker can trust the run row alone.
   */
  abandons: RunRef[];
  /** Runs this write opens; each becomes a queued job once the write commits. */
  starts: ComponentJob[];
  events: LifecycleEvent[];
}

export const RejectReason = {
  unknownTask: 'unknown-task',
  unknownComponent: 'unknown-component',
  cancelled: 'cancelled',
  stale: 'stale-attempt',
  duplicate: 'duplicate',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export interface Rejection {
  rejected: RejectReason;
}

export type Answer =
  | { taskId: string; component: string; attempt: number; ok: true; output: unknown; cached?: boolean; execution?: RunExecution }
  | { taskId: string; component: string; attempt: number; ok: false; error: AnswerError; execution?: RunExecution };

export interface AnswerError {
  name: string;
  message: string;
  code?: string;
  /** false for errors that retrying cannot fix. */
  retryable: boolean;
  /** The least wait before the next attempt that the failing side asked for (a provider's `Retry-After`). */
  retryAfterMs?: number;
}

export interface Jitter {
  /** A number in [0, 1). */
  (): number;
}

/** `backoff_ms` doubles each attempt; up to a fifth more at random spreads retries of many tasks apart. */
/** The longest a failure's own Retry-After may hold its next attempt: past it, the provider is taken to be down, and the flow's attempts decide. */
export const MAX_RETRY_AFTER_MS = 15 * 60 * 1000;

export function retryDelay(component: CompiledComponent, failedAttempt: number, jitter: Jitter): number {
  const base = component.backoffMs * 2 ** (failedAttempt - 1);
  return Math.round(base + base * 0.2 * jitter());
}

function startOf(flow: CompiledFlow, taskId: string, c: CompiledComponent, attempt: number, delayMs: number): ComponentJob {
  return { taskId, component: c.name, attempt, handler: dispatchTarget(c.kind, c.handler), queue: c.queue, kind: c.kind, flowHash: flow.hash, delayMs };
}

function baseWrite(snap: TaskSnapshot): TaskWrite {
  return {
    taskId: snap.id,
    expectedVersion: snap.version,
    word: snap.word,
    inFlight: snap.inFlight,
    attempts: { ...snap.attempts },
    phase: snap.phase,
    status: snap.status,
    error: snap.error,
    finishes: [],
    abandons: [],
    starts: [],
    events: [],
  };
}

/** The task as it reads after `write` commits (its version is the one the write produced). */
export function snapshotAfter(snap: TaskSnapshot, write: TaskWrite): TaskSnapshot {
  return {
    ...snap,
    word: write.word,
    inFlight: write.inFlight,
    attempts: write.attempts,
    phase: write.phase,
    status: write.status,
    error: write.error,
    version: write.expectedVersion + 1,
  };
}

/** The attempts in flight among `mask`'s components: the runs a write that clears them abandons. */
function inFlightRuns(flow: CompiledFlow, snap: TaskSnapshot, mask: bigint): RunRef[] {
  const runs: RunRef[] = [];
  for (const c of flow.components) {
    const attempt = snap.attempts[c.name];
    if ((c.successBit & mask & snap.inFlight) !== 0n && attempt !== undefined) runs.push({ component: c.name, attempt });
  }
  return runs;
}

/** Claims every runnable component into `write`, as new attempts with no delay. */
function claimRunnable(flow: CompiledFlow, write: TaskWrite): void {
  if (write.phase === TaskPhase.cancelled) return;
  for (const c of runnable(flow, write.word, write.inFlight)) {
    const attempt = (write.attempts[c.name] ?? 0) + 1;
    write.attempts[c.name] = attempt;
    write.inFlight |= c.successBit;
    write.starts.push(startOf(flow, write.taskId, c, attempt, 0));
  }
  if (write.starts.length > 0 && write.phase !== TaskPhase.running) {
    write.phase = TaskPhase.running;
    write.events.push({ type: EventType.started, slotWord: write.word.toString() });
  }
}

/** Ends the task when nothing can run or is running any more. */
function settle(flow: CompiledFlow, write: TaskWrite): void {
  if (write.phase === TaskPhase.cancelled) return;
  write.status = taskStatus(flow, write.word);
  if (!isSettled(flow, write.word, write.inFlight)) return;
  if (isComplete(flow, write.word)) {
    write.phase = TaskPhase.completed;
    write.events.push({ type: EventType.completed, slotWord: write.word.toString() });
  } else if (hasFailed(flow, write.word)) {
    write.phase = TaskPhase.failed;
    write.events.push({ type: EventType.failed, slotWord: write.word.toString(), data: { error: write.error } });
  }
}

/** A scheduling pass: claim what is runnable; settle when nothing is. Returns undefined when there is nothing to write. */
export function planDispatch(flow: CompiledFlow, snap: TaskSnapshot): TaskWrite | undefined {
  if (isTerminal(snap.phase)) return undefined;
  const write = baseWrite(snap);
  claimRunnable(flow, write);
  settle(flow, write);
  const changed = write.starts.length > 0 || write.phase !== snap.phase || write.status !== snap.status;
  return changed ? write : undefined;
}

/** Checks an answer against the snapshot: task, component and attempt must be current and the slot still pending. */
export function checkAnswer(flow: CompiledFlow, snap: TaskSnapshot, answer: Answer): Rejection | CompiledComponent {
  const c = flow.byName.get(answer.component);
  if (!c) return { rejected: RejectReason.unknownComponent };
  if (snap.phase === TaskPhase.cancelled) return { rejected: RejectReason.cancelled };
  const current = snap.attempts[c.name] ?? 0;
  if (answer.attempt < current) return { rejected: RejectReason.stale };
  if (answer.attempt !== current || !isPending(snap.word, c) || (snap.inFlight & c.successBit) === 0n) {
    return { rejected: RejectReason.duplicate };
  }
  return c;
}

/**
 * An answer flips the component's slot and, in the same write, claims the
 * dependents it made runnable, so they are dispatched without a separate
 * scheduling pass. A retryable failure with attempts left keeps the slot
 * pending and in flight, and opens the next attempt after its backoff.
 */
export function planAnswer(flow: CompiledFlow, snap: TaskSnapshot, answer: Answer, jitter: Jitter): TaskWrite | Rejection {
  const checked = checkAnswer(flow, snap, answer);
  if ('rejected' in checked) return checked;
  const c = checked;
  const write = baseWrite(snap);

  if (answer.ok) {
    write.word = succeed(write.word, c);
    write.inFlight &= ~c.successBit;
    write.finishes.push({ component: c.name, attempt: answer.attempt, status: RunStatus.succeeded, output: answer.output, ...(answer.cached ? { cached: true } : {}),
      ...(answer.execution ? { execution: answer.execution } : {}) });
    write.events.push({ type: EventType.componentSucceeded, slotWord: write.word.toString(), component: c.name, attempt: answer.attempt });
    claimRunnable(flow, write);
    settle(flow, write);
    return write;
  }

  const error: TaskError = {
    component: c.name,
    attempt: answer.attempt,
    name: answer.error.name,
    message: answer.error.message,
    ...(answer.error.code !== undefined ? { code: answer.error.code } : {}),
  };
  write.finishes.push({ component: c.name, attempt: answer.attempt, status: RunStatus.failed, error, ...(answer.execution ? { execution: answer.execution } : {}) });
  if (answer.error.retryable && answer.attempt < c.attempts) {
    const next = answer.attempt + 1;
    write.attempts[c.name] = next;
    // The flow's backoff, unless the failing side asked for a longer pause.
    const delayMs = Math.max(retryDelay(c, answer.attempt, jitter), Math.min(answer.error.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
    write.starts.push(startOf(flow, snap.id, c, next, delayMs));
    write.events.push({
      type: EventType.progress,
      slotWord: write.word.toString(),
      component: c.name,
      attempt: answer.attempt,
      data: { retry: { next, delay_ms: delayMs }, error },
    });
    return write;
  }
  write.word = fail(write.word, c);
  write.inFlight &= ~c.successBit;
  write.error = error;
  write.events.push({ type: EventType.componentFailed, slotWord: write.word.toString(), component: c.name, attempt: answer.attempt, data: { error } });
  settle(flow, write);
  return write;
}

export interface CoalescedAnswers {
  /** One write for all the accepted answers, or undefined when every answer was rejected. */
  write: TaskWrite | undefined;
  /** Per answer, in order: the combined write when it was accepted, its rejection otherwise. */
  results: Array<TaskWrite | Rejection>;
}

/**
 * Several answers for one task planned as one write: each is planned on the
 * state the ones before it leave, exactly as if they had been applied one
 * after another, and the writes are joined (every run closed, every start
 * and event kept in order). One compare-and-swap then applies them all.
 */
export function planAnswers(flow: CompiledFlow, snap: TaskSnapshot, answers: readonly Answer[], jitter: Jitter): CoalescedAnswers {
  let joined: TaskWrite | undefined;
  const outcomes: Array<TaskWrite | Rejection> = [];
  for (const answer of answers) {
    const planned = planAnswer(flow, joined ? snapshotAfterPlanned(snap, joined) : snap, answer, jitter);
    if ('rejected' in planned) {
      outcomes.push(planned);
      continue;
    }
    joined = joined ? joinWrites(joined, planned) : planned;
    outcomes.push(planned);
  }
  return { write: joined, results: outcomes.map((o) => ('rejected' in o ? o : joined!)) };
}

/** The state a planned (not yet applied) write leaves, still at the version it expects. */
function snapshotAfterPlanned(snap: TaskSnapshot, write: TaskWrite): TaskSnapshot {
  return { ...snapshotAfter(snap, write), version: write.expectedVersion };
}

function joinWrites(first: TaskWrite, next: TaskWrite): TaskWrite {
  return {
    ...next,
    expectedVersion: first.expectedVersion,
    finishes: [...first.finishes, ...next.finishes],
    abandons: [...first.abandons, ...next.abandons],
    starts: [...first.starts, ...next.starts],
    events: [...first.events, ...next.events],
  };
}

/** Clears `from` and its downstream closure and claims what is then runnable; upstream slots and outputs are kept. */
export function planResume(flow: CompiledFlow, snap: TaskSnapshot, from: CompiledComponent): TaskWrite {
  const write = baseWrite(snap);
  const cleared = from.resumeMask;
  write.word = clearForResume(write.word, from);
  // Work in flight inside the closure is abandoned: a later claim opens a new attempt, so its answers are stale.
  write.abandons = inFlightRuns(flow, snap, cleared);
  write.inFlight &= ~cleared;
  if (write.error && (cleared & flow.byName.get(write.error.component)!.bits) !== 0n) write.error = null;
  write.phase = hasFailed(flow, write.word) ? write.phase : TaskPhase.queued;
  write.events.push({ type: EventType.progress, slotWord: write.word.toString(), component: from.name, data: { resumed: [from.name, ...from.downstream] } });
  claimRunnable(flow, write);
  settle(flow, write);
  return write;
}

/**
 * Resumes one fan-out child: the fan-out component and its downstream go back
 * to pending, the fan-out stays in flight on its current attempt (its other
 * children are kept) and answers again when the resumed child settles.
 */
export function planResumeFanOut(flow: CompiledFlow, snap: TaskSnapshot, fanOut: CompiledComponent, scene: number): TaskWrite | Rejection {
  const attempt = snap.attempts[fanOut.name];
  if (fanOut.kind !== 'fanout' || attempt === undefined) return { rejected: RejectReason.unknownComponent };
  const write = baseWrite(snap);
  write.word = clearForResume(write.word, fanOut);
  write.abandons = inFlightRuns(flow, snap, fanOut.resumeMask & ~fanOut.successBit);
  write.inFlight = (write.inFlight & ~fanOut.resumeMask) | fanOut.successBit;
  write.reopen = { component: fanOut.name, attempt };
  if (write.error && (fanOut.resumeMask & flow.byName.get(write.error.component)!.bits) !== 0n) write.error = null;
  write.phase = TaskPhase.running;
  write.status = taskStatus(flow, write.word);
  write.events.push({ type: EventType.progress, slotWord: write.word.toString(), component: fanOut.name, attempt, data: { resumed_scene: scene } });
  return write;
}

/** Runs a whole task again (a resumed fan-out child): every slot that is not skipped goes back to pending. */
export function planRestart(flow: CompiledFlow, snap: TaskSnapshot): TaskWrite {
  const write = baseWrite(snap);
  let kept = 0n;
  for (const c of flow.components) if ((write.word & c.bits) === c.bits) kept |= c.bits;
  write.word &= kept;
  write.abandons = inFlightRuns(flow, snap, snap.inFlight);
  write.inFlight = 0n;
  write.error = null;
  write.phase = TaskPhase.queued;
  write.events.push({ type: EventType.progress, slotWord: write.word.toString(), data: { restarted: true } });
  claimRunnable(flow, write);
  settle(flow, write);
  return write;
}

/**
 * Stops dispatch: nothing is claimed after this, and answers that arrive later change nothing. With the flow, the
 * attempts in flight are abandoned by name, so a store that writes a run row only when it is marked or ends
 * records them as cancelled too.
 */
export function planCancel(snap: TaskSnapshot, flow?: CompiledFlow): TaskWrite | undefined {
  if (isTerminal(snap.phase)) return undefined;
  const write = baseWrite(snap);
  if (flow) write.abandons = inFlightRuns(flow, snap, snap.inFlight);
  write.phase = TaskPhase.cancelled;
  write.status = TaskPhase.cancelled;
  write.inFlight = 0n;
  write.events.push({ type: EventType.cancelled, slotWord: write.word.toString() });
  return write;
}
