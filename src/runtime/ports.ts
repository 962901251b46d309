import type { CompiledFlow } from '../core/flow/compile.ts';
import type { FlowDocument } from '../core/flow/document.ts';
import type { RejectReason, RunStatus, TaskWrite } from '../core/engine/transitions.ts';
import type { ComponentJob, TaskError, TaskPhase, TaskSnapshot } from '../core/engine/task.ts';

/**
 * The narrow interfaces the engine needs from its collaborators. MySQL +
 * BullMQ + Redlock implement them for distributed mode; memory structures
 * implement them for the embedded mode; the engine imports neither.
 */

export interface NewTask {
  id: string;
  flow: CompiledFlow;
  word: bigint;
  input: unknown;
  idempotencyKey: string | null;
  parentId: string | null;
  parentComponent: string | null;
  parentAttempt: number | null;
  sceneIndex: number | null;
  callbackUrl: string | null;
  /** The task as created (version 1), before its first pass. */
  snapshot: TaskSnapshot;
  /** Its first scheduling pass, written with it (the row is created as at version 2); none: created idle. */
  first: TaskWrite | undefined;
}

export interface CreatedTask {
  id: string;
  /** false when the idempotency key named an existing task. */
  created: boolean;
}

export interface RunRecord {
  component: string;
  attempt: number;
  status: RunStatus;
  executions: number;
  cached: boolean;
  worker: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  output: unknown;
  error: TaskError | null;
}

export interface AssetRecord {
  taskId: string;
  component: string;
  scene: number | null;
  kind: string;
  provider: string;
  hash: string;
  path: string;
  bytes: number;
  latencyMs: number;
  /** Found in the store instead of made again. */
  reused: boolean;
}

export interface TaskRecord extends TaskSnapshot {
  input: unknown;
  idempotencyKey: string | null;
  callbackUrl: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface StoredEvent {
  id: number;
  taskId: string;
  type: string;
  slotWord: string;
  component: string | null;
  attempt: number | null;
  data: unknown;
  createdAt: Date;
}

export interface TaskFilter {
  status?: string;
  phase?: TaskPhase;
  limit?: number;
}

/** A conditional write's outcome: applied, or refused with the row as it reads now (undefined: no such task). */
export type WriteOutcome = { applied: true } | { applied: false; current: TaskSnapshot | undefined };

/** An opened attempt: what its handler reads. */
export interface OpenedAttempt {
  input: unknown;
  /** Outputs of the latest successful run of each dependency. */
  deps: Record<string, unknown>;
}

export interface TaskStore {
  saveFlowVersion(flow: CompiledFlow): Promise<void>;
  loadFlowVersion(hash: string): Promise<FlowDocument | undefined>;
  /** Creates the task with its `accepted` event; an existing idempotency key returns that task instead. */
  createTask(task: NewTask): Promise<CreatedTask>;
  /** Creates a fan-out's children, all or none; when they exist already, returns those. */
  createChildren(children: readonly NewTask[]): Promise<CreatedTask[]>;
  readTask(id: string): Promise<TaskSnapshot | undefined>;
  /**
   * Applies the write only if the task's version is still `expectedVersion`. When it moved, nothing is
   * written and the outcome carries the task as it is now, so the caller can plan again without a read.
   */
  applyWrite(write: TaskWrite): Promise<WriteOutcome>;
  /** Marks a queued or running attempt as running on `worker`; false when the attempt is no longer open. */
  startRun(taskId: string, component: string, attempt: number, worker: string): Promise<boolean>;
  /**
   * `startRun` and the reads its handler needs (the task's input, the dependencies' outputs) in one step;
   * undefined when the attempt is no longer open. An open run row always means a current attempt.
   */
  startAttempt(taskId: string, component: string, attempt: number, worker: string, depends: readonly string[]): Promise<OpenedAttempt | undefined>;
  /** Outputs of the latest successful run of each named component. */
  outputsOf(taskId: string, components: readonly string[]): Promise<Record<string, unknown>>;
  recordRejection(taskId: string, component: string, attempt: number, reason: RejectReason): Promise<void>;
  countRejections(taskId?: string): Promise<Record<string, number>>;
  getTask(id: string): Promise<TaskRecord | undefined>;
  listTasks(filter: TaskFilter): Promise<TaskRecord[]>;
  listRuns(taskId: string): Promise<RunRecord[]>;
  listEvents(taskId: string, afterId?: number): Promise<StoredEvent[]>;
  /** Events of several tasks (a task and its fan-out children) after `afterId`, in id order: one resumable stream. */
  listEventsOf(taskIds: readonly string[], afterId: number, limit: number): Promise<StoredEvent[]>;
  getAsset(id: number): Promise<(AssetRecord & { id: number }) | undefined>;
  countTasksByStatus(): Promise<Array<{ phase: string; status: string; count: number }>>;
  /** Fan-out children of a task, by item index; only those of one component and attempt when given. */
  listChildren(parentId: string, component?: string, attempt?: number): Promise<TaskSnapshot[]>;
  recordAssets(assets: readonly AssetRecord[]): Promise<void>;
  listAssets(taskId: string): Promise<Array<AssetRecord & { id: number }>>;
  /** Asset paths that no live or completed task uses: only failed, cancelled or abandoned (idle since `abandonedBefore`) ones. */
  unusedAssetPaths(abandonedBefore: Date): Promise<string[]>;
  forgetAssets(paths: readonly string[]): Promise<void>;
  /** The named secret, created with `generate()` by the first process that asks. */
  secret(name: string, generate: () => string): Promise<string>;
  /** Unfinished tasks not written for `idleMs`: candidates for the sweeper. */
  findIdleTasks(idleMs: number, limit: number): Promise<TaskSnapshot[]>;
  close(): Promise<void>;
}

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
  jobCounts?(): Promise<Array<{ queue: string; state: string; count: number }>>;
  close(): Promise<void>;
}

export type ComponentJobHandler = (job: ComponentJob) => Promise<void>;
export type ScheduleHandler = (taskId: string) => Promise<void>;

export interface QueueConsumer {
  consumeComponents(handlers: readonly string[], concurrency: number, run: ComponentJobHandler): Promise<void>;
  consumeSchedules(concurrency: number, run: ScheduleHandler): Promise<void>;
  close(): Promise<void>;
}

export interface LockManager {
  /** Runs `fn` holding the lock on `key`. */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface WebhookEvent extends StoredEvent {
  url: string;
  deliveryAttempts: number;
}

/** The outbox side of webhooks: events of tasks with a callback_url, claimed for delivery with a lease. */
export interface WebhookOutbox {
  /** Due undelivered events, oldest first, each claimed for `leaseMs` so two dispatchers do not send it at once. */
  claimWebhookEvents(limit: number, leaseMs: number, maxAttempts: number): Promise<WebhookEvent[]>;
  recordWebhookAttempt(attempt: {
    event: WebhookEvent; ok: boolean; statusCode: number | null; error: string | null; nextAt: Date | null;
  }): Promise<void>;
  /** Gives a claimed event back unsent, due at once. */
  releaseWebhookEvent(eventId: number): Promise<void>;
  listWebhookAttempts(taskId: string): Promise<Array<{ eventId: number; attempt: number; ok: boolean; statusCode: number | null; error: string | null }>>;
}
