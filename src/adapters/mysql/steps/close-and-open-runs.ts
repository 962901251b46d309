/**
 * close-and-open-runs: one statement, part of a write (apply-write, apply-writes).
 *   writes  component_runs: the finished attempts' rows take their outcome; the new attempts' rows are
 *           opened (or queued again) — one INSERT … ON DUPLICATE KEY UPDATE for both
 *   locks   the run rows it writes
 */
import { RunStatus, type TaskWrite } from '../../../core/engine/transitions.ts';
import { TaskPhase } from '../../../core/engine/task.ts';
import { json, type Statement } from '../connection.ts';

/**
 * The finished attempts' rows closed and the new attempts' rows opened, as one upsert: a row with a
 * finished_at is a finish (its row exists and takes the outcome), one without is an opening (a new row,
 * or an attempt queued again: status and queued_at only). `when` is the condition, with its values,
 * under which a write's rows go in (its compare-and-swap matched).
 */
export function closeAndOpenRuns(writes: readonly TaskWrite[], when: (w: TaskWrite) => [string, unknown[]]): Statement {
  const rows: string[] = [];
  const values: unknown[] = [];
  for (const w of writes) {
    const [cond, condValues] = when(w);
    for (const f of w.finishes) {
      rows.push(`SELECT ?, ?, ?, ?, 0, UTC_TIMESTAMP(3), ?, ?, ?, UTC_TIMESTAMP(3) FROM DUAL WHERE ${cond}`);
      values.push(w.taskId, f.component, f.attempt, f.status, json(f.output), f.error ? json(f.error) : null, f.cached === true, ...condValues);
    }
    for (const st of w.starts) {
      rows.push(`SELECT ?, ?, ?, '${RunStatus.queued}', 0, UTC_TIMESTAMP(3), NULL, NULL, FALSE, NULL FROM DUAL WHERE ${cond}`);
      values.push(st.taskId, st.component, st.attempt, ...condValues);
    }
  }
  const finishing = 'VALUES(finished_at) IS NOT NULL';
  return [
    `INSERT INTO component_runs (task_id, component, attempt, status, executions, queued_at, output, error, cached, finished_at)
     ${rows.join(' UNION ALL ')}
     ON DUPLICATE KEY UPDATE
       output = IF(${finishing}, VALUES(output), output), error = IF(${finishing}, VALUES(error), error),
       cached = IF(${finishing}, VALUES(cached), cached), queued_at = IF(${finishing}, queued_at, VALUES(queued_at)),
       finished_at = IF(${finishing}, VALUES(finished_at), finished_at), status = VALUES(status)`,
    values,
  ];
}

/** Whether a write touches runs only by finishing and opening them, so `closeAndOpenRuns` is all it needs. */
export function onlyClosesAndOpens(w: TaskWrite): boolean {
  return w.abandons.length === 0 && !w.reopen && w.phase !== TaskPhase.cancelled;
}
