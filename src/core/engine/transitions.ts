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
  /** The run this write closes, if any. */
  finish?: RunFinish;
  /** A closed run this write opens again, same attempt (a fan-out whose one child is resumed). */
  reopen?: { component: string; attempt: number };
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
  | { taskId: string; component: string; attempt: number; ok: true; output: unknown; cached?: boolean }
  | { taskId: string; component: string; attempt: number; ok: false; error: AnswerError };

export interface AnswerError {
  name: string;
  message: string;
  code?: string;
  /** false for errors that retrying cannot fix. */
  retryable: boolean;
}

export interface Jitter {
  /** A number in [0, 1). */
  (): number;
}

/** `backoff_ms` doubles each attempt; up to a fifth more at random spreads retries of many tasks apart. */
export function retryDelay(component: CompiledComponent, failedAttempt: number, jitter: Jitter): number {
  const base = component.backoffMs * 2 ** (failedAttempt - 1);
  return Math.round(base + base * 0.2 * jitter());
}

function startOf(flow: CompiledFlow, taskId: string, c: CompiledComponent, attempt: number, delayMs: number): ComponentJob {
  return { taskId, component: c.name, attempt, handler: dispatchTarget(c.kind, c.handler), kind: c.kind, flowHash: flow.hash, delayMs };
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
    starts: [],
    events: [],
  };
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
    write.finish = { component: c.name, attempt: answer.attempt, status: RunStatus.succeeded, output: answer.output, ...(answer.cached ? { cached: true } : {}) };
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
  write.finish = { component: c.name, attempt: answer.attempt, status: RunStatus.failed, error };
  if (answer.error.retryable && answer.attempt < c.attempts) {
    const next = answer.attempt + 1;
    write.attempts[c.name] = next;
    const delayMs = retryDelay(c, answer.attempt, jitter);
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

/** Clears `from` and its downstream closure and claims what is then runnable; upstream slots and outputs are kept. */
export function planResume(flow: CompiledFlow, snap: TaskSnapshot, from: CompiledComponent): TaskWrite {
  const write = baseWrite(snap);
  const cleared = from.resumeMask;
  write.word = clearForResume(write.word, from);
  // Work in flight inside the closure is abandoned: a later claim opens a new attempt, so its answers are stale.
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
  write.inFlight = 0n;
  write.error = null;
  write.phase = TaskPhase.queued;
  write.events.push({ type: EventType.progress, slotWord: write.word.toString(), data: { restarted: true } });
  claimRunnable(flow, write);
  settle(flow, write);
  return write;
}

/** Stops dispatch: nothing is claimed after this, and answers that arrive later change nothing. */
export function planCancel(snap: TaskSnapshot): TaskWrite | undefined {
  if (isTerminal(snap.phase)) return undefined;
  const write = baseWrite(snap);
  write.phase = TaskPhase.cancelled;
  write.status = TaskPhase.cancelled;
  write.inFlight = 0n;
  write.events.push({ type: EventType.cancelled, slotWord: write.word.toString() });
  return write;
}
