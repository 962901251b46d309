/**
 * child-task-ids: one SELECT on tasks_parent, no locks.
 *   reads   tasks whose parent_id is one of the given ids (every take of every fan-out)
 *   result  their ids; an empty list reads nothing
 */
import type { Queryable, Rows } from '../connection.ts';

export async function childTaskIds(db: Queryable, parentIds: readonly string[]): Promise<string[]> {
  if (parentIds.length === 0) return [];
  const [rows] = await db.query<Rows>('SELECT id FROM tasks WHERE parent_id IN (?)', [parentIds]);
  return rows.map((r) => String(r.id));
}
