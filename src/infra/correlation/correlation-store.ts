/**
 * Correlation store port: short-lived shared state that any replica may read
 * (transaction/message correlation, de-duplication, caches).
 *
 * Keys are namespaced by the adapter's prefix; every entry has a TTL.
 * Values are strings; callers serialise their own JSON.
 */
export interface CorrelationStore {
  get(key: string): Promise<string | null>;
  /** Sets a value that expires after `ttlMs` milliseconds (must be > 0). */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Atomically sets the value only when the key is absent; true when this call set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Removes the key; true when it existed. */
  delete(key: string): Promise<boolean>;
  /** Remaining time to live in milliseconds, or null when the key is absent. */
  ttl(key: string): Promise<number | null>;
  /** Delivers `message` to every subscriber of `channel` on any replica. */
  publish(channel: string, message: string): Promise<void>;
  /** Subscribes to a channel; resolves once the subscription is active. Returns an unsubscribe function. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  /**
   * Waits until a message is published on `channel`, or `timeoutMs` passes (resolves null).
   * Used to wake a request waiting for a callback that arrives on another replica.
   */
  waitFor(channel: string, timeoutMs: number, options?: WaitForOptions): Promise<string | null>;
  /** Liveness of the backing store, for /health/ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface WaitForOptions {
  /**
   * Runs once the subscription is active, so whatever triggers the awaited
   * message (e.g. sending the request whose callback publishes it) cannot
   * race ahead of it. When it throws or rejects, waitFor rejects with that error.
   */
  onSubscribed?: () => void | Promise<void>;
}
