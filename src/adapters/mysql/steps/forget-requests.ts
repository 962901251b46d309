/**
 * forget-requests: one DELETE.
 *   writes  request_vectors: removes the rows of the given tasks (their video is gone, or no longer answers them)
 *   locks   those rows
 *   result  none; an empty list deletes nothing
 */
import type { Queryable } from '../connection.ts';

export async function forgetRequests(db: Queryable, taskIds: readonly string[]): Promise<void> {
  if (taskIds.length > 0) await db.query('DELETE FROM request_vectors WHERE task_id IN (?)', [taskIds]);
}
