import type { ComponentJob } from '../engine/task.ts';

export interface DispatchOptions {
  /**
   * Ahead of the jobs already waiting: work that continues a running task goes before the first jobs of tasks
   * that have not started, so tasks in progress finish first (BullMQ puts a flow's unblocked parent first too).
   */
  ahead?: boolean;
}

export interface DispatchQueue {
  /** Adds the jobs in one bulk call; a job whose id is already queued is not added twice. */
  dispatch(jobs: readonly ComponentJob[], opts?: DispatchOptions): Promise<void>;
  /** Asks for a scheduling pass over the task; requests for a task already waiting are merged. */
  requestSchedule(taskId: string, delayMs?: number): Promise<void>;
  /** Whether the job is waiting, delayed or active somewhere. */
  isLive(job: ComponentJob): Promise<boolean>;
  /** Jobs per queue and state, for metrics; a queue that cannot tell leaves it out. */
  jobCounts?(): Promise<JobCount[]>;
  close(): Promise<void>;
}

export interface JobCount {
  queue: string;
  /** The queue family the queue belongs to (`core/flow/queue-family.ts`). */
  family: string;
  state: string;
  count: number;
}

/** One stream of jobs a consumer takes: one handler's jobs in one queue family. */
export interface ServedQueue {
  family: string;
  handler: string;
}

export type ComponentJobHandler = (job: ComponentJob) => Promise<void>;
export type ScheduleHandler = (taskId: string) => Promise<void>;

export interface QueueConsumer {
  /** Runs the jobs of these (family, handler) queues, `concurrency` at once per queue. */
  consumeComponents(queues: readonly ServedQueue[], concurrency: number, run: ComponentJobHandler): Promise<void>;
  consumeSchedules(concurrency: number, run: ScheduleHandler): Promise<void>;
  close(): Promise<void>;
}
