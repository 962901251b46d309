/**
 * find-idle-tasks: one statement, no locks: per phase (queued, running) one range of the index on
 *   (phase, updated_at), oldest first and cut at `limit`, then the two merged. A single `phase IN (…)
 *   ORDER BY updated_at` cannot read the index in order across two phases, so it sorted every idle task: its
 *   cost grew with the backlog. Here at most 2 × `limit` rows are read, however many tasks wait.
 *   reads   tasks that are queued or running and were not written for `idleMs`
 *   result  their snapshots, oldest first (ties by id), at most `limit`
 */
import { TaskPhase, type TaskSnapshot } from '../../../core/engine/task.ts';
import type { Queryable, Rows } from '../connection.ts';
import { SNAPSHOT_COLUMNS, toSnapshot } from '../rows.ts';

const IDLE_PHASES = [TaskPhase.queued, TaskPhase.running] as const;

export async function findIdleTasks(db: Queryable, idleMs: number, limit: number): Promise<TaskSnapshot[]> {
  const range = `(SELECT ${SNAPSHOT_COLUMNS}, updated_at FROM tasks FORCE INDEX (tasks_phase_updated)
     WHERE phase = ? AND updated_at <= UTC_TIMESTAMP(3) - INTERVAL ? MICROSECOND
     ORDER BY updated_at, id LIMIT ?)`;
  const idleUs = Math.round(idleMs * 1000);
  const [rows] = await db.query<Rows>(
    `${IDLE_PHASES.map(() => range).join(' UNION ALL ')} ORDER BY updated_at, id LIMIT ?`,
    [...IDLE_PHASES.flatMap((phase) => [phase, idleUs, limit]), limit],
  );
  return rows.map(toSnapshot);
}
