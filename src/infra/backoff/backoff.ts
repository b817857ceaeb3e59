export interface BackoffOptions {
  baseBackoffMs: number;
  maxBackoffMs: number;
}

/**
 * Exponential backoff with full jitter: a uniform delay in
 * [0, min(max, base * 2^(attempt-1))), so replicas retrying a receiver that
 * came back do not all hit it at the same instant. `attempt` is the 1-based
 * attempt that just failed.
 */
export function fullJitterDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 52);
  const ceiling = Math.min(options.maxBackoffMs, options.baseBackoffMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}
