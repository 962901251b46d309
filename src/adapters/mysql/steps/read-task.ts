/**
 * read-task: one SELECT by primary key, no locks (the write that follows is
 * conditional on the version read here).
 *   reads   tasks: word, in-flight set, version, attempts, phase, status
 *   result  the snapshot, or undefined for an unknown id
 */
import type { TaskSnapshot } from '../../../core/engine/task.ts';
import type { Queryable, Rows } from '../connection.ts';
import { SNAPSHOT_COLUMNS, toSnapshot } from '../rows.ts';

export async function readTask(db: Queryable, id: string): Promise<TaskSnapshot | undefined> {
  const [rows] = await db.execute<Rows>(`SELECT ${SNAPSHOT_COLUMNS} FROM tasks WHERE id = ?`, [id]);
  const row = rows[0];
  return row && toSnapshot(row);
}
