import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  createMemoryCorrelationBackend,
  createMemoryCorrelationStore,
  createRedisCorrelationStore,
  type CorrelationStore,
} from '../../src/infra/correlation/index.js';
import { runCorrelationStoreContract } from '../contracts/correlation-store.contract.js';
import { waitUntil } from '../support/wait-until.js';
import { uniqueTestPrefix } from '../support/services.js';
import { createRedisFixture, keysUnder } from './redis-fixture.js';

runCorrelationStoreContract('redis', async (count) => {
  const redis = createRedisFixture('correlation');
  const other = uniqueTestPrefix('correlation-other');
  // One connection per replica, as separate processes would have.
  const replicas = Array.from({ length: count }, () =>
    createRedisCorrelationStore({ redis: redis.connect(), prefix: redis.prefix }),
  );
  const otherPrefix = createRedisCorrelationStore({ redis: redis.connect(), prefix: other });
  return {
    replicas,
    otherPrefix,
    async cleanup() {
      await Promise.all([...replicas, otherPrefix].map((store) => store.close()));
      const admin = redis.connect();
      const leftovers = await keysUnder(admin, other);
      if (leftovers.length > 0) await admin.del(...leftovers);
      await redis.cleanup();
    },
  };
});

runCorrelationStoreContract('memory', async (count) => {
  const backend = createMemoryCorrelationBackend();
  const replicas = Array.from({ length: count }, () => createMemoryCorrelationStore({ backend, prefix: 'test:' }));
  const otherPrefix = createMemoryCorrelationStore({ backend, prefix: 'test-other:' });
  return {
    replicas,
    otherPrefix,
    cleanup: async () => {
      await Promise.all([...replicas, otherPrefix].map((store) => store.close()));
    },
  };
});

describe('Redis correlation store connections', function () {
  this.timeout(20_000);
  const redis = createRedisFixture('correlation-conn');
  after(() => redis.cleanup());

  /** Connections Redis sees under one client name: the passed client and any duplicate of it. */
  async function connectionsNamed(admin: Redis, name: string): Promise<number> {
    const list = (await admin.client('LIST')) as string;
    return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
  }

  it('opens one subscriber connection lazily, multiplexes channels on it, and closes only that one', async () => {
    const admin = redis.connect();
    const name = `test-correlation-${randomBytes(4).toString('hex')}`;
    // A connection name (unlike CLIENT SETNAME) is copied by duplicate(), so both connections carry it.
    const client = redis.connect({ connectionName: name });
    const store = createRedisCorrelationStore({ redis: client, prefix: redis.prefix });
    await store.set('k', 'v', 10_000);
    assert.equal(await connectionsNamed(admin, name), 1, 'no subscriber connection before the first subscription');

    const stops = await Promise.all(['a', 'b', 'c'].map((channel) => store.subscribe(channel, () => undefined)));
    assert.equal(await connectionsNamed(admin, name), 2, 'three channels share one subscriber connection');
    await Promise.all(stops.map((stop) => stop()));

    await store.close();
    await waitUntil('the subscriber connection is gone', async () => (await connectionsNamed(admin, name)) === 1);
    assert.equal(await client.get(`${redis.prefix}corr:k`), 'v', 'the passed client still works after close');
  });

  it('leaves no Redis subscription behind after waitFor, whether it got a message or timed out', async () => {
    const admin = redis.connect();
    const store = createRedisCorrelationStore({ redis: redis.connect(), prefix: redis.prefix });
    const channel = `${redis.prefix}corr:on_status:txn`;
    const got = await store.waitFor('on_status:txn', 5_000, { onSubscribed: () => store.publish('on_status:txn', 'x') });
    assert.equal(got, 'x');
    assert.equal(await store.waitFor('on_status:txn', 100), null);
    const [, subscribers] = (await admin.pubsub('NUMSUB', channel)) as [string, number];
    assert.equal(subscribers, 0);
    await store.close();
  });

  it('writes every key with a TTL under its prefix', async () => {
    const admin = redis.connect();
    const store = createRedisCorrelationStore({ redis: redis.connect(), prefix: redis.prefix });
    await store.set('a', '1', 60_000);
    await store.setIfAbsent('b', '2', 60_000);
    const keys = await keysUnder(admin, redis.prefix);
    assert.ok(keys.length >= 2);
    for (const key of keys) assert.ok((await admin.pttl(key)) > 0, `${key} has a TTL`);
    await store.close();
  });
});

describe('Memory correlation store expiry', () => {
  it('hides expired entries and sweeps them out of memory on a later write', async () => {
    let clock = 1_000_000;
    const backend = createMemoryCorrelationBackend();
    const store: CorrelationStore = createMemoryCorrelationStore({ backend, now: () => clock });
    for (let i = 0; i < 100; i += 1) await store.set(`old:${i}`, 'v', 1_000);
    assert.equal(backend.size, 100);
    clock += 999;
    assert.equal(await store.get('old:1'), 'v');
    assert.equal(await store.ttl('old:1'), 1);
    clock += 1;
    assert.equal(await store.get('old:2'), null, 'gone exactly at its expiry');
    clock += 60_000;
    await store.set('new', 'v', 1_000);
    assert.equal(backend.size, 1, 'the sweep dropped every expired entry');
  });
});

