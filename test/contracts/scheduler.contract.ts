import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobContext, Scheduler, SchedulerOptions } from '../../src/infra/scheduler/index.js';
import { describeRecovery } from './scheduler-recovery.contract.js';
import { deferred, isEmpty, waitUntil } from '../support/wait-until.js';

export interface SchedulerFixture {
  /** Schedulers on one shared backend, as worker replicas share one Redis. */
  workers: Scheduler[];
  cleanup(): Promise<void>;
}

export type MakeSchedulerFixture = (workers: number, options: SchedulerOptions) => Promise<SchedulerFixture>;

/** Makes `count` workers for the current test (cleaned up after it), with option overrides. */
export type MakeWorkers = (count: number, options?: Partial<SchedulerOptions>) => Promise<Scheduler[]>;

/** Short intervals so the suite runs quickly; every wait below polls with a generous bound. */
const baseOptions: SchedulerOptions = {
  pollIntervalMs: 20,
  leaseMs: 600,
  concurrency: 4,
  defaultMaxAttempts: 5,
  baseBackoffMs: 100,
  maxBackoffMs: 1_000,
};

/** The behaviour every Scheduler adapter must show. */
export function runSchedulerContract(adapterName: string, makeFixture: MakeSchedulerFixture): void {
  describe(`Scheduler contract: ${adapterName}`, function () {
    this.timeout(30_000);
    let fixture: SchedulerFixture | undefined;
    const workers: MakeWorkers = async (count, options = {}) => {
      fixture = await makeFixture(count, { ...baseOptions, ...options });
      return fixture.workers;
    };
    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });

    describeRecovery(workers);

    it('runs a job at its runAt and not before, with its payload and lag', async () => {
      const lags: number[] = [];
      const [worker] = (await workers(1, { observeLag: (seconds) => lags.push(seconds) })) as [Scheduler];
      const runs: { at: number; job: JobContext }[] = [];
      worker.register('offer.expire', async (job) => {
        runs.push({ at: Date.now(), job });
      });
      worker.start();
      const runAt = Date.now() + 400;
      const { id, created } = await worker.schedule({ type: 'offer.expire', payload: { offerId: 'o-1', fare: 120 }, runAt });
      assert.equal(created, true);
      await waitUntil('the job ran', () => runs.length === 1);
      const [run] = runs as [(typeof runs)[number]];
      assert.ok(run.at >= runAt, `ran ${runAt - run.at} ms early`);
      assert.deepEqual(run.job, { id, type: 'offer.expire', payload: { offerId: 'o-1', fare: 120 }, attempt: 1, scheduledFor: runAt });
      assert.equal(lags.length, 1);
      assert.ok((lags[0] ?? -1) >= 0);
      await waitUntil('the job is gone', async () => isEmpty(await worker.stats()));
    });

    it('runs a job it scheduled itself when due, without waiting for the next poll', async () => {
      const [worker] = (await workers(1, { pollIntervalMs: 60_000 })) as [Scheduler];
      const ran = new Map<string, number>();
      worker.register('ride.step', async (job) => {
        ran.set((job.payload as { name: string }).name, Date.now());
      });
      // The first job is found by the poll start() makes; the next poll is a minute away.
      await worker.schedule({ type: 'ride.step', payload: { name: 'first' } });
      worker.start();
      await waitUntil('the first job ran', () => ran.has('first'), { timeoutMs: 10_000 });
      const now = Date.now();
      await worker.schedule({ type: 'ride.step', payload: { name: 'due now' } });
      const soonAt = Date.now() + 300;
      await worker.schedule({ type: 'ride.step', payload: { name: 'soon' }, runAt: soonAt });
      await waitUntil('both jobs ran, long before the next poll', () => ran.has('due now') && ran.has('soon'), { timeoutMs: 15_000 });
      assert.ok((ran.get('due now') ?? 0) >= now);
      assert.ok((ran.get('soon') ?? 0) >= soonAt, 'not before its runAt');
    });

    it('runs each of 30 jobs exactly once across two workers when nothing fails', async () => {
      const pool = await workers(2, { concurrency: 3 });
      const runsById = new Map<string, number>();
      const runsByWorker = [0, 0];
      pool.forEach((worker, index) =>
        worker.register('ride.notify', async (job) => {
          runsById.set(job.id, (runsById.get(job.id) ?? 0) + 1);
          runsByWorker[index] = (runsByWorker[index] ?? 0) + 1;
          await sleep(25);
        }),
      );
      const ids = await Promise.all(
        Array.from({ length: 30 }, async (_, i) => (await pool[i % 2]!.schedule({ type: 'ride.notify', payload: { i } })).id),
      );
      pool.forEach((worker) => worker.start());
      await waitUntil('every job ran', () => runsById.size === 30);
      await waitUntil('the queue is empty', async () => isEmpty(await pool[0]!.stats()));
      assert.deepEqual([...runsById.keys()].sort(), [...ids].sort());
      assert.ok([...runsById.values()].every((count) => count === 1), 'no job ran twice');
      assert.ok(runsByWorker.every((count) => count > 0), `both workers took jobs: ${runsByWorker.join(', ')}`);
    });

    it('cancels a pending job so it never runs', async () => {
      const [worker] = (await workers(1)) as [Scheduler];
      const ran: string[] = [];
      worker.register('offer.expire', async (job) => {
        ran.push(job.id);
      });
      const cancelled = await worker.schedule({ type: 'offer.expire', payload: null, runAt: Date.now() + 300 });
      const sentinel = await worker.schedule({ type: 'offer.expire', payload: null, runAt: Date.now() + 400 });
      assert.equal(await worker.cancel(cancelled.id), true);
      assert.equal(await worker.cancel(cancelled.id), false, 'no longer pending');
      assert.equal(await worker.cancel('never-scheduled'), false);
      worker.start();
      await waitUntil('the later job ran and nothing is left', async () => ran.length > 0 && isEmpty(await worker.stats()));
      assert.deepEqual(ran, [sentinel.id]);
    });

    it('does not cancel a running job', async () => {
      const [worker] = (await workers(1)) as [Scheduler];
      const release = deferred();
      const started = deferred();
      worker.register('trip.settle', async () => {
        started.resolve();
        await release.promise;
      });
      worker.start();
      const { id } = await worker.schedule({ type: 'trip.settle', payload: null });
      await started.promise;
      assert.equal(await worker.cancel(id), false);
      release.resolve();
      await waitUntil('the job finished', async () => isEmpty(await worker.stats()));
    });

    it('treats scheduling an id that is already pending as a no-op', async () => {
      const [worker] = (await workers(1)) as [Scheduler];
      const payloads: unknown[] = [];
      worker.register('offer.expire', async (job) => {
        payloads.push(job.payload);
      });
      const runAt = Date.now() + 200;
      const first = await worker.schedule({ id: 'offer-7', type: 'offer.expire', payload: 'first', runAt });
      const second = await worker.schedule({ id: 'offer-7', type: 'offer.expire', payload: 'second', runAt });
      assert.deepEqual(first, { id: 'offer-7', created: true });
      assert.deepEqual(second, { id: 'offer-7', created: false });
      assert.equal((await worker.stats()).pending, 1);
      worker.start();
      await waitUntil('the job ran and is gone', async () => payloads.length > 0 && isEmpty(await worker.stats()));
      assert.deepEqual(payloads, ['first']);
      const again = await worker.schedule({ id: 'offer-7', type: 'offer.expire', payload: 'third' });
      assert.equal(again.created, true, 'the id is free again once the job finished');
      await waitUntil('the rescheduled job ran', () => payloads.length === 2);
    });

    it('counts pending, running and dead jobs', async () => {
      const [worker] = (await workers(1, { baseBackoffMs: 20 })) as [Scheduler];
      const release = deferred();
      const started = deferred();
      worker.register('slow', async () => {
        started.resolve();
        await release.promise;
      });
      worker.register('broken', async () => {
        throw new Error('always');
      });
      assert.deepEqual(await worker.stats(), { pending: 0, running: 0, dead: 0 });
      const later = Date.now() + 60 * 60_000;
      const future = await Promise.all([1, 2, 3].map((i) => worker.schedule({ type: 'slow', payload: i, runAt: later })));
      await worker.schedule({ type: 'slow', payload: 'now' });
      await worker.schedule({ type: 'broken', payload: null, maxAttempts: 1 });
      assert.deepEqual(await worker.stats(), { pending: 5, running: 0, dead: 0 });
      worker.start();
      await started.promise;
      await waitUntil('the broken job is dead', async () => (await worker.stats()).dead === 1);
      assert.deepEqual(await worker.stats(), { pending: 3, running: 1, dead: 1 });
      release.resolve();
      await waitUntil('the slow job finished', async () => (await worker.stats()).running === 0);
      for (const { id } of future) assert.equal(await worker.cancel(id), true);
      assert.deepEqual(await worker.stats(), { pending: 0, running: 0, dead: 1 });
    });

    it('waits in stop() for running handlers to finish', async () => {
      const [worker] = (await workers(1)) as [Scheduler];
      const started = deferred();
      let finished = false;
      worker.register('trip.settle', async () => {
        started.resolve();
        await sleep(200);
        finished = true;
      });
      worker.start();
      await worker.schedule({ type: 'trip.settle', payload: null });
      await started.promise;
      await worker.stop(10_000);
      assert.equal(finished, true);
      assert.deepEqual(await worker.stats(), { pending: 0, running: 0, dead: 0 });
    });

    it('claims nothing after stop()', async () => {
      const [worker] = (await workers(1)) as [Scheduler];
      let runs = 0;
      worker.register('offer.expire', async () => {
        runs += 1;
      });
      worker.start();
      await worker.stop();
      await worker.schedule({ type: 'offer.expire', payload: null });
      await sleep(200);
      assert.equal(runs, 0);
      assert.equal((await worker.stats()).pending, 1);
    });
  });
}
