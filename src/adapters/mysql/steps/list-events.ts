/**
 * list-events: one SELECT on (task, id), no locks.
 *   reads   event rows of one task (listEvents) or of several (listEventsOf) that can hold an event after
 *           the given event id (see event-rows.ts: from the row of that id on, legacy rows only above it)
 *   result  their events after that id, in the order they were written; listEventsOf at most `limit`
 *           (a reader pages on with the last id it got)
 */
import { and, asc, eq, gt, gte, inArray, or } from 'drizzle-orm';
import { expandRows, firstRowAfter } from '../../../core/ports/event-rows.ts';
import type { StoredEvent } from '../../../core/ports/read-model.ts';
import type { Db } from '../connection.ts';
import { toEventRow } from '../rows.ts';
import { events } from '../schema.ts';

export async function listEvents(db: Db, taskId: string, afterId: number): Promise<StoredEvent[]> {
  return listEventsOf(db, [taskId], afterId, Infinity);
}

export async function listEventsOf(db: Db, taskIds: readonly string[], afterId: number, limit: number): Promise<StoredEvent[]> {
  if (taskIds.length === 0) return [];
  const query = db
    .select({ id: events.id, taskId: events.taskId, items: events.items, legacy: events.legacy, createdAt: events.createdAt })
    .from(events)
    .where(and(
      inArray(events.taskId, [...taskIds]),
      gte(events.id, firstRowAfter(afterId)),
      or(eq(events.legacy, false), gt(events.id, afterId)),
    ))
    .orderBy(asc(events.id));
  // Every row holds an event, and at most the first (the row of `afterId`) holds none after it: one row more
  // than `limit` gives `limit` events whenever there are that many.
  const rows = Number.isFinite(limit) ? await query.limit(limit + 1) : await query;
  return expandRows(rows.map(toEventRow), afterId, limit);
}
