import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The database errors that a retry can fix, in one table: every caller that
 * retries a statement (the store, the group commit) and the runner, which
 * hands a job back to the queue instead of failing the handler when the store
 * was unreachable, asks this table and nothing else. Server errors are keyed
 * by MySQL errno, client and socket errors by the driver's code. Anything
 * else is a bug or bad data and is raised at once. An error is looked up
 * with the errors it was caused by: a query made through drizzle fails with a
 * `DrizzleQueryError` whose `cause` is the driver's error.
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
  EHOSTUNREACH: 'no route to the server',
  ENETUNREACH: 'no route to the server',
  EPIPE: 'connection closed while writing',
  PROTOCOL_CONNECTION_LOST: 'connection closed by the server',
  PROTOCOL_SEQUENCE_TIMEOUT: 'no answer in time',
  ER_CON_COUNT_ERROR: 'too many connections',
};

/**
 * The entries of the table that mean the server could not be reached or did not answer (not a busy row): what
 * the HTTP API answers 503 `database-unavailable` for.
 */
export const UNREACHABLE_DB_ERRORS: ReadonlySet<string> = new Set([
  '1040', '2006', '2013', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR',
]);

export const DEFAULT_DB_RETRIES = 8;
/**
 * No retry starts once this long has passed since the first try: each try is bounded by the MySQL timeout
 * (`SLOTFLOW_MYSQL_TIMEOUT_MS`), so against a database that does not answer a caller gives up after about this
 * plus one timeout instead of after every retry's timeout. The pauses of all the retries add up to less.
 */
export const DB_RETRY_BUDGET_MS = 10000;
export const DB_RETRY_BASE_MS = 25;
export const DB_RETRY_MAX_DELAY_MS = 2000;

/** How deep a chain of causes is followed. */
const MAX_CAUSE_DEPTH = 5;

type DbErrorLike = { errno?: unknown; code?: unknown; cause?: unknown };

/** `e` and the errors it was caused by, outermost first. */
function* causeChain(e: unknown): Generator<DbErrorLike> {
  for (let err = e as DbErrorLike | null | undefined, depth = 0; err && typeof err === 'object' && depth < MAX_CAUSE_DEPTH; err = err.cause as DbErrorLike, depth++) {
    yield err;
  }
}

/** Why a retry can fix `e` or an error it was caused by (its entry in the table), or undefined when it cannot. */
export function retryableDbReason(e: unknown): string | undefined {
  for (const err of causeChain(e)) {
    if (typeof err.errno === 'number' && Object.hasOwn(RETRYABLE_DB_ERRORS, err.errno)) return RETRYABLE_DB_ERRORS[err.errno];
    if (typeof err.code === 'string' && Object.hasOwn(RETRYABLE_DB_ERRORS, err.code)) return RETRYABLE_DB_ERRORS[err.code];
  }
  return undefined;
}

export function isRetryableDbError(e: unknown): boolean {
  return retryableDbReason(e) !== undefined;
}

/** Whether `e`, or an error it was caused by (drizzle wraps the driver's), says the database could not be reached. */
export function isDbUnreachable(e: unknown): boolean {
  for (const err of causeChain(e)) {
    if (typeof err.errno === 'number' && UNREACHABLE_DB_ERRORS.has(String(err.errno))) return true;
    if (typeof err.code === 'string' && UNREACHABLE_DB_ERRORS.has(err.code)) return true;
  }
  return false;
}

/**
 * Runs `fn`, trying again with doubling, jittered delays while it fails with an error of the table, at most
 * `retries` times and not once `DB_RETRY_BUDGET_MS` has passed.
 */
export async function withDbRetry<T>(fn: () => Promise<T>, retries = DEFAULT_DB_RETRIES): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= retries || !isRetryableDbError(e)) throw e;
      const pause = Math.min(DB_RETRY_BASE_MS * 2 ** attempt, DB_RETRY_MAX_DELAY_MS) * (0.5 + Math.random() / 2);
      if (Date.now() - started + pause > DB_RETRY_BUDGET_MS) throw e;
      await sleep(pause);
    }
  }
}
