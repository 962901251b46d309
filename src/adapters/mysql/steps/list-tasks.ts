/**
 * list-tasks: one SELECT, no locks.
 *   reads   tasks, filtered by status, phase and flow name when given, and to those without a parent when `topLevel`
 *   result  their records, newest first, at most `filter.limit` (default DEFAULT_TASK_LIST_LIMIT)
 */
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { TaskFilter, TaskRecord } from '../../../core/ports/read-model.ts';
import type { Db } from '../connection.ts';
import { toRecord } from '../rows.ts';
import { tasks } from '../schema.ts';

export const DEFAULT_TASK_LIST_LIMIT = 50;

export async function listTasks(db: Db, filter: TaskFilter): Promise<TaskRecord[]> {
  const where = and(
    filter.status ? eq(tasks.status, filter.status) : undefined,
    filter.phase ? eq(tasks.phase, filter.phase) : undefined,
    filter.flow ? eq(tasks.flowName, filter.flow) : undefined,
    filter.topLevel ? isNull(tasks.parentId) : undefined,
  );
  const rows = await db.select().from(tasks).where(where).orderBy(desc(tasks.createdAt)).limit(filter.limit ?? DEFAULT_TASK_LIST_LIMIT);
  return rows.map(toRecord);
}
