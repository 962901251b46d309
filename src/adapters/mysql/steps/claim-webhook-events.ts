/**
 * claim-webhook-events: one transaction in one round trip, one conditional UPDATE.
 *   reads   event rows (each a write's events, see event-rows.ts) marked `deliver` (their task has a
 *           callback_url) and not delivered, in id order from the index events_outbox: the rows of tasks
 *           without a callback are never read; then the claimed ones joined to their task's callback_url.
 *           The ORDER BY names the whole index (id order, since the WHERE fixes the first two): with
 *           `ORDER BY id` alone MariaDB's UPDATE reads and sorts every row to deliver, not `limit` of them
 *   locks   the claimed rows, until the commit
 *   writes  events.next_delivery_at = now + lease, events.lease_owner = a token new for this call
 *             — only for rows to deliver with events not done, their first one under `maxAttempts`, not
 *               leased by another dispatcher, oldest first, at most `limit`
 *   result  the events not done of the claimed rows (the rows carrying this call's token), with
 *           their URL, row, position and attempts so far, oldest first; a row another dispatcher
 *           leased first is not among them (its lease is in the future, so the condition no longer
 *           holds for it once that dispatcher committed, and its token is that dispatcher's)
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'mysql2/promise';
import type { WebhookEvent } from '../../../core/ports/webhook-outbox.ts';
import { batch, type Rows } from '../connection.ts';
import { toWebhookEvents } from '../rows.ts';

export async function claimWebhookEvents(pool: Pool, limit: number, leaseMs: number, maxAttempts: number): Promise<WebhookEvent[]> {
  const token = randomUUID();
  const results = await batch(pool, [
    ['START TRANSACTION', []],
    [
      `UPDATE events SET next_delivery_at = UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND, lease_owner = ?
       WHERE deliver = TRUE AND delivered_at IS NULL AND delivery_attempts < ?
         AND (next_delivery_at IS NULL OR next_delivery_at <= UTC_TIMESTAMP(3))
       ORDER BY deliver, delivered_at, id LIMIT ?`,
      [leaseMs * 1000, token, maxAttempts, limit],
    ],
    [
      `SELECT e.*, t.callback_url FROM events e JOIN tasks t ON t.id = e.task_id
       WHERE e.lease_owner = ? ORDER BY e.id`,
      [token],
    ],
    ['COMMIT', []],
  ]);
  return (results[2] as Rows).flatMap(toWebhookEvents);
}
