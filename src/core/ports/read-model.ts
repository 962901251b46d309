import type { ActivityReads } from './activity.ts';
import type { RunStatus } from '../engine/transitions.ts';
import type { TaskError, TaskPhase } from '../engine/task.ts';
import type { ChildTasks, RunOutputs, SceneTakes, SnapshotReads } from './task-state.ts';
import type { TaskRecord } from './task-record.ts';

/** What people and scripts read: tasks with their input and times, runs, the durable event stream. */

export type { TaskRecord } from './task-record.ts';

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

export interface StoredEvent {
  /** Opaque and increasing along a stream, not consecutive (event-rows.ts). */
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
  /** Only tasks of this flow (by name). */
  flow?: string;
  /** Only tasks that are no fan-out's children. */
  topLevel?: boolean;
  limit?: number;
}

export interface TaskRecords {
  getTask(id: string): Promise<TaskRecord | undefined>;
}

export interface TaskReadModel extends SnapshotReads, ActivityReads, ChildTasks, Pick<SceneTakes, 'listTakes'>, RunOutputs, TaskRecords {
  listTasks(filter: TaskFilter): Promise<TaskRecord[]>;
  /** The ids (children's included) that begin with `prefix`, at most `limit`, in id order. */
  findTaskIds(prefix: string, limit: number): Promise<string[]>;
  listRuns(taskId: string): Promise<RunRecord[]>;
  listEvents(taskId: string, afterId?: number): Promise<StoredEvent[]>;
  /** Events of several tasks (a task and its fan-out children) after `afterId`, in id order: one resumable stream. */
  listEventsOf(taskIds: readonly string[], afterId: number, limit: number): Promise<StoredEvent[]>;
  countTasksByStatus(): Promise<Array<{ phase: string; status: string; count: number }>>;
}
