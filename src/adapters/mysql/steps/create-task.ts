/**
 * create-task: one transaction.
 *   writes  tasks (new row, version 1, phase queued), events (`accepted`)
 *   locks   the unique index entries of the idempotency key and of the
 *           fan-out child position (parent, component, attempt, item)
 *   result  { created: true }  the new task
 *           { created: false } the key already named a task: that task's id,
 *                              nothing written (also under concurrent submissions:
 *                              the losers hit the unique key and read the winner)
 */
import type { Pool } from 'mysql2/promise';
import { EventType } from '../../../core/engine/events.ts';
import { TaskPhase } from '../../../core/engine/task.ts';
import { taskStatus } from '../../../core/word.ts';
import type { CreatedTask, NewTask } from '../../../runtime/ports.ts';
import { inTransaction, json, type Rows } from '../connection.ts';

const ER_DUP_ENTRY = 1062;

export async function createTask(pool: Pool, task: NewTask): Promise<CreatedTask> {
  try {
    await inTransaction(pool, async (conn) => {
      await conn.execute(
        `INSERT INTO tasks (id, parent_id, parent_component, parent_attempt, scene_index, flow_name, flow_hash, slot_word, in_flight,
           version, attempts, phase, status, input, idempotency_key, callback_url, error, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 1, '{}', ?, ?, ?, ?, ?, NULL, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
        [task.id, task.parentId, task.parentComponent, task.parentAttempt, task.sceneIndex, task.flow.name, task.flow.hash, task.word.toString(),
          TaskPhase.queued, taskStatus(task.flow, task.word), json(task.input), task.idempotencyKey, task.callbackUrl],
      );
      await conn.execute(
        `INSERT INTO events (task_id, type, slot_word, created_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))`,
        [task.id, EventType.accepted, task.word.toString()],
      );
      return true;
    });
    return { id: task.id, created: true };
  } catch (e) {
    if ((e as { errno?: number }).errno !== ER_DUP_ENTRY) throw e;
    const [rows] = task.idempotencyKey !== null
      ? await pool.execute<Rows>('SELECT id FROM tasks WHERE idempotency_key = ?', [task.idempotencyKey])
      : await pool.execute<Rows>(
        'SELECT id FROM tasks WHERE parent_id = ? AND parent_component = ? AND parent_attempt = ? AND scene_index = ?',
        [task.parentId, task.parentComponent, task.parentAttempt, task.sceneIndex],
      );
    const existing = rows[0];
    if (!existing) throw e;
    return { id: String(existing.id), created: false };
  }
}
