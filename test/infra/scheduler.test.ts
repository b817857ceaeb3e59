import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../src/infra/logging/logger.js';
import {
  createMemoryScheduler,
  createMemorySchedulerBackend,
  createRedisScheduler,
  type JobContext,
  type SchedulerOptions,
} from '../../src/infra/scheduler/index.js';
import { runSchedulerContract } from '../contracts/scheduler.contract.js';
import { waitUntil } from '../support/wait-until.js';
import { testServices } from '../support/services.js';
import { createRedisFixture, keysUnder } from './redis-fixture.js';

const logger = createLogger('silent');
/** Bound on how long cleanup waits for handlers a test left hanging on purpose. */
const CLEANUP_STOP_MS = 100;

runSchedulerContract('redis', async (count, options) => {
  const redis = createRedisFixture('scheduler');
  const workers = Array.from({ length: count }, () =>
    createRedisScheduler({ redis: redis.connect(), prefix: redis.prefix, logger, options }),
  );
  return {
    workers,
    async cleanup() {
      await Promise.all(workers.map((worker) => worker.stop(CLEANUP_STOP_MS)));
      await redis.cleanup();
    },
  };
});

runSchedulerContract('memory', async (count, options) => {
  const backend = createMemorySchedulerBackend();
  const workers = Array.from({ length: count }, () => createMemoryScheduler({ backend, logger, options }));
  return {
    workers,
    cleanup: async () => {
      await Promise.all(workers.map((worker) => worker.stop(CLEANUP_STOP_MS)));
    },
  };
});

const redisOptions: SchedulerOptions = {
  pollIntervalMs: 20,
  leaseMs: 800,
  concurrency: 2,
  defaultMaxAttempts: 5,
  baseBackoffMs: 100,
  maxBackoffMs: 1_000,
};

describe('Redis scheduler', function () {
  this.timeout(30_000);
  let redis: ReturnType<typeof createRedisFixture>;
  beforeEach(() => {
    redis = createRedisFixture('scheduler-redis');
  });
  afterEach(() => redis.cleanup());

  it('runs a job again in another process after the worker running it is SIGKILLed', async () => {
    const parent = createRedisScheduler({ redis: redis.connect(), prefix: redis.prefix, logger, options: redisOptions });
    const { id } = await parent.schedule({ type: 'crash.test', payload: { rideId: 'r-1' } });

    const script = fileURLToPath(new URL('./fixtures/scheduler-crash-worker.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, testServices.redisUrl, redis.prefix, '800'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      assert.deepEqual(JSON.parse(line.toString()), { id, attempt: 1 });
      assert.equal((await parent.stats()).running, 1);
    } finally {
      child.kill('SIGKILL');
    }
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL');

    const runs: JobContext[] = [];
    parent.register('crash.test', async (job) => {
      runs.push(job);
    });
    parent.start();
    await waitUntil('the parent ran the job', async () => runs.length === 1 && (await parent.stats()).running === 0);
    assert.equal(runs[0]?.id, id);
    assert.equal(runs[0]?.attempt, 2);
    assert.deepEqual(runs[0]?.payload, { rideId: 'r-1' });
    assert.deepEqual(await parent.stats(), { pending: 0, running: 0, dead: 0 });
    await parent.stop();
  });

  it('gives every key it writes a TTL', async () => {
    const admin = redis.connect();
    const scheduler = createRedisScheduler({ redis: redis.connect(), prefix: redis.prefix, logger, options: redisOptions });
    scheduler.register('fails', async () => {
      throw new Error('no');
    });
    await scheduler.schedule({ type: 'fails', payload: null, maxAttempts: 1 });
    await scheduler.schedule({ type: 'fails', payload: null, runAt: Date.now() + 60_000 });
    scheduler.start();
    await waitUntil('one job is dead', async () => (await scheduler.stats()).dead === 1);
    await scheduler.stop();
    const keys = await keysUnder(admin, redis.prefix);
    assert.ok(keys.length >= 3, `keys: ${keys.join(', ')}`);
    for (const key of keys) assert.ok((await admin.pttl(key)) > 0, `${key} has a TTL`);
  });

  it('reloads its scripts when Redis has dropped them', async () => {
    const admin = redis.connect();
    const scheduler = createRedisScheduler({ redis: redis.connect(), prefix: redis.prefix, logger, options: redisOptions });
    await scheduler.schedule({ type: 'x', payload: null, runAt: Date.now() + 60_000 });
    // Other suites sharing this Redis only pay one reload for this.
    await admin.script('FLUSH');
    const { created } = await scheduler.schedule({ type: 'x', payload: null, runAt: Date.now() + 60_000 });
    assert.equal(created, true);
    assert.equal((await scheduler.stats()).pending, 2);
  });
});
