/**
 * write-runs: the run-row statements of a write (apply-write, apply-writes), whatever the number of tasks.
 *   writes  component_runs, in this order: the finished attempts take their outcome (one INSERT … ON DUPLICATE
 *             KEY UPDATE: the row of a run never marked running does not exist yet and is written here whole,
 *             with the worker, start and execution its finish records; a marked one is updated); the abandoned
 *             ones (a resume, a restart or a cancel cleared them in flight) are closed as cancelled, written as
 *             cancelled rows when they had none; a fan-out attempt whose child was resumed is reopened
 *             (started_at moves to now: its time is the redo's, not stretched across both); on cancel, any
 *             run row still open is marked cancelled
 *           — each only for a task whose compare-and-swap matched (the condition its caller gives)
 *   locks   the run rows it writes
 *
 * A claimed attempt gets no row: until its run is marked running (start-run, start-attempt) or ends, it is read
 * from the task row (its attempt number in `attempts`, its bit in the in-flight set; see list-runs), so a run
 * that is never marked costs one row operation, its end. The INSERT's `queued_at` is then its start (or the
 * finish, for an answer that ran nothing: a cached output, an approval), which is all the row orders by.
 */
import { RunStatus, type TaskWrite } from '../../../core/engine/transitions.ts';
import { TaskPhase } from '../../../core/engine/task.ts';
import { json, type Statement } from '../connection.ts';

const OPEN = [RunStatus.queued, RunStatus.running];
/** True on a run row that is still open, in an ON DUPLICATE KEY UPDATE (before its status is set). */
const STILL_OPEN = `status IN ('${RunStatus.queued}', '${RunStatus.running}')`;

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
  const finishes = writes.flatMap((w) => w.finishes.map((f) => ({ cond: applies.when(w), taskId: w.taskId, f })));
  if (finishes.length > 0) {
    // On a row that exists (marked running, or an earlier execution's), the finish keeps what the mark wrote
    // and adds the execution it records, if any.
    out.push([
      `INSERT INTO component_runs (task_id, component, attempt, status, executions, cached, worker, output, error, queued_at, started_at, finished_at)
       ${finishes.map(({ cond }) => `SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, UTC_TIMESTAMP(3)), ?, UTC_TIMESTAMP(3) FROM DUAL WHERE ${cond[0]}`).join(' UNION ALL ')}
       ON DUPLICATE KEY UPDATE output = VALUES(output), error = VALUES(error), cached = VALUES(cached), finished_at = VALUES(finished_at),
         worker = COALESCE(VALUES(worker), worker), started_at = COALESCE(VALUES(started_at), started_at),
         executions = executions + VALUES(executions), status = VALUES(status)`,
      finishes.flatMap(({ cond, taskId, f }) => {
        const started = f.execution ? new Date(f.execution.startedAtMs) : null;
        return [taskId, f.component, f.attempt, f.status, f.execution ? 1 : 0, f.cached === true, f.execution?.worker ?? null,
          json(f.output), f.error ? json(f.error) : null, started, started, ...cond[1]];
      }),
    ]);
  }
  const abandons = writes.flatMap((w) => w.abandons.map((r) => ({ cond: applies.when(w), taskId: w.taskId, r })));
  if (abandons.length > 0) {
    // A row already closed (its answer got there first) keeps its outcome.
    out.push([
      `INSERT INTO component_runs (task_id, component, attempt, status, executions, queued_at, finished_at)
       ${abandons.map(({ cond }) => `SELECT ?, ?, ?, '${RunStatus.cancelled}', 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) FROM DUAL WHERE ${cond[0]}`).join(' UNION ALL ')}
       ON DUPLICATE KEY UPDATE finished_at = IF(${STILL_OPEN}, VALUES(finished_at), finished_at), status = IF(${STILL_OPEN}, VALUES(status), status)`,
      abandons.flatMap(({ cond, taskId, r }) => [taskId, r.component, r.attempt, ...cond[1]]),
    ]);
  }
  for (const w of writes) {
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
  return out;
}
