/**
 * Distributed lock port: mutual exclusion across replicas with a lease, so a
 * crashed holder never blocks others for longer than its lease.
 */
export interface LockHandle {
  readonly key: string;
  /** Extends the lease; false when the lock was lost (expired and taken). */
  extend(ttlMs: number): Promise<boolean>;
  /** Releases the lock if still held by this handle; false when it was already lost. */
  release(): Promise<boolean>;
}

export interface AcquireOptions {
  ttlMs: number;
  /** How long to keep retrying before giving up (0 = try once). */
  waitMs?: number;
}

export interface LockManager {
  /** Returns a handle when acquired, or null when the lock stayed busy for `waitMs`. */
  acquire(key: string, options: AcquireOptions): Promise<LockHandle | null>;
  /** Runs `fn` while holding the lock; throws LockBusyError when it cannot be acquired. */
  withLock<T>(key: string, options: AcquireOptions, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export class LockBusyError extends Error {
  readonly code = 'LOCK_BUSY';
  constructor(readonly key: string) {
    super(`lock ${key} is held by another owner`);
  }
}
