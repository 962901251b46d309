/**
 * purge-history: DELETE … LIMIT `batch`, repeated per table until a statement deletes fewer, each
 *   its own autocommit statement so no lock is held for more than one batch of rows.
 *   writes  removes the rows of the given tasks from request_vectors, answer_rejections,
 *           webhook_attempts, component_runs, then events (see history-tables.ts for why last)
 *   locks   the rows each statement deletes, until it commits
 *   result  how many rows each table lost; an empty list deletes nothing
 */
import { type HistoryCounts, NO_HISTORY } from '../../../core/ports/task-history.ts';
import type { Queryable, ResultSetHeader } from '../connection.ts';
import { HISTORY_TABLES } from './history-tables.ts';

export async function purgeHistory(db: Queryable, taskIds: readonly string[], batch: number): Promise<HistoryCounts> {
  const counts = { ...NO_HISTORY };
  if (taskIds.length === 0) return counts;
  for (const [table, count] of HISTORY_TABLES) {
    for (;;) {
      const [result] = await db.query<ResultSetHeader>(`DELETE FROM ${table} WHERE task_id IN (?) LIMIT ?`, [taskIds, batch]);
      counts[count] += result.affectedRows;
      if (result.affectedRows < batch) break;
    }
  }
  return counts;
}
