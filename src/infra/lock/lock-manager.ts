import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockBusyError, type AcquireOptions, type LockHandle, type LockManager } from './lock.js';

/**
 * What an adapter must provide: compare-token operations on one lease.
 * Each call is atomic in the backing store.
 */
export interface LeaseStore {
  /** Takes the lease when nobody holds it (or the holder's lease expired). */
  tryAcquire(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Deletes the lease only when `token` still holds it. */
  release(key: string, token: string): Promise<boolean>;
  /** Resets the lease to `ttlMs` only when `token` still holds it. */
  extend(key: string, token: string, ttlMs: number): Promise<boolean>;
}

/** Retry delay bounds while waiting: short enough to hand over quickly, jittered so waiters spread out. */
const RETRY_MIN_MS = 5;
const RETRY_MAX_MS = 40;

/**
 * The lock manager both adapters share: tokens, waiting with jittered retries,
 * and withLock. `withLock` does not renew the lease, so `ttlMs` must cover `fn`.
 */
export function createLockManager(leases: LeaseStore): LockManager {
  let closed = false;
  const abortWaits = new AbortController();

  const handleFor = (key: string, token: string): LockHandle => ({
    key,
    extend: (ttlMs) => {
      assertTtl(ttlMs);
      return leases.extend(key, token, ttlMs);
    },
    release: () => leases.release(key, token),
  });

  const acquire = async (key: string, { ttlMs, waitMs = 0 }: AcquireOptions): Promise<LockHandle | null> => {
    assertTtl(ttlMs);
    const token = randomBytes(16).toString('hex');
    // The wait is measured on the real clock: it bounds real sleeping, whatever clock the leases use.
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (closed) throw new Error('lock manager is closed');
      if (await leases.tryAcquire(key, token, ttlMs)) return handleFor(key, token);
      const left = deadline - Date.now();
      if (left <= 0) return null;
      const delay = RETRY_MIN_MS + Math.random() * (RETRY_MAX_MS - RETRY_MIN_MS);
      // close() aborts the sleep; the loop then notices and throws.
      await sleep(Math.min(left, delay), undefined, { signal: abortWaits.signal }).catch(() => undefined);
    }
  };

  return {
    acquire,
    async withLock(key, options, fn) {
      const handle = await acquire(key, options);
      if (!handle) throw new LockBusyError(key);
      try {
        return await fn();
      } finally {
        await handle.release();
      }
    },
    async close() {
      closed = true;
      abortWaits.abort();
    },
  };
}

function assertTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
}
