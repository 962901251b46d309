/**
 * create-children: one transaction, all or nothing.
 *   writes  tasks (one row per fan-out item), events (`accepted` for each)
 *   locks   the unique index entries (parent, component, attempt, item)
 *   result  every child's id, created: true when this call made it; when the
 *           children already exist (the fan-out job ran again after a crash or a
 *           stall) the existing ones, created: false, nothing written
 */
import type { Pool } from 'mysql2/promise';
import { EventType } from '../../../core/engine/events.ts';
import { TaskPhase } from '../../../core/engine/task.ts';
import { taskStatus } from '../../../core/word.ts';
import type { CreatedTask, NewTask } from '../../../runtime/ports.ts';
import { inTransaction, json, type Rows } from '../connection.ts';

const ER_DUP_ENTRY = 1062;

export async function createChildren(pool: Pool, children: readonly NewTask[]): Promise<CreatedTask[]> {
  if (children.length === 0) return [];
  try {
    await inTransaction(pool, async (conn) => {
      const values = children.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, 0, 1, '{}', ?, ?, ?, NULL, ?, NULL, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))").join(', ');
      await conn.query(
        `INSERT INTO tasks (id, parent_id, parent_component, parent_attempt, scene_index, flow_name, flow_hash, slot_word, in_flight,
           version, attempts, phase, status, input, idempotency_key, callback_url, error, created_at, updated_at) VALUES ${values}`,
        children.flatMap((t) => [t.id, t.parentId, t.parentComponent, t.parentAttempt, t.sceneIndex, t.flow.name, t.flow.hash,
          t.word.toString(), TaskPhase.queued, taskStatus(t.flow, t.word), json(t.input), t.callbackUrl]),
      );
      await conn.query(
        `INSERT INTO events (task_id, type, slot_word, created_at) VALUES ${children.map(() => '(?, ?, ?, UTC_TIMESTAMP(3))').join(', ')}`,
        children.flatMap((t) => [t.id, EventType.accepted, t.word.toString()]),
      );
      return true;
    });
    return children.map((t) => ({ id: t.id, created: true }));
  } catch (e) {
    if ((e as { errno?: number }).errno !== ER_DUP_ENTRY) throw e;
    const first = children[0]!;
    const [rows] = await pool.execute<Rows>(
      'SELECT id FROM tasks WHERE parent_id = ? AND parent_component = ? AND parent_attempt = ? ORDER BY scene_index',
      [first.parentId, first.parentComponent, first.parentAttempt],
    );
    return rows.map((r) => ({ id: String(r.id), created: false }));
  }
}
