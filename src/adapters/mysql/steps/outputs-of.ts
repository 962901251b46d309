/**
 * outputs-of: one SELECT, no locks.
 *   reads   component_runs: the output of the latest succeeded attempt of each named component
 *   result  { component: output } for those that have one
 */
import { RunStatus } from '../../../core/engine/transitions.ts';
import { parseJson, type Queryable, type Rows } from '../connection.ts';

export const OUTPUTS_SQL = `SELECT component, attempt, output FROM component_runs
     WHERE task_id = ? AND status = ? AND component IN (?) ORDER BY attempt`;

export async function outputsOf(db: Queryable, taskId: string, components: readonly string[]): Promise<Record<string, unknown>> {
  if (components.length === 0) return {};
  const [rows] = await db.query<Rows>(OUTPUTS_SQL, [taskId, RunStatus.succeeded, components]);
  return toOutputs(rows);
}

/** Rows ordered by attempt: the last one of each component wins. */
export function toOutputs(rows: Rows): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const row of rows) out[String(row.component)] = parseJson(row.output);
  return out;
}
