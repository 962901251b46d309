/**
 * release-webhook-row: one UPDATE by primary key.
 *   writes  events.next_delivery_at = NULL — only while the row has events not done, so a dispatcher that
 *             stops hands its lease back and the next claim takes the row at once
 *   locks   the row
 *   result  none; a row whose events are all done is left as it is
 */
import type { Queryable } from '../connection.ts';

export async function releaseWebhookRow(db: Queryable, row: number): Promise<void> {
  await db.execute('UPDATE events SET next_delivery_at = NULL WHERE id = ? AND delivered_at IS NULL', [row]);
}
