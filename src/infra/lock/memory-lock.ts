import type { LockManager } from './lock.js';
import { createLockManager } from './lock-manager.js';

interface Lease {
  token: string;
  expiresAt: number;
}

/** Leases nobody released are dropped when next contended, and by a sweep at most this often. */
const SWEEP_INTERVAL_MS = 30_000;

/** In-process stand-in for the Redis that replicas share: managers on one backend exclude each other. */
export class MemoryLockBackend {
  private readonly leases = new Map<string, Lease>();
  private lastSweep = Number.NEGATIVE_INFINITY;

  /** Leases held, including expired ones not yet swept. */
  get size(): number {
    return this.leases.size;
  }

  tryAcquire(key: string, token: string, ttlMs: number, now: number): boolean {
    if (now - this.lastSweep >= SWEEP_INTERVAL_MS) this.sweep(now);
    if (this.current(key, now)) return false;
    this.leases.set(key, { token, expiresAt: now + ttlMs });
    return true;
  }

  release(key: string, token: string, now: number): boolean {
    if (this.current(key, now)?.token !== token) return false;
    this.leases.delete(key);
    return true;
  }

  extend(key: string, token: string, ttlMs: number, now: number): boolean {
    const lease = this.current(key, now);
    if (lease?.token !== token) return false;
    lease.expiresAt = now + ttlMs;
    return true;
  }

  private current(key: string, now: number): Lease | undefined {
    const lease = this.leases.get(key);
    if (lease && lease.expiresAt <= now) {
      this.leases.delete(key);
      return undefined;
    }
    return lease;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, lease] of this.leases) {
      if (lease.expiresAt <= now) this.leases.delete(key);
    }
  }
}

export function createMemoryLockBackend(): MemoryLockBackend {
  return new MemoryLockBackend();
}

export interface MemoryLockManagerOptions {
  backend?: MemoryLockBackend;
  now?: () => number;
}

/** Lock manager for the embedded profile; same contract as the Redis adapter. */
export function createMemoryLockManager(options: MemoryLockManagerOptions = {}): LockManager {
  const backend = options.backend ?? createMemoryLockBackend();
  const now = options.now ?? Date.now;
  return createLockManager({
    async tryAcquire(key, token, ttlMs) {
      return backend.tryAcquire(key, token, ttlMs, now());
    },
    async release(key, token) {
      return backend.release(key, token, now());
    },
    async extend(key, token, ttlMs) {
      return backend.extend(key, token, ttlMs, now());
    },
  });
}
