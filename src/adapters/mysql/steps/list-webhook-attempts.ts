/**
 * list-webhook-attempts: one SELECT, no locks.
 *   reads   webhook_attempts of the task
 *   result  every delivery attempt with what the receiver answered, in the order they were made
 */
import { asc, eq } from 'drizzle-orm';
import type { WebhookAttemptRecord } from '../../../core/ports/webhook-outbox.ts';
import type { Db } from '../connection.ts';
import { toWebhookAttempt } from '../rows.ts';
import { webhookAttempts } from '../schema.ts';

export async function listWebhookAttempts(db: Db, taskId: string): Promise<WebhookAttemptRecord[]> {
  const rows = await db.select().from(webhookAttempts).where(eq(webhookAttempts.taskId, taskId)).orderBy(asc(webhookAttempts.id));
  return rows.map(toWebhookAttempt);
}
