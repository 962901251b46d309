import type { HistoryCounts } from '../../../core/ports/task-history.ts';

/**
 * The tables that hold a task's history, by task_id, in the order retention
 * deletes them: events last, since a task with events left is one whose
 * purge has not finished (find-finished-tasks finds it again). Each with what
 * a row counts for: one, or for an event row the events it holds.
 */
export const HISTORY_TABLES: ReadonlyArray<readonly [table: string, count: keyof HistoryCounts, per: string]> = [
  ['request_vectors', 'requestVectors', '1'],
  ['answer_rejections', 'rejections', '1'],
  ['webhook_attempts', 'webhookAttempts', '1'],
  ['component_runs', 'runs', '1'],
  ['events', 'events', 'event_count'],
];
