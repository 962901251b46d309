import { setTimeout as sleep } from 'node:timers/promises';

/**
 * MySQL and connection errors that a retry can fix. Anything else is a bug or
 * bad data and is raised at once.
 */
export const RETRYABLE_MYSQL_ERRNOS: ReadonlySet<number> = new Set([
  1205, // ER_LOCK_WAIT_TIMEOUT
  1213, // ER_LOCK_DEADLOCK
  1040, // ER_CON_COUNT_ERROR: too many connections
  2006, // CR_SERVER_GONE_ERROR
  2013, // CR_SERVER_LOST
]);

export const RETRYABLE_CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
]);

export const DEFAULT_DB_RETRIES = 8;
export const DB_RETRY_BASE_MS = 25;

export function isRetryableDbError(e: unknown): boolean {
  const err = e as { errno?: unknown; code?: unknown };
  return (typeof err.errno === 'number' && RETRYABLE_MYSQL_ERRNOS.has(err.errno)) ||
    (typeof err.code === 'string' && RETRYABLE_CONNECTION_CODES.has(err.code));
}

/** Runs `fn`, trying again with doubling delays while it fails with a retryable error. */
export async function withDbRetry<T>(fn: () => Promise<T>, retries = DEFAULT_DB_RETRIES): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= retries || !isRetryableDbError(e)) throw e;
      await sleep(Math.min(DB_RETRY_BASE_MS * 2 ** attempt, 2000) * (0.5 + Math.random() / 2));
    }
  }
}
