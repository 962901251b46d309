/**
 * What retention asks of the store: finished top-level tasks and their fan-out
 * children, and the history rows they keep in the hot tables (events, component
 * runs, webhook attempts, answer rejections, request vectors). The task rows
 * themselves stay.
 */

export type FinishedPhase = 'completed' | 'failed' | 'cancelled';

/** Where a page of finished tasks ends: the next page starts after this task. */
export interface FinishedCursor {
  updatedAt: Date;
  id: string;
}

/** A page entry is its own cursor. */
export type FinishedTask = FinishedCursor;

/** Rows of each table, counted or deleted. */
export interface HistoryCounts {
  /** Events, not rows: an event row holds the events of one write (event-rows.ts). */
  events: number;
  runs: number;
  webhookAttempts: number;
  rejections: number;
  requestVectors: number;
}

export const NO_HISTORY: Readonly<HistoryCounts> = { events: 0, runs: 0, webhookAttempts: 0, rejections: 0, requestVectors: 0 };

export interface TaskHistory {
  /**
   * Top-level tasks in `phase` last written before `finishedBefore` that still have events, oldest first,
   * after `cursor`, at most `limit`.
   */
  finishedTasks(phase: FinishedPhase, finishedBefore: Date, cursor: FinishedCursor | undefined, limit: number): Promise<FinishedTask[]>;
  /** The ids of the tasks whose parent is one of `parentIds`. */
  childTaskIds(parentIds: readonly string[]): Promise<string[]>;
  countHistory(taskIds: readonly string[]): Promise<HistoryCounts>;
  /** Deletes the history rows of `taskIds`, at most `batch` rows per statement, events last. */
  purgeHistory(taskIds: readonly string[], batch: number): Promise<HistoryCounts>;
}
