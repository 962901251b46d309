/**
 * purge-history: DELETE … LIMIT `batch`, repeated per table until a statement deletes fewer, each its own
 *   autocommit statement so no lock is held for more than one batch of rows; events the same way, each
 *   batch a transaction of one round trip that first reads (and locks) the rows its DELETE takes, to count
 *   the events they hold.
 *   writes  removes the rows of the given tasks from request_vectors, answer_rejections,
 *           webhook_attempts, component_runs, then events (see history-tables.ts for why last)
 *   locks   the rows each statement deletes, until it commits
 *   result  how many rows each table lost (events: how many events); an empty list deletes nothing
 *   retries each statement alone (withDbRetry), never the whole purge: a purge sent again from the start
 *           would find the earlier tables' rows gone and report them as none.
 */
import type { Pool } from 'mysql2/promise';
import { type HistoryCounts, NO_HISTORY } from '../../../core/ports/task-history.ts';
import { batch as inOneTrip, type Queryable, type ResultSetHeader, type Rows } from '../connection.ts';
import { withDbRetry } from '../retryable.ts';
import { HISTORY_TABLES } from './history-tables.ts';

export async function purgeHistory(db: Queryable, batchPool: Pool, taskIds: readonly string[], batch: number): Promise<HistoryCounts> {
  const counts = { ...NO_HISTORY };
  if (taskIds.length === 0) return counts;
  for (const [table, count] of HISTORY_TABLES) {
    for (;;) {
      const deleted = await withDbRetry(() => (table === 'events' ? deleteEvents(batchPool, taskIds, batch) : deleteRows(db, table, taskIds, batch)));
      counts[count] += deleted.counted;
      if (deleted.rows < batch) break;
    }
  }
  return counts;
}

async function deleteRows(db: Queryable, table: string, taskIds: readonly string[], batch: number): Promise<{ rows: number; counted: number }> {
  const [result] = await db.query<ResultSetHeader>(`DELETE FROM ${table} WHERE task_id IN (?) LIMIT ?`, [taskIds, batch]);
  return { rows: result.affectedRows, counted: result.affectedRows };
}

/** The first `batch` event rows of the tasks, in id order: the SELECT locks what the DELETE then takes. */
async function deleteEvents(pool: Pool, taskIds: readonly string[], batch: number): Promise<{ rows: number; counted: number }> {
  const results = await inOneTrip(pool, [
    ['START TRANSACTION', []],
    ['SELECT event_count FROM events WHERE task_id IN (?) ORDER BY id LIMIT ? FOR UPDATE', [taskIds, batch]],
    ['DELETE FROM events WHERE task_id IN (?) ORDER BY id LIMIT ?', [taskIds, batch]],
    ['COMMIT', []],
  ]);
  const rows = (results[2] as ResultSetHeader).affectedRows;
  return { rows, counted: (results[1] as Rows).reduce((sum, r) => sum + Number(r.event_count), 0) };
}
