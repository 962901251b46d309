import { createHmac } from 'node:crypto';
import { metrics } from './metrics.ts';
import { Periodic } from './periodic.ts';
import type { WebhookEvent, WebhookOutbox } from '../core/ports/webhook-outbox.ts';

/**
 * Webhook delivery from the outbox. Lifecycle events are written in the same
 * transaction as the state change that causes them; this dispatcher sends
 * those of tasks with a `callback_url`, oldest first, one POST per event,
 * each signed with HMAC-SHA256 and carrying its event id, and retries
 * failures with doubling backoff, at most `maxAttempts` times per event.
 * The outbox holds a write's events in one row and records per row how many
 * are done, so a crash mid-row sends again only the event that was in
 * flight. Delivery is at least once: a receiver drops repeats by event id.
 *
 *   POST <callback_url>
 *   X-Slotflow-Event-Id: <id>
 *   X-Slotflow-Event: <type>
 *   X-Slotflow-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>
 *   { "id", "task_id", "type", "slot_word", "component", "attempt", "data", "created_at" }
 */

export interface WebhookOptions {
  intervalMs: number;
  /** Outbox rows claimed per round, each the events of one write. */
  batch: number;
  /** The claim on an event while it is being sent. */
  leaseMs: number;
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
}

export const DEFAULT_WEBHOOKS: WebhookOptions = {
  intervalMs: 500, batch: 100, leaseMs: 30000, maxAttempts: 12, backoffMs: 500, maxBackoffMs: 5 * 60 * 1000, timeoutMs: 10000,
};

export const SIGNATURE_HEADER = 'x-slotflow-signature';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function webhookBody(e: WebhookEvent): string {
  return JSON.stringify({
    id: e.id, task_id: e.taskId, type: e.type, slot_word: e.slotWord, component: e.component, attempt: e.attempt, data: e.data,
    created_at: e.createdAt.toISOString(),
  });
}

/** Sends what is due once; returns how many were delivered. */
export async function deliverDue(outbox: WebhookOutbox, secret: string, opts: WebhookOptions = DEFAULT_WEBHOOKS): Promise<number> {
  const due = await outbox.claimWebhookEvents(opts.batch, opts.leaseMs, opts.maxAttempts);
  const blocked = new Set<string>();
  /** Rows given back, or whose event failed (their attempt set when they are due again): left as they are. */
  const settled = new Set<number>();
  let delivered = 0;
  for (const event of due) {
    // Keep each task's events in order: after a failure, its later events wait for the next round.
    if (blocked.has(event.taskId)) {
      if (!settled.has(event.row)) {
        settled.add(event.row);
        await outbox.releaseWebhookRow(event.row);
      }
      continue;
    }
    const body = webhookBody(event);
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(event.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-slotflow-event-id': String(event.id),
          'x-slotflow-event': event.type,
          [SIGNATURE_HEADER]: signBody(secret, body),
        },
        body,
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      statusCode = response.status;
      await response.body?.cancel();
      if (!response.ok) error = `the receiver answered ${response.status}`;
    } catch (e) {
      error = (e as Error).message;
    }
    const ok = error === null;
    // The last allowed attempt failed: the event is given up and the task's later events go on.
    const givenUp = !ok && event.deliveryAttempts + 1 >= opts.maxAttempts;
    const wait = Math.min(opts.backoffMs * 2 ** event.deliveryAttempts, opts.maxBackoffMs);
    await outbox.recordWebhookAttempt({ event, ok, statusCode, error, nextAt: ok || givenUp ? null : new Date(Date.now() + wait), givenUp });
    metrics.webhookDeliveries.inc({ outcome: ok ? 'delivered' : 'failed' });
    if (ok) delivered++;
    else {
      blocked.add(event.taskId);
      settled.add(event.row);
    }
  }
  return delivered;
}

export class WebhookDispatcher extends Periodic {
  constructor(outbox: WebhookOutbox, secret: string, opts: WebhookOptions = DEFAULT_WEBHOOKS, onError: (e: unknown) => void = () => {}) {
    super(() => deliverDue(outbox, secret, opts), opts.intervalMs, onError);
  }
}
