/**
 * apply-write: one transaction, the compare-and-swap every transition goes through.
 *   writes  tasks: word, in-flight set, attempts, phase, status, error, version+1
 *             — only WHERE id = ? AND version = <the version the plan read>
 *           component_runs: closes the finished attempt; opens one row per new attempt;
 *             reopens a fan-out attempt whose child was resumed;
 *             on cancel, marks open attempts cancelled
 *           events: the lifecycle events of the transition (the outbox)
 *   locks   the task row (by the UPDATE), then the run rows it touches
 *   result  true   applied
 *           false  the version moved (a writer whose lock had expired got there
 *                  first): nothing written; the caller reads again and re-plans
 */
import type { Pool } from 'mysql2/promise';
import { RunStatus, type TaskWrite } from '../../../core/engine/transitions.ts';
import { TaskPhase } from '../../../core/engine/task.ts';
import { inTransaction, json, ROLLBACK, type ResultSetHeader } from '../connection.ts';

export async function applyWrite(pool: Pool, w: TaskWrite): Promise<boolean> {
  const applied = await inTransaction(pool, async (conn) => {
    const [update] = await conn.execute<ResultSetHeader>(
      `UPDATE tasks SET slot_word = ?, in_flight = ?, attempts = ?, phase = ?, status = ?, error = ?,
         version = version + 1, updated_at = UTC_TIMESTAMP(3)
       WHERE id = ? AND version = ?`,
      [w.word.toString(), w.inFlight.toString(), json(w.attempts), w.phase, w.status, w.error ? json(w.error) : null,
        w.taskId, w.expectedVersion],
    );
    if (update.affectedRows !== 1) return ROLLBACK;
    if (w.finish) {
      await conn.execute(
        `UPDATE component_runs SET status = ?, output = ?, error = ?, cached = ?, finished_at = UTC_TIMESTAMP(3)
         WHERE task_id = ? AND component = ? AND attempt = ?`,
        [w.finish.status, json(w.finish.output), w.finish.error ? json(w.finish.error) : null, w.finish.cached === true,
          w.taskId, w.finish.component, w.finish.attempt],
      );
    }
    if (w.reopen) {
      await conn.execute(
        `UPDATE component_runs SET status = ?, finished_at = NULL WHERE task_id = ? AND component = ? AND attempt = ?`,
        [RunStatus.running, w.taskId, w.reopen.component, w.reopen.attempt],
      );
    }
    if (w.phase === TaskPhase.cancelled) {
      await conn.execute(
        `UPDATE component_runs SET status = ?, finished_at = UTC_TIMESTAMP(3) WHERE task_id = ? AND status IN (?, ?)`,
        [RunStatus.cancelled, w.taskId, RunStatus.queued, RunStatus.running],
      );
    }
    if (w.starts.length > 0) {
      const values = w.starts.map(() => `(?, ?, ?, '${RunStatus.queued}', 0, UTC_TIMESTAMP(3))`).join(', ');
      await conn.query(
        `INSERT INTO component_runs (task_id, component, attempt, status, executions, queued_at) VALUES ${values}
         ON DUPLICATE KEY UPDATE status = VALUES(status), queued_at = VALUES(queued_at)`,
        w.starts.flatMap((s) => [s.taskId, s.component, s.attempt]),
      );
    }
    if (w.events.length > 0) {
      const values = w.events.map(() => '(?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))').join(', ');
      await conn.query(
        `INSERT INTO events (task_id, type, slot_word, component, attempt, data, created_at) VALUES ${values}`,
        w.events.flatMap((e) => [w.taskId, e.type, e.slotWord, e.component ?? null, e.attempt ?? null, e.data ? json(e.data) : null]),
      );
    }
    return true;
  });
  return applied === true;
}
