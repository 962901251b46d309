/**
 * list-events: one SELECT on (task, id), no locks.
 *   reads   events of one task (listEvents) or of several (listEventsOf), after an event id
 *   result  the events, in the order they were written; listEventsOf at most `limit`
 *           (a reader pages on with the last id it got)
 */
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { StoredEvent } from '../../../core/ports/read-model.ts';
import type { Db } from '../connection.ts';
import { toEvent } from '../rows.ts';
import { events } from '../schema.ts';

export async function listEvents(db: Db, taskId: string, afterId: number): Promise<StoredEvent[]> {
  const rows = await db
    .select()
    .from(events)
    .where(and(eq(events.taskId, taskId), gt(events.id, afterId)))
    .orderBy(asc(events.id));
  return rows.map(toEvent);
}

export async function listEventsOf(db: Db, taskIds: readonly string[], afterId: number, limit: number): Promise<StoredEvent[]> {
  if (taskIds.length === 0) return [];
  const rows = await db
    .select()
    .from(events)
    .where(and(inArray(events.taskId, [...taskIds]), gt(events.id, afterId)))
    .orderBy(asc(events.id))
    .limit(limit);
  return rows.map(toEvent);
}
