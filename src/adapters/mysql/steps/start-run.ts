/**
 * start-run: one UPDATE.
 *   writes  component_runs: status running, worker, started_at, executions+1
 *             — only for the named attempt while it is queued or running
 *               (running again: the job was handed back or its worker died)
 *   result  true   the attempt is open: run the handler
 *           false  the attempt was answered, superseded or cancelled: drop the job
 */
import { RunStatus } from '../../../core/engine/transitions.ts';
import type { Queryable, ResultSetHeader } from '../connection.ts';

export async function startRun(db: Queryable, taskId: string, component: string, attempt: number, worker: string): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    `UPDATE component_runs SET status = ?, worker = ?, started_at = UTC_TIMESTAMP(3), executions = executions + 1
     WHERE task_id = ? AND component = ? AND attempt = ? AND status IN (?, ?)`,
    [RunStatus.running, worker, taskId, component, attempt, RunStatus.queued, RunStatus.running],
  );
  return result.affectedRows === 1;
}
