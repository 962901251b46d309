/**
 * record-webhook-attempt: one transaction in one round trip.
 *   writes  webhook_attempts (one row: the attempt's number, URL, status code, error),
 *           events (delivery_attempts + 1; delivered_at now when it went through;
 *             next_delivery_at: when to try again, or null)
 *   locks   the event's row
 *   result  none; both rows are written or neither is
 */
import type { Pool } from 'mysql2/promise';
import type { WebhookAttempt } from '../../../core/ports/webhook-outbox.ts';
import { batch } from '../connection.ts';

/** Longest error text kept per attempt. */
export const MAX_ATTEMPT_ERROR = 1000;

export async function recordWebhookAttempt(pool: Pool, a: WebhookAttempt): Promise<void> {
  await batch(pool, [
    ['START TRANSACTION', []],
    [
      `INSERT INTO webhook_attempts (event_id, task_id, attempt, url, status_code, error, ok, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))`,
      [a.event.id, a.event.taskId, a.event.deliveryAttempts + 1, a.event.url, a.statusCode, a.error?.slice(0, MAX_ATTEMPT_ERROR) ?? null, a.ok],
    ],
    [
      'UPDATE events SET delivery_attempts = delivery_attempts + 1, delivered_at = IF(?, UTC_TIMESTAMP(3), NULL), next_delivery_at = ? WHERE id = ?',
      [a.ok, a.nextAt, a.event.id],
    ],
    ['COMMIT', []],
  ]);
}
