import type { HistoryCounts } from '../../../core/ports/task-history.ts';

/**
 * The tables that hold a task's history, by task_id, in the order retention
 * deletes them: events last, since a task with events left is one whose
 * purge has not finished (find-finished-tasks finds it again).
 */
export const HISTORY_TABLES: ReadonlyArray<readonly [table: string, count: keyof HistoryCounts]> = [
  ['request_vectors', 'requestVectors'],
  ['answer_rejections', 'rejections'],
  ['webhook_attempts', 'webhookAttempts'],
  ['component_runs', 'runs'],
  ['events', 'events'],
];
