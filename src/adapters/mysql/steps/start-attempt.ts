/**
 * start-attempt: start-run and the handler's reads, as a group-commit step (one round trip, shared
 * with the other steps ready at the same moment). The openings of a batch go together (start-attempts);
 * this is one alone.
 *   writes  component_runs: the attempt's row as running (start-run: inserted, or an open row updated)
 *             — only while the task row holds the attempt as current and the task is not cancelled
 *   reads   whether the row now reads running (start-run); tasks: the input; component_runs: the output of
 *             the latest succeeded attempt of each dependency (one SELECT for both)
 *   locks   the run row, until the batch commits (alone, the INSERT commits by itself)
 *   result  { input, deps }  the attempt is open: run the handler
 *           undefined        the attempt was answered, superseded or cancelled: drop the job
 */
import { RunStatus } from '../../../core/engine/transitions.ts';
import type { OpenedAttempt } from '../../../core/ports/attempts.ts';
import { parseJson, type Rows, type Statement } from '../connection.ts';
import type { BatchStep } from '../group-commit.ts';
import { toInput, toOutputs } from '../rows.ts';
import { type AttemptToOpen, startAttemptsTogether } from './start-attempts.ts';
import { markRunning, openMarked } from './start-run.ts';

export function startAttempt(
  taskId: string, component: string, attempt: number, worker: string, depends: readonly string[],
): BatchStep<OpenedAttempt | undefined> {
  const mark = { taskId, component, attempt, worker };
  const statements: Statement[] = [
    markRunning([mark]),
    openMarked([mark]),
    // The input and the outputs in one SELECT: the task's row is the one without a component, first (attempt 0).
    depends.length === 0
      ? ['SELECT input FROM tasks WHERE id = ?', [taskId]]
      : [
          `SELECT NULL AS component, 0 AS attempt, input AS output FROM tasks WHERE id = ?
           UNION ALL SELECT component, attempt, output FROM component_runs WHERE task_id = ? AND status = ? AND component IN (?)
           ORDER BY attempt`,
          [taskId, taskId, RunStatus.succeeded, depends],
        ],
  ];
  return {
    key: taskId,
    // One write, then reads: alone in a batch it goes without a transaction.
    selfContained: true,
    merge: { merger: startAttemptsTogether, payload: { taskId, component, attempt, worker, depends } satisfies AttemptToOpen, identity: `${taskId}/${component}/${attempt}` },
    build: () => ({
      statements,
      read(results) {
        const rows = results[2] as Rows;
        if ((results[1] as Rows).length !== 1) return undefined;
        if (depends.length === 0) return rows[0] ? { input: toInput(rows[0]), deps: {} } : undefined;
        const task = rows.find((r) => r.component === null);
        if (!task) return undefined;
        return { input: parseJson(task.output), deps: toOutputs(rows.filter((r) => r.component !== null)) };
      },
    }),
  };
}
