import type { ComponentKind } from '../flow/document.ts';
import { CALLBACKS_QUEUE_FAMILY, DEFAULT_QUEUE_FAMILY } from '../flow/queue-family.ts';

/**
 * A task as the engine sees it, and its lifecycle.
 *
 * The phases and their moves are written down in `states.ts`.
 *
 * A component is "in flight" from the moment a dispatch claims it until its
 * answer flips its slot: the claim and the flip are both compare-and-swap
 * writes guarded by the task's `version`, so two processes can never both
 * claim a component or both answer for it.
 */

export const TaskPhase = {
  queued: 'queued',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;
export type TaskPhase = (typeof TaskPhase)[keyof typeof TaskPhase];

export function isTerminal(phase: TaskPhase): boolean {
  return phase === TaskPhase.completed || phase === TaskPhase.failed || phase === TaskPhase.cancelled;
}

export interface TaskError {
  component: string;
  attempt: number;
  name: string;
  message: string;
  code?: string;
}

/** What a scheduling decision reads; `version` is what its write is conditional on. */
export interface TaskSnapshot {
  id: string;
  flowName: string;
  flowHash: string;
  word: bigint;
  inFlight: bigint;
  version: number;
  /** The current attempt number of each component that was ever dispatched. */
  attempts: Readonly<Record<string, number>>;
  phase: TaskPhase;
  status: string;
  parentId: string | null;
  /** For a fan-out child: the parent's component and attempt that created it, and its item index. */
  parentComponent: string | null;
  parentAttempt: number | null;
  sceneIndex: number | null;
  error: TaskError | null;
}

/** One queued job for one attempt of one component; its id is deterministic so a re-dispatch is idempotent. */
export interface ComponentJob {
  taskId: string;
  component: string;
  attempt: number;
  /** The queue the job goes to: the handler's name for `job` components, an internal queue for the other kinds. */
  handler: string;
  /**
   * The queue family whose workers take it (`core/flow/queue-family.ts`). Absent on jobs queued before families
   * existed, which are `default`'s: those stay in the queue they were added to.
   */
  queue?: string;
  kind: ComponentKind;
  flowHash: string;
  delayMs: number;
  /** When the job was handed to the queue (ms since the epoch), for the dispatch-latency metric. */
  dispatchedAt?: number;
  /** A callback deadline job's due time, ms since the epoch by the shared clock (runtime/server-clock.ts). */
  deadlineAt?: number;
  /**
   * What the handler reads, when it was known at dispatch (a new task's first components: the input, no
   * dependencies' outputs): the worker runs it without reading MySQL first. Absent: the worker reads them.
   */
  inputs?: CarriedInputs;
}

export interface CarriedInputs {
  input: unknown;
  deps: Record<string, unknown>;
}

/** Inputs larger than this (as JSON) stay in MySQL only: a job is a Redis value, kept small. */
export const CARRIED_INPUTS_MAX_BYTES = 16 * 1024;

/** The job with its inputs to carry, when they are small enough and its handler is a plain job's. */
export function withInputs(job: ComponentJob, inputs: CarriedInputs): ComponentJob {
  if (job.kind !== 'job') return job;
  const size = JSON.stringify(inputs).length;
  return size <= CARRIED_INPUTS_MAX_BYTES ? { ...job, inputs } : job;
}

/**
 * Queues for the work the engine does itself rather than a registered
 * handler: posting to an external service, creating fan-out children, and
 * failing a callback attempt that outlived its `timeout_ms`.
 */
export const InternalQueue = {
  callback: 'slotflow.callback',
  fanout: 'slotflow.fanout',
  deadline: 'slotflow.deadline',
} as const;
export const INTERNAL_QUEUES: readonly string[] = Object.values(InternalQueue);

/** The family of each internal queue: callbacks and their deadlines scale apart from fan-out and product work. */
export const INTERNAL_QUEUE_FAMILY: ReadonlyMap<string, string> = new Map([
  [InternalQueue.callback, CALLBACKS_QUEUE_FAMILY],
  [InternalQueue.deadline, CALLBACKS_QUEUE_FAMILY],
  [InternalQueue.fanout, DEFAULT_QUEUE_FAMILY],
]);

/** The family a queued job belongs to; jobs queued before families existed carry none and are `default`'s. */
export function jobFamily(job: Pick<ComponentJob, 'handler' | 'queue'>): string {
  return INTERNAL_QUEUE_FAMILY.get(job.handler) ?? job.queue ?? DEFAULT_QUEUE_FAMILY;
}

/** Where a component's attempt is sent; approval gates get no job, they wait for a person. */
export function dispatchTarget(kind: ComponentKind, handler: string): string {
  switch (kind) {
    case 'job':
      return handler;
    case 'callback':
      return InternalQueue.callback;
    case 'fanout':
      return InternalQueue.fanout;
    case 'approval':
      return '';
  }
}

export function needsJob(job: Pick<ComponentJob, 'kind'>): boolean {
  return job.kind !== 'approval';
}

export function jobId(job: Pick<ComponentJob, 'taskId' | 'component' | 'attempt'>): string {
  return `${job.taskId}:${job.component}:${job.attempt}`;
}
