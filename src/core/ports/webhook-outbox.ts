import type { StoredEvent } from './read-model.ts';

/**
 * One event to post. The outbox leases rows (a write's events, see event-rows.ts) and keeps per row how many of
 * its events are done, so a row is delivered one event at a time, in order, and a dispatcher that stops
 * mid-row leaves at most the event in flight to be sent again.
 */
export interface WebhookEvent extends StoredEvent {
  url: string;
  /** Failed attempts at this event so far. */
  deliveryAttempts: number;
  /** The outbox row that holds the event, and its position there. */
  row: number;
  position: number;
}

export interface WebhookAttempt {
  event: WebhookEvent;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  /** When to try the event again after a failure; null when it went through or is given up. */
  nextAt: Date | null;
  /** The event's last allowed attempt failed: it is done with, and its row's next event is due. */
  givenUp?: boolean;
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
  /**
   * The events not yet done of due rows, oldest first, at most `limit` rows, each row claimed for `leaseMs` so
   * two dispatchers do not send it at once.
   */
  claimWebhookEvents(limit: number, leaseMs: number, maxAttempts: number): Promise<WebhookEvent[]>;
  /** Records the attempt; when it went through (or is given up), the row moves on to its next event. */
  recordWebhookAttempt(attempt: WebhookAttempt): Promise<void>;
  /** Gives a claimed row back with its remaining events unsent, due at once. */
  releaseWebhookRow(row: number): Promise<void>;
  listWebhookAttempts(taskId: string): Promise<WebhookAttemptRecord[]>;
}
