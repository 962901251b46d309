/**
 * start-run: the running mark of an attempt, as a group-commit step (one write, then one read, in one round
 * trip). start-attempt adds the handler's reads to the same; start-attempts writes several at once.
 *   writes  component_runs: the attempt's row as running (worker, started_at, executions 1), inserted — a
 *             claimed attempt has no row until it is marked or ends (see write-runs) — or, when it has one
 *             still open (running again: the job was handed back or its worker died), updated to the same
 *             with executions+1; a row already closed is left as it is
 *             — only while the task row holds this attempt as the component's current one and the task is
 *               not cancelled (the row of an attempt answered, superseded, abandoned or cancelled is closed:
 *               every write that ends an attempt writes its row)
 *   reads   the row's status after the write
 *   locks   the run row, until the batch commits (alone, the write commits by itself)
 *   result  true   the attempt is open: run the handler
 *           false  the attempt was answered, superseded or cancelled: drop the job
 *
 * The task row is read, not locked: a write that ends the attempt and commits after this read writes the run
 * row after this one (the UPDATE of the task row comes first in it), so it closes the row this marked; one that
 * committed before it is seen, and nothing is written.
 */
import { TaskPhase } from '../../../core/engine/task.ts';
import { RunStatus } from '../../../core/engine/transitions.ts';
import type { Rows, Statement } from '../connection.ts';
import type { BatchStep } from '../group-commit.ts';

export interface AttemptToMark {
  taskId: string;
  component: string;
  attempt: number;
  worker: string;
}

/** The JSON path of a component's attempt number in `tasks.attempts`. */
export function attemptPath(component: string): string {
  return `$.${JSON.stringify(component)}`;
}

/** Qualified: the SELECT's table (tasks) has a `status` too. */
const STILL_OPEN = `component_runs.status IN ('${RunStatus.queued}', '${RunStatus.running}')`;

/** The INSERT that marks `marks` running, each only while its attempt is current (see the header). */
export function markRunning(marks: readonly AttemptToMark[]): Statement {
  return [
    `INSERT INTO component_runs (task_id, component, attempt, status, executions, worker, queued_at, started_at)
     ${marks.map(() => `SELECT id, ?, ?, '${RunStatus.running}', 1, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) FROM tasks
       WHERE id = ? AND phase <> '${TaskPhase.cancelled}' AND JSON_EXTRACT(attempts, ?) = ?`).join(' UNION ALL ')}
     ON DUPLICATE KEY UPDATE component_runs.worker = IF(${STILL_OPEN}, VALUES(worker), component_runs.worker),
       component_runs.started_at = IF(${STILL_OPEN}, VALUES(started_at), component_runs.started_at),
       component_runs.executions = component_runs.executions + IF(${STILL_OPEN}, 1, 0),
       component_runs.status = IF(${STILL_OPEN}, VALUES(status), component_runs.status)`,
    marks.flatMap((m) => [m.component, m.attempt, m.worker, m.taskId, attemptPath(m.component), m.attempt]),
  ];
}

/** The SELECT, after `markRunning`, of the marked attempts that are open: those whose row now reads running. */
export function openMarked(marks: readonly AttemptToMark[]): Statement {
  const taskIds = [...new Set(marks.map((m) => m.taskId))];
  return [
    `SELECT task_id, component, attempt FROM component_runs
     WHERE task_id IN (?) AND (task_id, component, attempt) IN (${marks.map(() => '(?, ?, ?)').join(', ')}) AND status = ?`,
    [taskIds, ...marks.flatMap((m) => [m.taskId, m.component, m.attempt]), RunStatus.running],
  ];
}

export function runKey(taskId: string, component: string, attempt: number): string {
  return JSON.stringify([taskId, component, attempt]);
}

/** The keys (`runKey`) of the rows `openMarked` returned. */
export function openKeys(rows: Rows): Set<string> {
  return new Set(rows.map((r) => runKey(String(r.task_id), String(r.component), Number(r.attempt))));
}

export function startRun(taskId: string, component: string, attempt: number, worker: string): BatchStep<boolean> {
  const mark = { taskId, component, attempt, worker };
  return {
    key: taskId,
    selfContained: true,
    build: () => ({
      statements: [markRunning([mark]), openMarked([mark])],
      read: (results) => (results[1] as Rows).length === 1,
    }),
  };
}
