import type { Logger } from '../logging/logger.js';
import { DEAD_LETTER_LIMIT, leaseToken, type ClaimedJob, type FailOutcome, type JobQueue, type NewJob } from './job-queue.js';
import { createJobWorker } from './job-worker.js';
import type { DeadJob, Scheduler, SchedulerOptions } from './scheduler.js';

interface JobRecord {
  type: string;
  payload: string;
  maxAttempts: number;
  attempt: number;
  lease?: string;
}

/** A dead job with its payload still as JSON text, parsed per read so every reader gets its own copy. */
type StoredDeadJob = Omit<DeadJob, 'payload'> & { payload: string };

/**
 * In-process stand-in for the Redis queue: schedulers on one backend behave
 * as workers on one Redis. Each method runs synchronously, which makes it as
 * atomic as the Redis scripts.
 */
export class MemorySchedulerBackend {
  private readonly jobs = new Map<string, JobRecord>();
  /** id -> time it becomes due. */
  private readonly pending = new Map<string, number>();
  /** id -> end of its lease. */
  private readonly running = new Map<string, number>();
  private readonly dead: StoredDeadJob[] = [];

  add(job: NewJob): boolean {
    if (this.jobs.has(job.id)) return false;
    this.jobs.set(job.id, { type: job.type, payload: job.payload, maxAttempts: job.maxAttempts, attempt: 0 });
    this.pending.set(job.id, job.runAt);
    return true;
  }

  cancel(id: string): boolean {
    if (!this.pending.delete(id)) return false;
    this.jobs.delete(id);
    return true;
  }

  claim(worker: string, limit: number, now: number, leaseMs: number): ClaimedJob[] {
    const claimed: ClaimedJob[] = [];
    const take = (from: Map<string, number>, id: string, dueAt: number): void => {
      from.delete(id);
      const job = this.jobs.get(id);
      if (!job) return;
      job.attempt += 1;
      if (job.attempt > job.maxAttempts) {
        // Only a job whose worker was lost during its last attempt gets here.
        this.jobs.delete(id);
        const lastError = `lease expired: worker lost during attempt ${job.attempt - 1}`;
        this.deadLetter(id, job, job.attempt - 1, lastError, now);
        return;
      }
      job.lease = leaseToken(worker, job.attempt);
      this.running.set(id, now + leaseMs);
      claimed.push({ id, type: job.type, payload: job.payload, attempt: job.attempt, dueAt, lease: job.lease });
    };
    for (const [id, leaseEnd] of dueEntries(this.running, now, limit)) take(this.running, id, leaseEnd);
    for (const [id, runAt] of dueEntries(this.pending, now, limit - claimed.length)) take(this.pending, id, runAt);
    return claimed;
  }

  extend(id: string, lease: string, leaseUntil: number): boolean {
    if (this.jobs.get(id)?.lease !== lease) return false;
    this.running.set(id, leaseUntil);
    return true;
  }

  complete(id: string, lease: string): boolean {
    if (this.jobs.get(id)?.lease !== lease) return false;
    this.jobs.delete(id);
    this.running.delete(id);
    return true;
  }

  fail(id: string, lease: string, error: string, retryAt: number, now: number): FailOutcome {
    const job = this.jobs.get(id);
    if (!job || job.lease !== lease) return 'lost';
    this.running.delete(id);
    if (job.attempt >= job.maxAttempts) {
      this.jobs.delete(id);
      this.deadLetter(id, job, job.attempt, error, now);
      return 'dead';
    }
    delete job.lease;
    this.pending.set(id, retryAt);
    return 'retry';
  }

  stats() {
    return { pending: this.pending.size, running: this.running.size, dead: this.dead.length };
  }

  deadJobs(limit: number): DeadJob[] {
    return this.dead.slice(0, limit).map((job) => ({ ...job, payload: JSON.parse(job.payload) as unknown }));
  }

  private deadLetter(id: string, job: JobRecord, attempts: number, lastError: string, failedAt: number): void {
    this.dead.unshift({ id, type: job.type, payload: job.payload, attempts, lastError, failedAt });
    this.dead.length = Math.min(this.dead.length, DEAD_LETTER_LIMIT);
  }
}

/** Up to `limit` entries whose time is at or before `now`, earliest first. */
function dueEntries(times: Map<string, number>, now: number, limit: number): [string, number][] {
  if (limit <= 0) return [];
  return [...times].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]).slice(0, limit);
}

export function createMemorySchedulerBackend(): MemorySchedulerBackend {
  return new MemorySchedulerBackend();
}

export interface MemorySchedulerOptions {
  backend?: MemorySchedulerBackend;
  logger: Logger;
  options: SchedulerOptions;
  now?: () => number;
}

/** Scheduler for the embedded profile; same contract as the Redis adapter, lost on restart. */
export function createMemoryScheduler({ backend, logger, options, now }: MemorySchedulerOptions): Scheduler {
  const jobs = backend ?? createMemorySchedulerBackend();
  const queue: JobQueue = {
    add: async (job) => jobs.add(job),
    cancel: async (id) => jobs.cancel(id),
    claim: async (worker, limit, at, leaseMs) => jobs.claim(worker, limit, at, leaseMs),
    extend: async (id, lease, leaseUntil) => jobs.extend(id, lease, leaseUntil),
    complete: async (id, lease) => jobs.complete(id, lease),
    fail: async (id, lease, error, retryAt, at) => jobs.fail(id, lease, error, retryAt, at),
    stats: async () => jobs.stats(),
    deadJobs: async (limit) => jobs.deadJobs(limit),
  };
  return createJobWorker({ queue, logger, options, now: now ?? Date.now });
}
