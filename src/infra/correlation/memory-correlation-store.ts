import type { CorrelationStore, WaitForOptions } from './correlation-store.js';
import { waitForMessage } from './wait-for-message.js';

interface Entry {
  value: string;
  expiresAt: number;
}

type Listener = (message: string) => void;

/** Expired entries are dropped lazily on read, and by a sweep at most this often on write. */
const SWEEP_INTERVAL_MS = 30_000;

/**
 * In-process stand-in for one Redis: every store created on the same backend
 * sees the same keys and channels, as replicas sharing a Redis would.
 */
export class MemoryCorrelationBackend {
  private readonly entries = new Map<string, Entry>();
  private readonly channels = new Map<string, Set<Listener>>();
  private lastSweep = Number.NEGATIVE_INFINITY;

  /** Entries held, including expired ones not yet swept. */
  get size(): number {
    return this.entries.size;
  }

  read(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  write(key: string, entry: Entry, now: number): void {
    this.entries.set(key, entry);
    if (now - this.lastSweep >= SWEEP_INTERVAL_MS) this.sweep(now);
  }

  remove(key: string, now: number): boolean {
    const existed = this.read(key, now) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  publish(channel: string, message: string): void {
    for (const listener of this.channels.get(channel) ?? []) {
      // Delivered asynchronously, as Redis does, so a listener never runs inside publish().
      queueMicrotask(() => listener(message));
    }
  }

  listen(channel: string, listener: Listener): () => void {
    const listeners = this.channels.get(channel) ?? new Set<Listener>();
    this.channels.set(channel, listeners);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.channels.get(channel) === listeners) this.channels.delete(channel);
    };
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
  }
}

export function createMemoryCorrelationBackend(): MemoryCorrelationBackend {
  return new MemoryCorrelationBackend();
}

export interface MemoryCorrelationStoreOptions {
  backend?: MemoryCorrelationBackend;
  prefix?: string;
  now?: () => number;
}

/** Correlation store for the embedded profile; same contract as the Redis adapter. */
export function createMemoryCorrelationStore(options: MemoryCorrelationStoreOptions = {}): CorrelationStore {
  const backend = options.backend ?? createMemoryCorrelationBackend();
  const prefix = options.prefix ?? '';
  const now = options.now ?? Date.now;
  const stopListening = new Set<() => void>();
  let closed = false;
  let markClosed: () => void = () => undefined;
  const closing = new Promise<void>((resolve) => {
    markClosed = resolve;
  });

  const subscribe = async (channel: string, onMessage: Listener): Promise<() => Promise<void>> => {
    if (closed) throw new Error('correlation store is closed');
    const stop = backend.listen(prefix + channel, onMessage);
    stopListening.add(stop);
    return async () => {
      stopListening.delete(stop);
      stop();
    };
  };

  return {
    async get(key) {
      return backend.read(prefix + key, now())?.value ?? null;
    },
    async set(key, value, ttlMs) {
      assertTtl(ttlMs);
      const at = now();
      backend.write(prefix + key, { value, expiresAt: at + ttlMs }, at);
    },
    async setIfAbsent(key, value, ttlMs) {
      assertTtl(ttlMs);
      const at = now();
      if (backend.read(prefix + key, at)) return false;
      backend.write(prefix + key, { value, expiresAt: at + ttlMs }, at);
      return true;
    },
    async delete(key) {
      return backend.remove(prefix + key, now());
    },
    async ttl(key) {
      const at = now();
      const entry = backend.read(prefix + key, at);
      return entry ? entry.expiresAt - at : null;
    },
    async publish(channel, message) {
      backend.publish(prefix + channel, message);
    },
    subscribe,
    waitFor(channel: string, timeoutMs: number, waitOptions?: WaitForOptions) {
      return waitForMessage(subscribe, closing, channel, timeoutMs, waitOptions);
    },
    async ping() {},
    async close() {
      closed = true;
      markClosed();
      for (const stop of stopListening) stop();
      stopListening.clear();
    },
  };
}

function assertTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
}
