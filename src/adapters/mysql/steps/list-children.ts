/**
 * list-children: one SELECT on the fan-out index (parent, component, attempt, item, take), no locks.
 *   reads   tasks whose parent is `parentId`, of one component and attempt when given: the chosen
 *           take of each scene, or with `takes: 'all'` every take
 *   result  their records, by item (then take)
 */
import { and, asc, eq } from 'drizzle-orm';
import type { TaskRecord } from '../../../core/ports/read-model.ts';
import type { Db } from '../connection.ts';
import { toRecord } from '../rows.ts';
import { tasks } from '../schema.ts';

export async function listChildren(
  db: Db, parentId: string, component?: string, attempt?: number, takes: 'chosen' | 'all' = 'chosen',
): Promise<TaskRecord[]> {
  const rows = await db
    .select()
    .from(tasks)
    .where(and(
      eq(tasks.parentId, parentId),
      component !== undefined ? eq(tasks.parentComponent, component) : undefined,
      attempt !== undefined ? eq(tasks.parentAttempt, attempt) : undefined,
      takes === 'chosen' ? eq(tasks.chosen, true) : undefined,
    ))
    .orderBy(asc(tasks.sceneIndex), asc(tasks.take));
  return rows.map(toRecord);
}
