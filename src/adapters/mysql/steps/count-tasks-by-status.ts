/**
 * count-tasks-by-status: one grouped SELECT, no locks.
 *   reads   tasks: phase and status
 *   result  one row per (phase, status) present, with its count
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../connection.ts';
import { toStatusCounts } from '../rows.ts';
import { tasks } from '../schema.ts';

export async function countTasksByStatus(db: Db): Promise<Array<{ phase: string; status: string; count: number }>> {
  const rows = await db
    .select({ phase: tasks.phase, status: tasks.status, count: sql<number>`count(*)` })
    .from(tasks)
    .groupBy(tasks.phase, tasks.status);
  return toStatusCounts(rows);
}
