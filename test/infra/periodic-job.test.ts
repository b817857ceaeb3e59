import assert from 'node:assert/strict';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createMemoryScheduler, createMemorySchedulerBackend, periodicJob, type Scheduler, type SchedulerOptions } from '../../src/infra/scheduler/index.js';
import { waitUntil } from '../support/wait-until.js';

const logger = createLogger('silent');
const options: SchedulerOptions = { pollIntervalMs: 5, leaseMs: 5_000, concurrency: 4, defaultMaxAttempts: 3, baseBackoffMs: 10, maxBackoffMs: 50 };
const INTERVAL_MS = 60_000;

describe('periodic jobs on the scheduler', function () {
  this.timeout(20_000);
  let workers: Scheduler[] = [];

  afterEach(async () => {
    await Promise.all(workers.map((worker) => worker.stop(100)));
    workers = [];
  });

  /** Two replicas on one queue, sharing a clock the test moves. */
  function replicas(run: (slotStart: number) => Promise<void>) {
    const clock = { now: 10 * INTERVAL_MS + 1_234 };
    const backend = createMemorySchedulerBackend();
    workers = [1, 2].map(() => createMemoryScheduler({ backend, logger, options, now: () => clock.now }));
    const jobs = workers.map((worker) => periodicJob(worker, 'test.periodic', INTERVAL_MS, () => run(Math.floor(clock.now / INTERVAL_MS) * INTERVAL_MS)));
    for (const job of jobs) job.register();
    return { clock, jobs };
  }

  it('runs once per slot however many replicas start it, at start and then every interval', async () => {
    const runs: number[] = [];
    const { clock, jobs } = replicas(async (slot) => {
      runs.push(slot);
    });
    await Promise.all(jobs.map((job) => job.start(clock.now)));
    for (const worker of workers) worker.start();
    await waitUntil('the current slot ran', () => runs.length === 1);
    await waitUntil('the next slot is queued', async () => (await workers[0]!.stats()).pending === 1 && (await workers[0]!.stats()).running === 0);
    clock.now += INTERVAL_MS;
    await waitUntil('the next slot ran', () => runs.length === 2);
    await waitUntil('the slot after it is queued', async () => (await workers[0]!.stats()).pending === 1 && (await workers[0]!.stats()).running === 0);
    assert.deepEqual(runs, [10 * INTERVAL_MS, 11 * INTERVAL_MS]);
  });

  it('keeps the chain going when a run fails', async () => {
    let attempts = 0;
    const { clock, jobs } = replicas(async () => {
      attempts += 1;
      throw new Error('the store is down');
    });
    await jobs[0]!.start(clock.now);
    for (const worker of workers) worker.start();
    await waitUntil('the run failed', async () => attempts === 1 && (await workers[0]!.stats()).running === 0);
    // The clock stands still, so the failed run waits for its retry beside the next slot's run.
    assert.equal((await workers[0]!.stats()).pending, 2, 'the retry and the next slot are scheduled');
    clock.now += INTERVAL_MS;
    await waitUntil('the retry and the next slot ran', () => attempts >= 3);
  });
});
