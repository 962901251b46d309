/**
 * read-carried: one SELECT, after a write's commit (apply-write, apply-writes): what the jobs the write
 * started need to run, so they carry it and their worker reads nothing first.
 *   reads   tasks: the input of each task asked for; component_runs: the output of the latest succeeded
 *           attempt of each component asked for — only for tasks whose write applied (the condition given)
 *   result  per task: { input, outputs } (a task whose write was refused is absent)
 */
import { RunStatus } from '../../../core/engine/transitions.ts';
import type { CarriedReads } from '../../../core/ports/task-state.ts';
import { parseJson, type Rows, type Statement } from '../connection.ts';

export interface CarryRequest {
  taskId: string;
  /** The dependencies whose outputs the started jobs read. */
  outputs: readonly string[];
}

/** `applies(column)`: true for the rows of a task whose write applied (`column` holds its id). */
export function readCarried(requests: readonly CarryRequest[], applies: (column: string) => string): Statement {
  const ids = requests.map((r) => r.taskId);
  const pairs = requests.flatMap((r) => r.outputs.map((c) => [r.taskId, c]));
  const inputs = `SELECT id AS task_id, NULL AS component, 0 AS attempt, input AS output FROM tasks WHERE id IN (?) AND ${applies('id')}`;
  if (pairs.length === 0) return [inputs, [ids]];
  return [
    `${inputs}
     UNION ALL SELECT task_id, component, attempt, output FROM component_runs
       WHERE task_id IN (?) AND status = ? AND (task_id, component) IN (${pairs.map(() => '(?, ?)').join(', ')}) AND ${applies('task_id')}
     ORDER BY attempt`,
    [ids, ids, RunStatus.succeeded, ...pairs.flat()],
  ];
}

/** Ordered by attempt, so the latest succeeded attempt of a component is the one kept. */
export function toCarried(rows: Rows): Map<string, CarriedReads> {
  const out = new Map<string, CarriedReads>();
  for (const r of rows) if (r.component === null) out.set(String(r.task_id), { input: parseJson(r.output), outputs: {} });
  for (const r of rows) if (r.component !== null) out.get(String(r.task_id))!.outputs[String(r.component)] = parseJson(r.output);
  return out;
}
