/**
 * record-webhook-attempt: one transaction in one round trip.
 *   writes  webhook_attempts (one row: the event's id, the attempt's number, URL, status code, error),
 *           events (the event's row, only while the event is still its first not done — a dispatcher whose
 *             lease ran out and was overtaken changes nothing there):
 *             went through or given up: delivered_count + 1, delivery_attempts back to 0, delivered_at
 *               now once every event of the row is done; the lease stays while the row has more
 *               (the dispatcher goes on with the next), a given-up event's row is due at once
 *             failed: delivery_attempts + 1, next_delivery_at when to try again
 *   locks   the event's row
 *   result  none; both rows are written or neither is
 */
import type { Pool } from 'mysql2/promise';
import type { WebhookAttempt } from '../../../core/ports/webhook-outbox.ts';
import { batch } from '../connection.ts';

/** Longest error text kept per attempt. */
export const MAX_ATTEMPT_ERROR = 1000;

export async function recordWebhookAttempt(pool: Pool, a: WebhookAttempt): Promise<void> {
  const done = a.ok || a.givenUp === true;
  await batch(pool, [
    ['START TRANSACTION', []],
    [
      `INSERT INTO webhook_attempts (event_id, task_id, attempt, url, status_code, error, ok, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))`,
      [a.event.id, a.event.taskId, a.event.deliveryAttempts + 1, a.event.url, a.statusCode, a.error?.slice(0, MAX_ATTEMPT_ERROR) ?? null, a.ok],
    ],
    [
      // delivered_at first: it reads delivered_count as it was, whether MariaDB assigns left to right or all at once.
      `UPDATE events SET delivered_at = IF(? AND delivered_count + 1 >= event_count, UTC_TIMESTAMP(3), NULL),
         delivered_count = delivered_count + IF(?, 1, 0),
         delivery_attempts = IF(?, 0, delivery_attempts + 1),
         next_delivery_at = IF(?, next_delivery_at, ?)
       WHERE id = ? AND delivered_count = ?`,
      [done, done, done, a.ok, a.nextAt, a.event.row, a.event.position],
    ],
    ['COMMIT', []],
  ]);
}
