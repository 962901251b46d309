import type { Redis } from 'ioredis';
import Redlock, { type Lock } from 'redlock';
import type { LockManager } from '../../core/ports/locks.ts';

/**
 * Task locks with Redlock over one or more independent Redis servers. The
 * lock only saves wasted work: correctness comes from the compare-and-swap
 * on the task's version, so a lock that expires during a pause cannot lose an
 * update (the stale writer's CAS fails and it re-plans).
 */

export interface RedlockOptions {
  ttlMs: number;
  retryCount: number;
  retryDelayMs: number;
  retryJitterMs: number;
}

export const DEFAULT_REDLOCK: RedlockOptions = { ttlMs: 5000, retryCount: 1000, retryDelayMs: 10, retryJitterMs: 10 };

export class RedlockLocks implements LockManager {
  private readonly redlock: Redlock;

  constructor(
    clients: Redis[],
    private readonly prefix: string,
    private readonly opts: RedlockOptions = DEFAULT_REDLOCK,
  ) {
    // redlock's types name ioredis 5; the client interface it uses is unchanged in 6.
    this.redlock = new Redlock(clients as never, {
      retryCount: opts.retryCount,
      retryDelay: opts.retryDelayMs,
      retryJitter: opts.retryJitterMs,
    });
  }

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lock: Lock = await this.redlock.acquire([`${this.prefix}:lock:${key}`], this.opts.ttlMs);
    try {
      return await fn();
    } finally {
      // An expired (or flushed) lock cannot be released; one try is enough, the CAS already decided the outcome.
      await this.redlock.release(lock, { retryCount: 0 }).catch(() => undefined);
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
