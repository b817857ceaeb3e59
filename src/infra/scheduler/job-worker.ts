import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffCeilingMs } from '../backoff/index.js';
import type { Logger } from '../logging/logger.js';
import type { ClaimedJob, JobQueue } from './job-queue.js';
import type { JobHandler, Scheduler, SchedulerOptions } from './scheduler.js';

const DEFAULT_STOP_TIMEOUT_MS = 10_000;
/** Leases are renewed this many times per lease period, so one slow renewal does not lose the job. */
const RENEWALS_PER_LEASE = 3;
/** Due times of jobs scheduled here that a worker keeps to wake for (see wakeFor). */
const MAX_TRACKED_WAKES = 10_000;

export interface JobWorkerDeps {
  queue: JobQueue;
  logger: Logger;
  options: SchedulerOptions;
  now: () => number;
}

interface RunningJob {
  done: Promise<void>;
  heartbeat: NodeJS.Timeout;
}

/**
 * The scheduler both adapters share: polling on an unref'd timer, running
 * claimed jobs with lease renewal, retry with backoff, and a bounded stop.
 */
export function createJobWorker({ queue, logger, options, now }: JobWorkerDeps): Scheduler {
  validateOptions(options);
  const worker = randomBytes(8).toString('hex');
  const log = logger.child({ component: 'scheduler', worker });
  const handlers = new Map<string, JobHandler>();
  const running = new Set<RunningJob>();
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  /** When the pending timer polls (Infinity while a poll runs or none is set). */
  let nextPollAt = Number.POSITIVE_INFINITY;
  let inPoll = false;
  /** Due times of jobs scheduled through this worker that no poll has looked for yet. */
  let wakes: number[] = [];

  // The full ceiling, not a jittered delay: a retry waits at least the backoff (the scheduler contract).
  const backoffMs = (retry: number): number => backoffCeilingMs(retry, options);

  const renewLease = (job: ClaimedJob): void => {
    queue.extend(job.id, job.lease, now() + options.leaseMs).then(
      (held) => {
        if (!held) log.warn({ job_id: job.id }, 'job lease lost while running; another worker may run it again');
      },
      (err: unknown) => log.warn({ err, job_id: job.id }, 'job lease renewal failed'),
    );
  };

  const execute = async (job: ClaimedJob): Promise<void> => {
    const context = {
      id: job.id,
      type: job.type,
      payload: JSON.parse(job.payload) as unknown,
      attempt: job.attempt,
      scheduledFor: job.dueAt,
    };
    let failure: unknown;
    let succeeded = false;
    try {
      const handler = handlers.get(job.type);
      if (!handler) throw new Error(`no handler registered for job type ${job.type}`);
      await handler(context);
      succeeded = true;
    } catch (error) {
      failure = error;
    }
    if (succeeded) {
      if (!(await queue.complete(job.id, job.lease))) {
        log.warn({ job_id: job.id }, 'job finished after its lease was lost; it may run again');
      }
      return;
    }
    const message = failure instanceof Error ? failure.message : String(failure);
    const outcome = await queue.fail(job.id, job.lease, message, now() + backoffMs(job.attempt), now());
    const fields = { job_id: job.id, job_type: job.type, attempt: job.attempt, error: message };
    if (outcome === 'dead') log.error(fields, 'job failed on its last attempt; dead-lettered');
    else if (outcome === 'retry') log.warn(fields, 'job failed; will retry');
    else log.warn(fields, 'job failed after its lease was lost; left to the new holder');
  };

  const run = (job: ClaimedJob): void => {
    const heartbeat = setInterval(() => renewLease(job), options.leaseMs / RENEWALS_PER_LEASE);
    heartbeat.unref();
    const entry: RunningJob = {
      heartbeat,
      // A failure to record the outcome leaves the lease to expire, so the job runs again.
      done: execute(job)
        .catch((err: unknown) => log.error({ err, job_id: job.id }, 'could not record job outcome'))
        .finally(() => {
          clearInterval(heartbeat);
          running.delete(entry);
        }),
    };
    running.add(entry);
  };

  const poll = async (): Promise<void> => {
    let filled = false;
    inPoll = true;
    // Jobs due by now are claimed by this poll (or, past its capacity, by the one right after it).
    const pollAt = now();
    wakes = wakes.filter((at) => at > pollAt);
    try {
      const capacity = options.concurrency - running.size;
      if (capacity > 0) {
        const claimedAt = now();
        const jobs = await queue.claim(worker, capacity, claimedAt, options.leaseMs);
        for (const job of jobs) {
          options.observeLag?.(Math.max(0, claimedAt - job.dueAt) / 1000);
          run(job);
        }
        filled = jobs.length === capacity;
      }
    } catch (err) {
      log.error({ err }, 'claiming due jobs failed');
    }
    inPoll = false;
    // A full batch suggests more jobs are due: look again at once. Otherwise
    // at the interval, or sooner when a job scheduled here falls due.
    let nextWake = Number.POSITIVE_INFINITY;
    for (const at of wakes) nextWake = Math.min(nextWake, at);
    if (started) schedulePoll(filled ? 0 : Math.min(options.pollIntervalMs, Math.max(0, nextWake - now())));
  };

  const schedulePoll = (delayMs: number): void => {
    clearTimeout(timer);
    nextPollAt = now() + delayMs;
    timer = setTimeout(() => {
      nextPollAt = Number.POSITIVE_INFINITY;
      polling = poll();
    }, delayMs);
    timer.unref();
  };

  /**
   * A job scheduled through this worker is claimed when it is due, not at the
   * next poll: a job due at once (a driver's offer, a ride's next step) runs
   * without waiting up to SCHEDULER_POLL_INTERVAL_MS. Jobs other processes
   * schedule are found by the poll.
   */
  const wakeFor = (dueAt: number): void => {
    // Past the bound, the polls find the rest as they did before.
    if (wakes.length < MAX_TRACKED_WAKES) wakes.push(dueAt);
    // A poll in flight looks at `wakes` when it ends.
    if (started && !inPoll && dueAt < nextPollAt) schedulePoll(Math.max(0, dueAt - now()));
  };

  return {
    async schedule(input) {
      if (!input.type) throw new RangeError('job type is required');
      const maxAttempts = input.maxAttempts ?? options.defaultMaxAttempts;
      if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError('maxAttempts must be >= 1');
      const at = now();
      const id = input.id ?? randomUUID();
      const payload = JSON.stringify(input.payload ?? null);
      const runAt = input.runAt ?? at;
      const created = await queue.add({ id, type: input.type, payload, runAt, maxAttempts }, at);
      if (created) wakeFor(runAt);
      return { id, created };
    },
    cancel: (id) => queue.cancel(id),
    register(type, handler) {
      if (handlers.has(type)) throw new Error(`a handler for job type ${type} is already registered`);
      handlers.set(type, handler);
    },
    start() {
      if (started) return;
      started = true;
      schedulePoll(0);
    },
    async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS) {
      started = false;
      clearTimeout(timer);
      await polling;
      if (running.size === 0) return;
      const jobs = [...running];
      const finished = await Promise.race([
        Promise.all(jobs.map((job) => job.done)).then(() => true),
        sleep(timeoutMs, false, { ref: false }),
      ]);
      if (finished) return;
      // Stop renewing: the leases run out and other workers take these jobs over.
      for (const job of jobs) clearInterval(job.heartbeat);
      log.warn({ jobs: running.size }, 'scheduler stopped with handlers still running; their jobs will be retried');
    },
    stats: () => queue.stats(),
    deadJobs: (limit = 100) => queue.deadJobs(limit),
  };
}

function validateOptions(options: SchedulerOptions): void {
  const positive = ['pollIntervalMs', 'leaseMs', 'concurrency', 'defaultMaxAttempts'] as const;
  for (const name of positive) {
    if (!(options[name] > 0)) throw new RangeError(`scheduler option ${name} must be > 0`);
  }
  if (!(options.baseBackoffMs >= 0) || !(options.maxBackoffMs >= options.baseBackoffMs)) {
    throw new RangeError('scheduler backoff options must satisfy 0 <= baseBackoffMs <= maxBackoffMs');
  }
}
