/**
 * find-idle-tasks: one SELECT on (phase, updated_at), no locks.
 *   reads   tasks that are queued or running and were not written for `idleMs`
 *   result  their snapshots, oldest first, at most `limit`
 */
import { TaskPhase, type TaskSnapshot } from '../../../core/engine/task.ts';
import type { Queryable, Rows } from '../connection.ts';
import { SNAPSHOT_COLUMNS, toSnapshot } from '../rows.ts';

export async function findIdleTasks(db: Queryable, idleMs: number, limit: number): Promise<TaskSnapshot[]> {
  const [rows] = await db.query<Rows>(
    `SELECT ${SNAPSHOT_COLUMNS} FROM tasks
     WHERE phase IN (?, ?) AND updated_at <= UTC_TIMESTAMP(3) - INTERVAL ? MICROSECOND
     ORDER BY updated_at LIMIT ?`,
    [TaskPhase.queued, TaskPhase.running, Math.round(idleMs * 1000), limit],
  );
  return rows.map(toSnapshot);
}
