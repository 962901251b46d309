/**
 * find-task-ids: one SELECT on the primary key's range, no locks.
 *   reads   tasks.id, the ids that begin with `prefix` (fan-out children included)
 *   result  at most `limit` of them in id order; [] when none does
 */
import { asc, like } from 'drizzle-orm';
import type { Db } from '../connection.ts';
import { tasks } from '../schema.ts';

export async function findTaskIds(db: Db, prefix: string, limit: number): Promise<string[]> {
  // LIKE's own wildcards in the prefix match only themselves.
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await db.select({ id: tasks.id }).from(tasks).where(like(tasks.id, pattern)).orderBy(asc(tasks.id)).limit(limit);
  return rows.map((r) => r.id);
}
