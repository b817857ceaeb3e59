/**
 * Rate limiter port: a fixed window counter per key, shared by every replica
 * (Redis) or kept in process (embedded profile).
 */
export interface RateLimitDecision {
  allowed: boolean;
  /** Hits counted in the current window, this one included. */
  count: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

export interface RateLimiter {
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision>;
}
