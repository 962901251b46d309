/**
 * list-runs: one SELECT on the primary key prefix (task), no locks.
 *   reads   component_runs of the task
 *   result  every attempt's row, in the order they were queued
 */
import { asc, eq } from 'drizzle-orm';
import type { RunRecord } from '../../../core/ports/read-model.ts';
import type { Db } from '../connection.ts';
import { toRun } from '../rows.ts';
import { componentRuns } from '../schema.ts';

export async function listRuns(db: Db, taskId: string): Promise<RunRecord[]> {
  const rows = await db
    .select()
    .from(componentRuns)
    .where(eq(componentRuns.taskId, taskId))
    .orderBy(asc(componentRuns.queuedAt), asc(componentRuns.component), asc(componentRuns.attempt));
  return rows.map(toRun);
}
