import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The database errors that a retry can fix, in one table: every caller that
 * retries a statement (the store, the group commit) and the runner, which
 * hands a job back to the queue instead of failing the handler when the store
 * was unreachable, asks this table and nothing else. Server errors are keyed
 * by MySQL errno, client and socket errors by the driver's code. Anything
 * else is a bug or bad data and is raised at once.
 */
export const RETRYABLE_DB_ERRORS: Readonly<Record<string, string>> = {
  1205: 'lock wait timeout (ER_LOCK_WAIT_TIMEOUT)',
  1213: 'deadlock (ER_LOCK_DEADLOCK)',
  1040: 'too many connections (ER_CON_COUNT_ERROR)',
  2006: 'server gone (CR_SERVER_GONE_ERROR)',
  2013: 'connection lost during a query (CR_SERVER_LOST)',
  ECONNREFUSED: 'server not listening',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connect timed out',
  EPIPE: 'connection closed while writing',
  PROTOCOL_CONNECTION_LOST: 'connection closed by the server',
  PROTOCOL_SEQUENCE_TIMEOUT: 'no answer in time',
  ER_CON_COUNT_ERROR: 'too many connections',
};

export const DEFAULT_DB_RETRIES = 8;
export const DB_RETRY_BASE_MS = 25;
export const DB_RETRY_MAX_DELAY_MS = 2000;

/** Why a retry can fix `e` (its entry in the table), or undefined when it cannot. */
export function retryableDbReason(e: unknown): string | undefined {
  const err = e as { errno?: unknown; code?: unknown } | null;
  if (typeof err?.errno === 'number' && Object.hasOwn(RETRYABLE_DB_ERRORS, err.errno)) return RETRYABLE_DB_ERRORS[err.errno];
  if (typeof err?.code === 'string' && Object.hasOwn(RETRYABLE_DB_ERRORS, err.code)) return RETRYABLE_DB_ERRORS[err.code];
  return undefined;
}

export function isRetryableDbError(e: unknown): boolean {
  return retryableDbReason(e) !== undefined;
}

/** Runs `fn`, trying again with doubling, jittered delays while it fails with an error of the table. */
export async function withDbRetry<T>(fn: () => Promise<T>, retries = DEFAULT_DB_RETRIES): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= retries || !isRetryableDbError(e)) throw e;
      await sleep(Math.min(DB_RETRY_BASE_MS * 2 ** attempt, DB_RETRY_MAX_DELAY_MS) * (0.5 + Math.random() / 2));
    }
  }
}
