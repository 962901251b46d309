/**
 * release-webhook-event: one UPDATE by primary key.
 *   writes  events.next_delivery_at = NULL — only while the event is undelivered, so a
 *             dispatcher that stops hands its lease back and the next claim takes it at once
 *   locks   the event's row
 *   result  none; a delivered event is left as it is
 */
import type { Queryable } from '../connection.ts';

export async function releaseWebhookEvent(db: Queryable, eventId: number): Promise<void> {
  await db.execute('UPDATE events SET next_delivery_at = NULL WHERE id = ? AND delivered_at IS NULL', [eventId]);
}
