/**
 * create-children: one transaction in one round trip, all or nothing.
 *   writes  tasks (one row per fan-out item, each as its first pass leaves it), events (one row per child:
 *           `accepted` and its first pass's); no run rows (see write-runs)
 *   locks   the unique index entries (parent, component, attempt, item)
 *   result  every child's id, created: true when this call made it; when the
 *           children already exist (the fan-out job ran again after a crash or a
 *           stall) the existing ones, created: false, nothing written
 */
import type { Pool } from 'mysql2/promise';
import type { CreatedTask, NewTask } from '../../../core/ports/task-state.ts';
import { batch, type Rows } from '../connection.ts';
import { toIds } from '../rows.ts';
import { ER_DUP_ENTRY, newTaskStatements } from './create-task.ts';

export async function createChildren(pool: Pool, children: readonly NewTask[]): Promise<CreatedTask[]> {
  if (children.length === 0) return [];
  try {
    await batch(pool, [['START TRANSACTION', []], ...newTaskStatements(children), ['COMMIT', []]]);
    return children.map((t) => ({ id: t.id, created: true }));
  } catch (e) {
    if ((e as { errno?: number }).errno !== ER_DUP_ENTRY) throw e;
    const first = children[0]!;
    const [rows] = await pool.execute<Rows>(
      'SELECT id FROM tasks WHERE parent_id = ? AND parent_component = ? AND parent_attempt = ? AND take = 1 ORDER BY scene_index',
      [first.parentId, first.parentComponent, first.parentAttempt],
    );
    return toIds(rows).map((id) => ({ id, created: false }));
  }
}
