export interface BackoffOptions {
  baseBackoffMs: number;
  maxBackoffMs: number;
}

/**
 * The one retry schedule of the service: base * 2^(attempt-1), capped at
 * max. `attempt` is the 1-based attempt that just failed. Every retry loop
 * waits a full-jitter delay under this ceiling (fullJitterDelayMs); only a
 * schedule that promises a minimum wait (the job scheduler's retries, the
 * payment status checks) waits the ceiling itself.
 */
export function backoffCeilingMs(attempt: number, options: BackoffOptions): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 52);
  return Math.min(options.maxBackoffMs, options.baseBackoffMs * 2 ** exponent);
}

/**
 * Exponential backoff with full jitter: a uniform delay in
 * [0, min(max, base * 2^(attempt-1))), so replicas retrying a receiver that
 * came back do not all hit it at the same instant. `attempt` is the 1-based
 * attempt that just failed.
 */
export function fullJitterDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeilingMs(attempt, options));
}
