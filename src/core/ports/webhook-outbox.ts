import type { StoredEvent } from './read-model.ts';

export interface WebhookEvent extends StoredEvent {
  url: string;
  deliveryAttempts: number;
}

export interface WebhookAttempt {
  event: WebhookEvent;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  nextAt: Date | null;
}

export interface WebhookAttemptRecord {
  eventId: number;
  attempt: number;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

/** The outbox side of webhooks: events of tasks with a callback_url, claimed for delivery with a lease. */
export interface WebhookOutbox {
  /** Due undelivered events, oldest first, each claimed for `leaseMs` so two dispatchers do not send it at once. */
  claimWebhookEvents(limit: number, leaseMs: number, maxAttempts: number): Promise<WebhookEvent[]>;
  recordWebhookAttempt(attempt: WebhookAttempt): Promise<void>;
  /** Gives a claimed event back unsent, due at once. */
  releaseWebhookEvent(eventId: number): Promise<void>;
  listWebhookAttempts(taskId: string): Promise<WebhookAttemptRecord[]>;
}
