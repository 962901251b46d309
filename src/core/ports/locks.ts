export interface LockManager {
  /** Runs `fn` holding the lock on `key`. */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Takes the locks on every key in one call, without waiting, and runs `fn` holding them all; undefined (and
   * `fn` not run) when they cannot be taken at once (one is held elsewhere, the lock servers are unreachable).
   * Optional: without it, a caller takes each key's lock with `withLock`.
   */
  tryWithLocks?<T>(keys: readonly string[], fn: () => Promise<T>): Promise<{ value: T } | undefined>;
  close(): Promise<void>;
}
