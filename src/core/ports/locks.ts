export interface LockManager {
  /** Runs `fn` holding the lock on `key`. */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
