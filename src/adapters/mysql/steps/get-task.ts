/**
 * get-task: one SELECT by primary key, no locks; the view for people (input, key, callback, times).
 *   reads   tasks: the whole row
 *   result  the record, or undefined for an unknown id
 */
import { eq } from 'drizzle-orm';
import type { TaskRecord } from '../../../core/ports/read-model.ts';
import type { Db } from '../connection.ts';
import { toRecord } from '../rows.ts';
import { tasks } from '../schema.ts';

export async function getTask(db: Db, id: string): Promise<TaskRecord | undefined> {
  const rows = await db.select().from(tasks).where(eq(tasks.id, id));
  return rows[0] && toRecord(rows[0]);
}
