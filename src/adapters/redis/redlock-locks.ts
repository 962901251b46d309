import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import Redlock, { type Lock } from 'redlock';
import { SlotflowError } from '../../core/errors.ts';
import type { LockManager } from '../../core/ports/locks.ts';

/**
 * Task locks with Redlock over one or more independent Redis servers. The
 * lock only saves wasted work: correctness comes from the compare-and-swap
 * on the task's version, so a lock that expires during a pause cannot lose an
 * update (the stale writer's CAS fails and it re-plans).
 *
 * Each try is one Redlock attempt with a value of its own: a try that wins
 * fewer than a quorum of votes deletes the keys it did set before the next
 * one. redlock's own retries reuse the value and leave those keys in place,
 * and its acquire script refuses a key that exists whatever its value, so a
 * contender's keys from an earlier try voted against it until they expired:
 * with contenders whose votes arrive in different orders on different
 * servers (slow links), each kept one server and none ever won two at once.
 *
 * Tries go on until `acquireTimeoutMs` has passed, then `LockTimeoutError`
 * (retryable): the caller fails and its job runs again, nothing is applied.
 * A vote waits at most the lock connection's command timeout
 * (`lockVoteTimeoutMs`), and a server that is down votes against at once (the
 * lock connections keep no offline queue, see connections.ts), so a lost or
 * blackholed server delays no try beyond that.
 */

export interface RedlockOptions {
  ttlMs: number;
  /** How long to go on trying for a lock before `LockTimeoutError`. */
  acquireTimeoutMs: number;
  retryDelayMs: number;
  retryJitterMs: number;
}

export const DEFAULT_REDLOCK: RedlockOptions = { ttlMs: 5000, acquireTimeoutMs: 15000, retryDelayMs: 10, retryJitterMs: 10 };

/** Bounds of the wait for one server's vote: a vote that comes after the lock's TTL is for a lock already gone. */
export const LOCK_VOTE_TIMEOUT_MIN_MS = 100;
export const LOCK_VOTE_TIMEOUT_MAX_MS = 1000;

/** How long a lock connection waits for one command (a vote): half the TTL, within the bounds above. */
export function lockVoteTimeoutMs(ttlMs: number): number {
  return Math.min(LOCK_VOTE_TIMEOUT_MAX_MS, Math.max(LOCK_VOTE_TIMEOUT_MIN_MS, Math.floor(ttlMs / 2)));
}

/** No quorum of votes for the lock within the acquire timeout: contention or servers away; nothing was done. */
export class LockTimeoutError extends SlotflowError {
  override name = 'LockTimeoutError';
  constructor(
    readonly key: string,
    readonly waitedMs: number,
    readonly tries: number,
    cause: unknown,
  ) {
    super(`lock ${key}: no quorum of Redis votes after ${tries} tries in ${waitedMs} ms (${(cause as Error)?.message ?? String(cause)})`, {
      code: 'lock-timeout', retryable: true, cause,
    });
  }
}

export class RedlockLocks implements LockManager {
  private readonly redlock: Redlock;

  constructor(
    clients: Redis[],
    private readonly prefix: string,
    private readonly opts: RedlockOptions = DEFAULT_REDLOCK,
    private readonly random: () => number = Math.random,
  ) {
    // redlock's types name ioredis 5; the client interface it uses is unchanged in 6.
    this.redlock = new Redlock(clients as never, { retryCount: 0 });
  }

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lock = await this.acquire(`${this.prefix}:lock:${key}`);
    try {
      return await fn();
    } finally {
      // An expired (or flushed) lock cannot be released; one try is enough, the CAS already decided the outcome.
      await this.redlock.release(lock, { retryCount: 0 }).catch(() => undefined);
    }
  }

  /** One Redlock attempt per try (it releases what a failed try set, under the same value), until the deadline. */
  private async acquire(resource: string): Promise<Lock> {
    const started = Date.now();
    for (let tries = 1; ; tries++) {
      try {
        return await this.redlock.acquire([resource], this.opts.ttlMs, { retryCount: 0 });
      } catch (e) {
        const pause = Math.max(0, this.opts.retryDelayMs + (this.random() * 2 - 1) * this.opts.retryJitterMs);
        const waited = Date.now() - started;
        if (waited + pause >= this.opts.acquireTimeoutMs) throw new LockTimeoutError(resource, waited, tries, e);
        await sleep(pause);
      }
    }
  }

  /**
   * One Redlock call for every key (its script sets them all or none, on each server, with one value and TTL)
   * and one to let them go: the same lock per key as `withLock` gives, taken together. No retries: a key
   * held elsewhere makes the whole call fail at once, and the caller locks key by key instead, so one busy
   * task never holds up the others.
   */
  async tryWithLocks<T>(keys: readonly string[], fn: () => Promise<T>): Promise<{ value: T } | undefined> {
    let lock: Lock;
    try {
      lock = await this.redlock.acquire(keys.map((k) => `${this.prefix}:lock:${k}`), this.opts.ttlMs, { retryCount: 0 });
    } catch {
      return undefined;
    }
    try {
      return { value: await fn() };
    } finally {
      await this.redlock.release(lock, { retryCount: 0 }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {}
}
