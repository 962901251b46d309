/**
 * outputs-of: one SELECT, no locks.
 *   reads   component_runs: the output of the latest succeeded attempt of each named component
 *   result  { component: output } for those that have one
 */
import { RunStatus } from '../../../core/engine/transitions.ts';
import type { Queryable, Rows } from '../connection.ts';
import { toOutputs } from '../rows.ts';

export const OUTPUTS_SQL = `SELECT component, attempt, output FROM component_runs
     WHERE task_id = ? AND status = ? AND component IN (?) ORDER BY attempt`;

export async function outputsOf(db: Queryable, taskId: string, components: readonly string[]): Promise<Record<string, unknown>> {
  if (components.length === 0) return {};
  const [rows] = await db.query<Rows>(OUTPUTS_SQL, [taskId, RunStatus.succeeded, components]);
  return toOutputs(rows);
}
