/**
 * count-history: one SELECT of five counts, each on its table's task_id index, no locks.
 *   reads   events, component_runs, webhook_attempts, answer_rejections and request_vectors of the given tasks
 *   result  how many rows each table holds for them (events: how many events its rows hold); an empty list
 *           reads nothing
 */
import { type HistoryCounts, NO_HISTORY } from '../../../core/ports/task-history.ts';
import type { Queryable, Rows } from '../connection.ts';
import { HISTORY_TABLES } from './history-tables.ts';

export async function countHistory(db: Queryable, taskIds: readonly string[]): Promise<HistoryCounts> {
  if (taskIds.length === 0) return { ...NO_HISTORY };
  const columns = HISTORY_TABLES.map(([table, count, per]) => `(SELECT COALESCE(SUM(${per}), 0) FROM ${table} WHERE task_id IN (?)) AS ${count}`);
  const [rows] = await db.query<Rows>(`SELECT ${columns.join(', ')}`, HISTORY_TABLES.map(() => taskIds));
  const row = rows[0]!;
  const counts = { ...NO_HISTORY };
  for (const [, count] of HISTORY_TABLES) counts[count] = Number(row[count]);
  return counts;
}
