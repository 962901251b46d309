/**
 * list-runs: two SELECTs on primary keys (the task, then its runs), no locks.
 *   reads   tasks: attempts, phase, updated_at; component_runs of the task
 *   result  every attempt's row, in the order they were queued; an attempt claimed and not yet marked running
 *           nor ended has no row (see write-runs): while its task is unfinished, the current attempt of a
 *           component without a row of its own reads as queued (no worker, no times, no executions), queued at
 *           the task's last write
 */
import { asc, eq } from 'drizzle-orm';
import { isTerminal, type TaskPhase } from '../../../core/engine/task.ts';
import { RunStatus } from '../../../core/engine/transitions.ts';
import type { RunRecord } from '../../../core/ports/read-model.ts';
import { type Db, parseJson } from '../connection.ts';
import { toRun } from '../rows.ts';
import { componentRuns, tasks } from '../schema.ts';

export async function listRuns(db: Db, taskId: string): Promise<RunRecord[]> {
  // The task first: a run that ends between the two reads is then found by the second, never missed by both.
  const [task] = await db.select({ attempts: tasks.attempts, phase: tasks.phase, updatedAt: tasks.updatedAt }).from(tasks).where(eq(tasks.id, taskId));
  const rows = await db
    .select()
    .from(componentRuns)
    .where(eq(componentRuns.taskId, taskId))
    .orderBy(asc(componentRuns.queuedAt), asc(componentRuns.component), asc(componentRuns.attempt));
  const runs = rows.map(toRun);
  if (!task || isTerminal(task.phase as TaskPhase)) return runs;
  return [...runs, ...claimedRuns(parseJson<Record<string, number>>(task.attempts), runs, task.updatedAt)];
}

/** The current attempts that have no row yet: claimed, neither marked running nor ended. */
export function claimedRuns(attempts: Readonly<Record<string, number>>, runs: readonly RunRecord[], queuedAt: Date): RunRecord[] {
  const written = new Set(runs.map((r) => `${r.attempt}:${r.component}`));
  return Object.entries(attempts)
    .filter(([component, attempt]) => !written.has(`${attempt}:${component}`))
    .map(([component, attempt]) => ({
      component, attempt, status: RunStatus.queued, executions: 0, cached: false, worker: null, queuedAt, startedAt: null, finishedAt: null,
      output: null, error: null,
    }));
}
