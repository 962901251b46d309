/**
 * start-attempts: the attempt openings of a group commit, written together whatever their number (see
 * start-attempt for one alone, which does the same).
 *   writes  component_runs: each attempt's row as running (start-run's INSERT, one for all): inserted, or an
 *             open row updated — only while its task row holds it as current and the task is not cancelled
 *   locks   those run rows, until the batch commits
 *   reads   the rows that now read running (one SELECT): these attempts are open; tasks: the inputs (one
 *             SELECT); component_runs: the output of the latest succeeded attempt of every dependency of every
 *             attempt (one SELECT)
 *   result  per opening, in order: { input, deps } (run the handler) or undefined (drop the job: the
 *           attempt was answered, superseded or cancelled)
 */
import { RunStatus } from '../../../core/engine/transitions.ts';
import type { OpenedAttempt } from '../../../core/ports/attempts.ts';
import { parseJson, type Rows, type Statement } from '../connection.ts';
import type { BuiltStep, StepMerger } from '../group-commit.ts';
import { toInput } from '../rows.ts';
import { markRunning, openKeys, openMarked, runKey } from './start-run.ts';

export interface AttemptToOpen {
  taskId: string;
  component: string;
  attempt: number;
  worker: string;
  depends: readonly string[];
}

export const startAttemptsTogether: StepMerger<OpenedAttempt | undefined> = {
  build: (_tag, payloads) => build(payloads as readonly AttemptToOpen[]),
};

function build(opens: readonly AttemptToOpen[]): BuiltStep<Array<OpenedAttempt | undefined>> {
  const taskIds = [...new Set(opens.map((o) => o.taskId))];
  const deps = [...new Set(opens.flatMap((o) => o.depends.map((d) => JSON.stringify([o.taskId, d]))))].map((k) => JSON.parse(k) as [string, string]);
  const statements: Statement[] = [markRunning(opens), openMarked(opens), ['SELECT id, input FROM tasks WHERE id IN (?)', [taskIds]]];
  if (deps.length > 0) {
    statements.push([
      `SELECT task_id, component, attempt, output FROM component_runs
       WHERE task_id IN (?) AND status = ? AND (task_id, component) IN (${deps.map(() => '(?, ?)').join(', ')}) ORDER BY attempt`,
      [taskIds, RunStatus.succeeded, ...deps.flat()],
    ]);
  }
  return {
    statements,
    read(results): Array<OpenedAttempt | undefined> {
      const open = openKeys(results[1] as Rows);
      const inputs = new Map((results[2] as Rows).map((r) => [String(r.id), r]));
      // Ordered by attempt, so the latest succeeded attempt of a component is the one kept.
      const outputs = new Map<string, Record<string, unknown>>();
      for (const r of deps.length > 0 ? (results[3] as Rows) : []) {
        const of = outputs.get(String(r.task_id)) ?? outputs.set(String(r.task_id), {}).get(String(r.task_id))!;
        of[String(r.component)] = parseJson(r.output);
      }
      return opens.map((o) => {
        const task = inputs.get(o.taskId);
        if (!task || !open.has(runKey(o.taskId, o.component, o.attempt))) return undefined;
        const all = outputs.get(o.taskId) ?? {};
        return { input: toInput(task), deps: Object.fromEntries(o.depends.filter((d) => d in all).map((d) => [d, all[d]])) };
      });
    },
  };
}

