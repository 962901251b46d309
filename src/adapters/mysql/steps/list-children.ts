/**
 * list-children: one SELECT on the fan-out index (parent, component, attempt, item), no locks.
 *   reads   tasks whose parent is `parentId`, of one component and attempt when given, the chosen take of each scene
 *   result  their records, in item order
 */
import { and, asc, eq } from 'drizzle-orm';
import type { TaskRecord } from '../../../core/ports/read-model.ts';
import type { Db } from '../connection.ts';
import { toRecord } from '../rows.ts';
import { tasks } from '../schema.ts';

export async function listChildren(db: Db, parentId: string, component?: string, attempt?: number): Promise<TaskRecord[]> {
  const rows = await db
    .select()
    .from(tasks)
    .where(and(
      eq(tasks.parentId, parentId),
      component !== undefined ? eq(tasks.parentComponent, component) : undefined,
      attempt !== undefined ? eq(tasks.parentAttempt, attempt) : undefined,
      eq(tasks.chosen, true),
    ))
    .orderBy(asc(tasks.sceneIndex));
  return rows.map(toRecord);
}
