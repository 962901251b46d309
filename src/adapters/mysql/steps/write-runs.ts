/**
 * write-runs: the run-row statements of a write (apply-write, apply-writes), whatever the number of tasks.
 *   writes  component_runs, in this order: the finished attempts take their outcome, and those never marked
 *             running their worker, start and execution too (one UPDATE); the
 *             abandoned ones are closed as cancelled; a fan-out attempt whose child was resumed is reopened
 *             (started_at moves to now: its time is the redo's, not stretched across both); on cancel, the
 *             task's open attempts are marked cancelled; one row per new attempt is opened (one INSERT)
 *           — each only for a task whose compare-and-swap matched (the condition its caller gives)
 *   locks   the run rows it writes
 *
 * A finish is a plain UPDATE, not an upsert: a finished attempt's row exists (it was opened when its
 * component was claimed), and an INSERT … ON DUPLICATE KEY UPDATE costs InnoDB a refused insert before
 * the update, two row operations where one does.
 */
import { RunStatus, type TaskWrite } from '../../../core/engine/transitions.ts';
import { TaskPhase } from '../../../core/engine/task.ts';
import { json, type Statement } from '../connection.ts';

const OPEN = [RunStatus.queued, RunStatus.running];

/**
 * `where` is the condition, over a run row's `task_id` column, under which an UPDATE touches a task's runs;
 * `when` the condition, with its values, under which a write's new rows go in.
 */
export interface Applies {
  where: string;
  when(w: TaskWrite): [string, unknown[]];
}

export function writeRuns(writes: readonly TaskWrite[], applies: Applies): Statement[] {
  const out: Statement[] = [];
  const { where } = applies;
  const finishes = writes.flatMap((w) => w.finishes.map((f) => ({ taskId: w.taskId, ...f })));
  if (finishes.length > 0) {
    const when = finishes.map(() => 'WHEN (task_id, component, attempt) = (?, ?, ?) THEN ?').join(' ');
    const keyed = (value: (f: (typeof finishes)[number]) => unknown) => finishes.flatMap((f) => [f.taskId, f.component, f.attempt, value(f)]);
    // An execution never marked running is recorded by its finish: who ran it, from when, and one more execution.
    const executed = finishes.some((f) => f.execution);
    const execution = executed
      ? `, worker = COALESCE(CASE ${when} END, worker), started_at = COALESCE(CASE ${when} END, started_at),
         executions = executions + CASE ${when} END`
      : '';
    out.push([
      `UPDATE component_runs SET status = CASE ${when} END, output = CASE ${when} END, error = CASE ${when} END,
         cached = CASE ${when} END, finished_at = UTC_TIMESTAMP(3)${execution}
       WHERE task_id IN (?) AND (task_id, component, attempt) IN (${finishes.map(() => '(?, ?, ?)').join(', ')}) AND ${where}`,
      [
        ...keyed((f) => f.status), ...keyed((f) => json(f.output)), ...keyed((f) => (f.error ? json(f.error) : null)),
        ...keyed((f) => f.cached === true),
        ...(executed
          ? [
              ...keyed((f) => f.execution?.worker ?? null), ...keyed((f) => (f.execution ? new Date(f.execution.startedAtMs) : null)),
              ...keyed((f) => (f.execution ? 1 : 0)),
            ]
          : []),
        [...new Set(finishes.map((f) => f.taskId))], ...finishes.flatMap((f) => [f.taskId, f.component, f.attempt]),
      ],
    ]);
  }
  for (const w of writes) {
    if (w.abandons.length > 0) {
      out.push([
        `UPDATE component_runs SET status = ?, finished_at = UTC_TIMESTAMP(3)
         WHERE task_id = ? AND (component, attempt) IN (${w.abandons.map(() => '(?, ?)').join(', ')}) AND status IN (?) AND ${where}`,
        [RunStatus.cancelled, w.taskId, ...w.abandons.flatMap((r) => [r.component, r.attempt]), OPEN],
      ]);
    }
    if (w.reopen) {
      out.push([
        `UPDATE component_runs SET status = ?, started_at = UTC_TIMESTAMP(3), finished_at = NULL
         WHERE task_id = ? AND component = ? AND attempt = ? AND ${where}`,
        [RunStatus.running, w.taskId, w.reopen.component, w.reopen.attempt],
      ]);
    }
    if (w.phase === TaskPhase.cancelled) {
      out.push([
        `UPDATE component_runs SET status = ?, finished_at = UTC_TIMESTAMP(3) WHERE task_id = ? AND status IN (?) AND ${where}`,
        [RunStatus.cancelled, w.taskId, OPEN],
      ]);
    }
  }
  const starts = writes.flatMap((w) => w.starts.map((s) => ({ cond: applies.when(w), s })));
  if (starts.length > 0) {
    // A duplicate is an attempt queued again (its job re-dispatched): status and queued_at only.
    out.push([
      `INSERT INTO component_runs (task_id, component, attempt, status, executions, queued_at)
       ${starts.map(({ cond }) => `SELECT ?, ?, ?, '${RunStatus.queued}', 0, UTC_TIMESTAMP(3) FROM DUAL WHERE ${cond[0]}`).join(' UNION ALL ')}
       ON DUPLICATE KEY UPDATE status = VALUES(status), queued_at = VALUES(queued_at)`,
      starts.flatMap(({ cond, s }) => [s.taskId, s.component, s.attempt, ...cond[1]]),
    ]);
  }
  return out;
}
