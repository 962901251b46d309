/**
 * create-reused-task: one transaction in one round trip; a task answered with an earlier task's outcome.
 *   reads   tasks: the earlier task, only while it is completed and of the same flow version (a shared lock
 *             on its row, so it cannot be resumed mid-copy); component_runs: its successful runs
 *   writes  tasks (new row, completed at version 1, the earlier word, attempts and status, reused_from set),
 *           component_runs (a copy of each successful run: same output, cached, no executions),
 *           events (one row: `accepted`, `reused` with the earlier task and the similarity, `completed`)
 *           — every statement after the first INSERT runs only when it copied a row
 *   locks   the earlier task's row (shared), the idempotency key's unique index entry
 *   result  { created: true }   the new task, completed
 *           { created: false }  the key already named a task: that task's id, nothing written
 *           undefined           the earlier task is not completed any more: nothing written, run the task fresh
 */
import type { Pool } from 'mysql2/promise';
import { EventType } from '../../../core/engine/events.ts';
import { packEvents } from '../../../core/ports/event-rows.ts';
import { RunStatus } from '../../../core/engine/transitions.ts';
import { TaskPhase } from '../../../core/engine/task.ts';
import type { ReusedFrom } from '../../../core/ports/request-vectors.ts';
import type { CreatedTask, NewTask } from '../../../core/ports/task-state.ts';
import { batch, json, type Rows } from '../connection.ts';
import { toIds } from '../rows.ts';
import { ER_DUP_ENTRY } from './create-task.ts';

export async function createReusedTask(pool: Pool, task: NewTask, from: ReusedFrom): Promise<CreatedTask | undefined> {
  const copied = '@reused_copied';
  // The words of `reused` and `completed` are the earlier task's, copied with its row: set from the new row.
  const items = packEvents([
    { type: EventType.accepted, slotWord: task.word.toString() },
    { type: EventType.reused, slotWord: '', data: { reused_from: from.taskId, similarity: Number(from.similarity.toFixed(6)) } },
    { type: EventType.completed, slotWord: '' },
  ])[0]!;
  try {
    const results = await batch(pool, [
      ['START TRANSACTION', []],
      [
        `INSERT INTO tasks (id, parent_id, parent_component, parent_attempt, scene_index, flow_name, flow_hash, slot_word, in_flight,
           version, attempts, phase, status, input, idempotency_key, callback_url, take, title, reused_from, error, created_at, updated_at)
         SELECT ?, NULL, NULL, NULL, NULL, flow_name, flow_hash, slot_word, 0, 1, attempts, phase, status, ?, ?, ?, 1, ?, id, NULL,
           UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)
         FROM tasks WHERE id = ? AND phase = ? AND flow_hash = ? LOCK IN SHARE MODE`,
        [task.id, json(task.input), task.idempotencyKey, task.callbackUrl, task.title, from.taskId, TaskPhase.completed, task.flow.hash],
      ],
      [`SET ${copied} = ROW_COUNT()`, []],
      [
        `INSERT INTO component_runs (task_id, component, attempt, status, executions, cached, worker, output, error, queued_at, started_at, finished_at)
         SELECT ?, component, attempt, status, 0, TRUE, NULL, output, NULL, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)
         FROM component_runs WHERE task_id = ? AND status = ? AND ${copied} = 1`,
        [task.id, from.taskId, RunStatus.succeeded],
      ],
      [
        `INSERT INTO events (task_id, items, event_count, deliver, created_at)
         SELECT id, JSON_SET(?, '$[1].slot_word', CAST(slot_word AS CHAR), '$[2].slot_word', CAST(slot_word AS CHAR)), ?,
           callback_url IS NOT NULL, UTC_TIMESTAMP(3)
         FROM tasks WHERE id = ? AND ${copied} = 1`,
        [json(items), items.length, task.id],
      ],
      ['COMMIT', []],
      [`SELECT ${copied} AS copied`, []],
    ]);
    const last = results[results.length - 1] as Rows;
    return Number(last[0]?.copied) === 1 ? { id: task.id, created: true } : undefined;
  } catch (e) {
    if ((e as { errno?: number }).errno !== ER_DUP_ENTRY || task.idempotencyKey === null) throw e;
    const [rows] = await pool.execute<Rows>('SELECT id FROM tasks WHERE idempotency_key = ?', [task.idempotencyKey]);
    const [existing] = toIds(rows);
    if (existing === undefined) throw e;
    return { id: existing, created: false };
  }
}
