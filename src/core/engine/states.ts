import type { ComponentKind } from '../flow/document.ts';
import { TaskPhase } from './task.ts';
import { RunStatus } from './transitions.ts';

/**
 * The engine's state machines, written down once.
 *
 * Task phases (`tasks.phase`; the flow-derived `status` sits beside it):
 *
 *   queued     created; nothing dispatched yet, or a resume cleared work and nothing is claimed again yet
 *   running    at least one component was dispatched
 *   completed  every slot succeeded or was skipped
 *   failed     a slot failed for good and nothing else can run
 *   cancelled  cancelled by a person; every later answer is refused
 *
 *   A scheduling pass that claims work moves queued to running; a pass or an
 *   answer that leaves nothing to run settles running (or queued, when every
 *   slot was skipped) as completed or failed. A resume moves a settled or
 *   running task back to queued (or, for one scene of a fan-out, to running);
 *   a resume that leaves a failed slot keeps the phase it found. Cancel is
 *   allowed from queued and running only, and is final: a cancelled task is
 *   never resumed.
 *
 * Run states (`component_runs.status`, one row per component and attempt):
 *
 *   queued     the attempt was claimed and its job dispatched (MySQL writes no row for it: it is read from
 *              the task row's attempts and in-flight set until it is marked running or ends)
 *   running    a worker opened the attempt (`startRun` / `startAttempt`)
 *   succeeded  its answer succeeded (also straight from queued: an output found in the cache)
 *   failed     its answer failed (also straight from queued: a deadline, a fan-out child failing)
 *   cancelled  the task was cancelled, or a resume abandoned the attempt while it was open
 *
 *   Reopened is a move, not a stored state: resuming one scene of a fan-out
 *   puts the fan-out's finished run back to running (finished_at cleared), so
 *   the child's answer finds it in flight again.
 *
 * In flight (the task's `in_flight` bit of a component) means the slot is
 * claimed by its current attempt and not answered yet; what it waits for
 * depends on the component's kind, see `IN_FLIGHT`.
 */

export const TASK_PHASE_MOVES = {
  [TaskPhase.queued]: [TaskPhase.running, TaskPhase.completed, TaskPhase.failed, TaskPhase.cancelled],
  [TaskPhase.running]: [TaskPhase.queued, TaskPhase.completed, TaskPhase.failed, TaskPhase.cancelled],
  [TaskPhase.completed]: [TaskPhase.queued, TaskPhase.running],
  [TaskPhase.failed]: [TaskPhase.queued, TaskPhase.running],
  [TaskPhase.cancelled]: [],
} as const satisfies Record<TaskPhase, readonly TaskPhase[]>;

export const RUN_MOVES = {
  [RunStatus.queued]: [RunStatus.running, RunStatus.succeeded, RunStatus.failed, RunStatus.cancelled],
  [RunStatus.running]: [RunStatus.succeeded, RunStatus.failed, RunStatus.cancelled],
  // Reopened: a fan-out whose scene is resumed.
  [RunStatus.succeeded]: [RunStatus.running],
  [RunStatus.failed]: [RunStatus.running],
  [RunStatus.cancelled]: [],
} as const satisfies Record<RunStatus, readonly RunStatus[]>;

/** What an in-flight component of each kind is waiting for, and what ends the wait. */
export const IN_FLIGHT = {
  job: 'its job: queued or running on a worker, until the handler answers (or its timeout fails it)',
  callback: 'the external service: from the post until it answers on the callback route or the deadline job fails the attempt',
  approval: 'a person: until the gate is approved or rejected; no job is dispatched for it',
  fanout: 'its children: until every child of the attempt completed (success) or one failed or was cancelled (failure)',
} as const satisfies Record<ComponentKind, string>;

export function isTaskPhaseMove(from: TaskPhase, to: TaskPhase): boolean {
  return from === to || (TASK_PHASE_MOVES[from] as readonly TaskPhase[]).includes(to);
}

export function isRunMove(from: RunStatus, to: RunStatus): boolean {
  return (RUN_MOVES[from] as readonly RunStatus[]).includes(to);
}
