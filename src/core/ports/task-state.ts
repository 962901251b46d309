import type { CompiledFlow } from '../flow/compile.ts';
import type { TaskWrite } from '../engine/transitions.ts';
import type { TaskSnapshot } from '../engine/task.ts';
import type { TaskRecord } from './task-record.ts';

/** The task row as the engine changes it: created, read, written as one compare-and-swap. */

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
  /** A scene child's take (1 for the fan-out's own children). */
  take: number;
  /** From the article, the prompt, or given at submit; null for fan-out children. */
  title: string | null;
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

/** A conditional write's outcome: applied, or refused with the row as it reads now (undefined: no such task). */
/**
 * `unconfirmed`: the write was refused when sent again after a first send failed with its connection lost, so that
 * first send may have committed it (the refusal is then by its own result): nothing to do, but a history says so.
 */
export type WriteOutcome = { applied: true; carried?: CarriedReads } | { applied: false; current: TaskSnapshot | undefined; unconfirmed?: true };

/** What an applied write read back for the jobs it started: the task's input and its dependencies' outputs. */
export interface CarriedReads {
  input: unknown;
  /** The latest succeeded output of each dependency asked for (a skipped one is absent). */
  outputs: Record<string, unknown>;
}

export interface SnapshotReads {
  readTask(id: string): Promise<TaskSnapshot | undefined>;
}

export interface ChildTasks {
  /**
   * Fan-out children of a task, by item index; only those of one component and attempt when given.
   * Only the chosen take of each scene: the children whose outputs the fan-out answers with.
   */
  listChildren(parentId: string, component?: string, attempt?: number): Promise<TaskSnapshot[]>;
}

export interface SceneTakes {
  /** Every take of a fan-out's scenes (chosen or not), by scene then take. */
  listTakes(parentId: string, component?: string, attempt?: number): Promise<TaskRecord[]>;
  /** Makes `take` the chosen take of its scene, all in one write; false when the scene has no such take. */
  chooseTake(parentId: string, component: string, attempt: number, scene: number, take: number): Promise<boolean>;
}

export interface TaskInputs {
  /** Sets the given options in the task's stored input (a resume with changes), keeping the others; false for an unknown task. */
  mergeTaskOptions(taskId: string, options: Readonly<Record<string, unknown>>): Promise<boolean>;
}

export interface RunOutputs {
  /** Outputs of the latest successful run of each named component. */
  outputsOf(taskId: string, components: readonly string[]): Promise<Record<string, unknown>>;
}

export interface TaskState extends SnapshotReads, ChildTasks, SceneTakes, RunOutputs, TaskInputs {
  /** Creates the task with its `accepted` event; an existing idempotency key returns that task instead. */
  createTask(task: NewTask): Promise<CreatedTask>;
  /** Creates a fan-out's children, all or none; when they exist already, returns those. */
  createChildren(children: readonly NewTask[]): Promise<CreatedTask[]>;
  /**
   * Applies the write only if the task's version is still `expectedVersion`. When it moved, nothing is
   * written and the outcome carries the task as it is now, so the caller can plan again without a read.
   * With `carry` (components of the task), an applied write also reads back, once committed, the task's input
   * and those components' latest outputs: what the jobs it started need, so they carry it.
   */
  applyWrite(write: TaskWrite, carry?: readonly string[]): Promise<WriteOutcome>;
}

/** Unfinished tasks not written for `idleMs`: candidates for the sweeper. */
export interface IdleTasks {
  findIdleTasks(idleMs: number, limit: number): Promise<TaskSnapshot[]>;
}
