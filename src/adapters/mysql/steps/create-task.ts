/**
 * create-task: one transaction in one round trip, as a group-commit step: the tasks created at the same
 * moment (a burst of submissions) go together as three multi-row INSERTs, whatever their number.
 *   writes  tasks (new row: version 1, phase queued; or, with a first pass, the row as that pass
 *             leaves it at version 2), events (one row: `accepted`, then the first pass's events); the attempts the
 *             first pass claimed get no run row until they are marked running or end (see write-runs)
 *   locks   the unique index entries of the idempotency key and of the
 *           fan-out child position (parent, component, attempt, item)
 *   result  { created: true }  the new task
 *           { created: false } the key already named a task: that task's id,
 *                              nothing written (also under concurrent submissions:
 *                              the losers hit the unique key and read the winner; a batch
 *                              that hits it is sent again step by step, so only the
 *                              duplicate's own step fails, and it reads the winner)
 */
import type { Pool } from 'mysql2/promise';
import { EventType } from '../../../core/engine/events.ts';
import { packEvents } from '../../../core/ports/event-rows.ts';
import type { CreatedTask, NewTask } from '../../../core/ports/task-state.ts';
import { json, type Rows, type Statement } from '../connection.ts';
import type { BatchStep, GroupCommit, StepMerger } from '../group-commit.ts';
import { toIds } from '../rows.ts';

export const ER_DUP_ENTRY = 1062;

const createTasksTogether: StepMerger<void> = {
  build: (_tag, payloads) => ({ statements: newTaskStatements(payloads as readonly NewTask[]), read: () => payloads.map(() => undefined) }),
};

function createStep(task: NewTask): BatchStep<void> {
  return {
    key: task.id,
    build: () => ({ statements: newTaskStatements([task]), read: () => undefined }),
    merge: { merger: createTasksTogether, payload: task, identity: task.id },
  };
}

export async function createTask(commits: GroupCommit, pool: Pool, task: NewTask): Promise<CreatedTask> {
  try {
    await commits.run(createStep(task));
    return { id: task.id, created: true };
  } catch (e) {
    if ((e as { errno?: number }).errno !== ER_DUP_ENTRY) throw e;
    const [rows] = task.idempotencyKey !== null
      ? await pool.execute<Rows>('SELECT id FROM tasks WHERE idempotency_key = ?', [task.idempotencyKey])
      : await pool.execute<Rows>(
        'SELECT id FROM tasks WHERE parent_id = ? AND parent_component = ? AND parent_attempt = ? AND scene_index = ? AND take = ?',
        [task.parentId, task.parentComponent, task.parentAttempt, task.sceneIndex, task.take],
      );
    const [existing] = toIds(rows);
    if (existing === undefined) throw e;
    return { id: existing, created: false };
  }
}

/** The inserts that create `tasks`, each as its first pass (if any) leaves it, with their events. */
export function newTaskStatements(tasks: readonly NewTask[]): Statement[] {
  const rows = tasks.map((t) => {
    const state = t.first ?? t.snapshot;
    return [t.id, t.parentId, t.parentComponent, t.parentAttempt, t.sceneIndex, t.flow.name, t.flow.hash, state.word.toString(),
      state.inFlight.toString(), t.first ? 2 : 1, json(state.attempts), state.phase, state.status, json(t.input), t.idempotencyKey, t.callbackUrl, t.take, t.title];
  });
  // One event row per task: `accepted`, then its first pass's events.
  const events = tasks.flatMap((t) => packEvents([{ type: EventType.accepted, slotWord: t.word.toString() }, ...(t.first?.events ?? [])])
    .map((items) => [t.id, json(items), items.length, t.callbackUrl !== null]));
  return [
    [
      `INSERT INTO tasks (id, parent_id, parent_component, parent_attempt, scene_index, flow_name, flow_hash, slot_word, in_flight,
         version, attempts, phase, status, input, idempotency_key, callback_url, take, title, error, created_at, updated_at)
       VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))').join(', ')}`,
      rows.flat(),
    ],
    [
      `INSERT INTO events (task_id, items, event_count, deliver, created_at)
       VALUES ${events.map(() => '(?, ?, ?, ?, UTC_TIMESTAMP(3))').join(', ')}`,
      events.flat(),
    ],
  ];
}
