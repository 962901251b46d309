/**
 * find-finished-tasks: one SELECT walking (phase, updated_at, id) of tasks, no locks.
 *   reads   top-level tasks in one finished phase last written before `finishedBefore`, after the
 *           cursor in (updated_at, id) order, that still have at least one event (a task whose
 *           history was purged has none, so a later run skips it)
 *   result  their ids and last writes, oldest first, at most `limit`; fewer means the walk is done
 */
import type { FinishedCursor, FinishedPhase, FinishedTask } from '../../../core/ports/task-history.ts';
import type { Queryable, Rows } from '../connection.ts';

/** Before every task: the walk's first page. */
const START: FinishedCursor = { updatedAt: new Date(0), id: '' };

export async function findFinishedTasks(
  db: Queryable, phase: FinishedPhase, finishedBefore: Date, cursor: FinishedCursor | undefined, limit: number,
): Promise<FinishedTask[]> {
  const after = cursor ?? START;
  // One phase per statement so the (phase, updated_at) index gives the order and no sort is needed. The events
  // test is a correlated scalar subquery, not EXISTS: MariaDB turns EXISTS into a semi-join that can materialize
  // every task id of the events index, once per page; this way it is one index probe per candidate task.
  const [rows] = await db.query<Rows>(
    `SELECT t.id, t.updated_at FROM tasks t
     WHERE t.phase = ? AND t.updated_at < ? AND t.parent_id IS NULL
       AND (t.updated_at > ? OR (t.updated_at = ? AND t.id > ?))
       AND (SELECT 1 FROM events e WHERE e.task_id = t.id LIMIT 1) IS NOT NULL
     ORDER BY t.updated_at, t.id LIMIT ?`,
    [phase, finishedBefore, after.updatedAt, after.updatedAt, after.id, limit],
  );
  return rows.map((r) => ({ id: String(r.id), updatedAt: r.updated_at as Date }));
}
