import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Scheduler } from '../../src/infra/scheduler/index.js';
import type { MakeWorkers } from './scheduler.contract.js';
import { deferred, isEmpty, waitUntil } from '../support/wait-until.js';

/** Scheduler contract cases about failure: retries, dead letters, lost workers and lease renewal. */
export function describeRecovery(workers: MakeWorkers): void {
    it('retries a throwing handler with growing backoff until it succeeds on attempt 3', async () => {
      const [worker] = (await workers(1)) as [Scheduler];
      const attempts: { attempt: number; at: number }[] = [];
      worker.register('callback.send', async (job) => {
        attempts.push({ attempt: job.attempt, at: Date.now() });
        if (job.attempt < 3) throw new Error(`gateway timeout ${job.attempt}`);
      });
      worker.start();
      await worker.schedule({ type: 'callback.send', payload: null });
      await waitUntil('attempt 3 ran', () => attempts.length === 3);
      await waitUntil('the job is gone', async () => isEmpty(await worker.stats()));
      assert.deepEqual(attempts.map((a) => a.attempt), [1, 2, 3]);
      const [first, second, third] = attempts.map((a) => a.at) as [number, number, number];
      assert.ok(second - first >= 100, `first retry after ${second - first} ms, backoff is 100`);
      assert.ok(third - second >= 200, `second retry after ${third - second} ms, backoff is 200`);
      assert.deepEqual(await worker.deadJobs(), []);
    });

    it('dead-letters a job with its last error after maxAttempts', async () => {
      const [worker] = (await workers(1, { baseBackoffMs: 20 })) as [Scheduler];
      let calls = 0;
      worker.register('callback.send', async (job) => {
        calls += 1;
        throw new Error(`rejected on attempt ${job.attempt}`);
      });
      worker.start();
      const before = Date.now();
      const { id } = await worker.schedule({ type: 'callback.send', payload: { to: 'bap-1' }, maxAttempts: 2 });
      await waitUntil('the job is dead-lettered', async () => (await worker.stats()).dead === 1);
      const [dead] = await worker.deadJobs();
      assert.ok(dead);
      assert.deepEqual({ ...dead, failedAt: 0 }, {
        id,
        type: 'callback.send',
        payload: { to: 'bap-1' },
        attempts: 2,
        lastError: 'rejected on attempt 2',
        failedAt: 0,
      });
      assert.ok(dead.failedAt >= before && dead.failedAt <= Date.now());
      assert.equal(calls, 2);
      assert.deepEqual(await worker.stats(), { pending: 0, running: 0, dead: 1 });
    });

    it('dead-letters a job whose type has no handler', async () => {
      const [worker] = (await workers(1)) as [Scheduler];
      worker.start();
      await worker.schedule({ type: 'unknown.kind', payload: 1, maxAttempts: 1 });
      await waitUntil('the job is dead-lettered', async () => (await worker.stats()).dead === 1);
      const [dead] = await worker.deadJobs();
      assert.match(dead?.lastError ?? '', /no handler registered for job type unknown\.kind/);
    });

    it('survives a worker stopped mid-run: another worker runs the job once the lease expires', async () => {
      const [first, second] = (await workers(2)) as [Scheduler, Scheduler];
      const hung = deferred();
      const started = deferred();
      const runs: { worker: string; attempt: number }[] = [];
      first.register('offer.expire', async (job) => {
        runs.push({ worker: 'first', attempt: job.attempt });
        started.resolve();
        await hung.promise;
      });
      second.register('offer.expire', async (job) => {
        runs.push({ worker: 'second', attempt: job.attempt });
      });
      first.start();
      await first.schedule({ type: 'offer.expire', payload: { offerId: 'o-9' } });
      await started.promise;
      // The handler never finishes: stop gives up on it and stops renewing its lease.
      await first.stop(50);
      second.start();
      await waitUntil('the second worker ran the job', () => runs.some((run) => run.worker === 'second'));
      assert.deepEqual(runs, [
        { worker: 'first', attempt: 1 },
        { worker: 'second', attempt: 2 },
      ]);
      await waitUntil('the job is gone', async () => isEmpty(await second.stats()));
      // The abandoned handler finishing late must not resurrect or remove anything.
      hung.resolve();
      // A second stop() returns once the first worker is done with the abandoned job, its late completion refused.
      await first.stop(10_000);
      assert.deepEqual(await second.stats(), { pending: 0, running: 0, dead: 0 });
      assert.equal(runs.length, 2);
    });

    it('dead-letters a job whose worker was lost on its last attempt', async () => {
      const [first, second] = (await workers(2)) as [Scheduler, Scheduler];
      const started = deferred();
      first.register('offer.expire', async () => {
        started.resolve();
        await new Promise(() => undefined);
      });
      let secondRuns = 0;
      second.register('offer.expire', async () => {
        secondRuns += 1;
      });
      first.start();
      const { id } = await first.schedule({ type: 'offer.expire', payload: null, maxAttempts: 1 });
      await started.promise;
      await first.stop(50);
      second.start();
      await waitUntil('the job is dead-lettered', async () => (await second.stats()).dead === 1);
      const [dead] = await second.deadJobs();
      assert.equal(dead?.id, id);
      assert.equal(dead?.attempts, 1);
      assert.match(dead?.lastError ?? '', /lease expired/);
      assert.equal(secondRuns, 0);
    });

    it('keeps a job with its worker while the handler runs past the lease', async () => {
      const pool = (await workers(2, { leaseMs: 1_000 })) as [Scheduler, Scheduler];
      let runs = 0;
      for (const worker of pool) {
        worker.register('trip.settle', async () => {
          runs += 1;
          await sleep(2_500);
        });
        worker.start();
      }
      await pool[0].schedule({ type: 'trip.settle', payload: null });
      await waitUntil('the job finished', async () => runs > 0 && isEmpty(await pool[0].stats()));
      assert.equal(runs, 1, 'lease renewal kept the other worker from taking the job');
    });
}
