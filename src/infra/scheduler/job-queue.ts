import type { DeadJob, SchedulerStats } from './scheduler.js';

/**
 * The storage half of a scheduler, which each adapter implements; the worker
 * loop in job-worker.ts is shared. Every method is atomic in its backend, and
 * `claim` is the only way a job moves to a worker.
 */
export interface JobQueue {
  /** Adds a pending job; false when a job with this id is already pending or running. */
  add(job: NewJob, now: number): Promise<boolean>;
  /** Removes a pending job; false when it is not pending (unknown, running or finished). */
  cancel(id: string): Promise<boolean>;
  /**
   * Takes up to `limit` jobs: first those whose lease expired (their worker was
   * lost), then due pending ones. Each is leased until `now + leaseMs` under a
   * lease token naming `worker` and the attempt. A lost job that already used
   * its last attempt is dead-lettered instead of returned.
   */
  claim(worker: string, limit: number, now: number, leaseMs: number): Promise<ClaimedJob[]>;
  /** Moves the lease end to `leaseUntil`; false when `lease` no longer holds the job. */
  extend(id: string, lease: string, leaseUntil: number): Promise<boolean>;
  /** Deletes the job; false when `lease` no longer holds it. */
  complete(id: string, lease: string): Promise<boolean>;
  /** Re-queues the job at `retryAt`, or dead-letters it after its last attempt. */
  fail(id: string, lease: string, error: string, retryAt: number, now: number): Promise<FailOutcome>;
  stats(): Promise<SchedulerStats>;
  /** Most recently dead-lettered first. */
  deadJobs(limit: number): Promise<DeadJob[]>;
}

export interface NewJob {
  id: string;
  type: string;
  /** JSON text, so both adapters hand handlers a fresh copy. */
  payload: string;
  runAt: number;
  maxAttempts: number;
}

export interface ClaimedJob {
  id: string;
  type: string;
  payload: string;
  /** 1 for the first run. */
  attempt: number;
  /** When the job became due: its run-at, retry time, or the lost worker's lease end. */
  dueAt: number;
  lease: string;
}

/** `lost`: the lease had already passed to another worker, so nothing was recorded. */
export type FailOutcome = 'retry' | 'dead' | 'lost';

/** Dead-letter lists keep this many of the latest jobs, so a failure storm cannot grow them without bound. */
export const DEAD_LETTER_LIMIT = 1000;

/** Names the worker and the attempt, so a lease outlived by its worker never matches the next one. The Redis claim script builds the same string. */
export function leaseToken(worker: string, attempt: number): string {
  return `${worker}:${attempt}`;
}
