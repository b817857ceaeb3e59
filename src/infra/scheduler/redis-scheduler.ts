import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';
import { DEAD_LETTER_LIMIT, leaseToken, type ClaimedJob, type FailOutcome, type JobQueue } from './job-queue.js';
import { createJobWorker } from './job-worker.js';
import { schedulerScripts } from './redis-scheduler-scripts.js';
import type { DeadJob, Scheduler, SchedulerOptions } from './scheduler.js';

/**
 * How long the queue's keys outlive the latest time a job in them needs:
 * jobs nobody ran for this long (every worker down) are given up on.
 */
const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export interface RedisSchedulerOptions {
  /** Shared connection; the scheduler never closes it. */
  redis: Redis;
  /** Prepended to every key; schedulers on one prefix share one queue. */
  prefix: string;
  logger: Logger;
  options: SchedulerOptions;
}

/** Durable scheduler on Redis: any number of replicas poll one queue. */
export function createRedisScheduler({ redis, prefix, logger, options }: RedisSchedulerOptions): Scheduler {
  return createJobWorker({ queue: createRedisJobQueue(redis, prefix), logger, options, now: Date.now });
}

function createRedisJobQueue(redis: Redis, prefix: string): JobQueue {
  const keys = ['pending', 'running', 'jobs', 'dead'].map((name) => `${prefix}scheduler:${name}`);
  const [pendingKey, runningKey, , deadKey] = keys as [string, string, string, string];
  const scripts = schedulerScripts(redis);

  return {
    async add(job, now) {
      const record = JSON.stringify({ type: job.type, payload: job.payload, maxAttempts: job.maxAttempts, attempt: 0 });
      return (await scripts.add(keys, [job.id, record, job.runAt, now, RETENTION_MS])) === 1;
    },
    async cancel(id) {
      return (await scripts.cancel(keys, [id])) === 1;
    },
    async claim(worker, limit, now, leaseMs) {
      const reply = (await scripts.claim(keys, [now, leaseMs, limit, worker, RETENTION_MS, DEAD_LETTER_LIMIT])) as string[];
      const jobs: ClaimedJob[] = [];
      for (let i = 0; i + 4 < reply.length; i += 5) {
        const [id, type, payload, attempt, dueAt] = reply.slice(i, i + 5) as [string, string, string, string, string];
        jobs.push({ id, type, payload, attempt: Number(attempt), dueAt: Number(dueAt), lease: leaseToken(worker, Number(attempt)) });
      }
      return jobs;
    },
    async extend(id, lease, leaseUntil) {
      return (await scripts.extend(keys, [id, lease, leaseUntil])) === 1;
    },
    async complete(id, lease) {
      return (await scripts.complete(keys, [id, lease])) === 1;
    },
    async fail(id, lease, error, retryAt, now) {
      const args = [id, lease, error, retryAt, now, RETENTION_MS, DEAD_LETTER_LIMIT];
      return (await scripts.fail(keys, args)) as FailOutcome;
    },
    async stats() {
      // One MULTI, so a job moving between sets is never counted twice or missed.
      const replies = await redis.multi().zcard(pendingKey).zcard(runningKey).llen(deadKey).exec();
      const [pending, running, dead] = (replies ?? []).map(([err, count]) => {
        if (err) throw err;
        return count as number;
      });
      return { pending: pending ?? 0, running: running ?? 0, dead: dead ?? 0 };
    },
    async deadJobs(limit) {
      const entries = await redis.lrange(deadKey, 0, limit - 1);
      return entries.map((entry): DeadJob => {
        const dead = JSON.parse(entry) as Omit<DeadJob, 'payload' | 'failedAt'> & { payload: string; failedAt: string };
        return { ...dead, payload: JSON.parse(dead.payload) as unknown, failedAt: Number(dead.failedAt) };
      });
    },
  };
}
