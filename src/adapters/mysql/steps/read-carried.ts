/**
 * read-carried: what the jobs a write started need to run, so they carry it and their worker reads nothing
 * first; parts of apply-writes' one SELECT after the commit (`sf_kind` 'input' and 'output').
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

/**
 * The SELECTs to join (UNION ALL) into the read after the commit: columns sf_kind, sf_task, sf_component,
 * sf_attempt, sf_value, then `padding` (the other parts' columns, as NULLs). `applies(column)`: true for the
 * rows of a task whose write applied (`column` holds its id). To be ordered by sf_attempt.
 */
export function carriedParts(requests: readonly CarryRequest[], applies: (column: string) => string, padding: string): Statement[] {
  const ids = requests.map((r) => r.taskId);
  const pairs = requests.flatMap((r) => r.outputs.map((c) => [r.taskId, c]));
  const parts: Statement[] = [[`SELECT 'input', id, NULL, 0, input, ${padding} FROM tasks WHERE id IN (?) AND ${applies('id')}`, [ids]]];
  if (pairs.length > 0) {
    parts.push([
      `SELECT 'output', task_id, component, attempt, output, ${padding} FROM component_runs
       WHERE task_id IN (?) AND status = ? AND (task_id, component) IN (${pairs.map(() => '(?, ?)').join(', ')}) AND ${applies('task_id')}`,
      [ids, RunStatus.succeeded, ...pairs.flat()],
    ]);
  }
  return parts;
}

/** From the rows `carriedParts` gave, ordered by attempt, so the latest succeeded attempt of a component is the one kept. */
export function toCarried(rows: Rows): Map<string, CarriedReads> {
  const out = new Map<string, CarriedReads>();
  for (const r of rows) if (r.sf_kind === 'input') out.set(String(r.sf_task), { input: parseJson(r.sf_value), outputs: {} });
  for (const r of rows) if (r.sf_kind === 'output') out.get(String(r.sf_task))!.outputs[String(r.sf_component)] = parseJson(r.sf_value);
  return out;
}
