import assert from 'node:assert/strict';
import {
  createMemoryLockBackend,
  createMemoryLockManager,
  createRedisLockManager,
} from '../../src/infra/lock/index.js';
import { runLockContract } from '../contracts/lock.contract.js';
import { createRedisFixture, keysUnder } from './redis-fixture.js';

runLockContract('redis', async (count) => {
  const redis = createRedisFixture('lock');
  const replicas = Array.from({ length: count }, () => createRedisLockManager({ redis: redis.connect(), prefix: redis.prefix }));
  return {
    replicas,
    async cleanup() {
      await Promise.all(replicas.map((manager) => manager.close()));
      await redis.cleanup();
    },
  };
});

runLockContract('memory', async (count) => {
  const backend = createMemoryLockBackend();
  const replicas = Array.from({ length: count }, () => createMemoryLockManager({ backend }));
  return {
    replicas,
    cleanup: async () => {
      await Promise.all(replicas.map((manager) => manager.close()));
    },
  };
});

describe('Redis lock keys', () => {
  const redis = createRedisFixture('lock-keys');
  after(() => redis.cleanup());

  it('stores a held lock as one key under the prefix with the lease as its TTL', async () => {
    const admin = redis.connect();
    const locks = createRedisLockManager({ redis: redis.connect(), prefix: redis.prefix });
    const handle = await locks.acquire('ride:1', { ttlMs: 30_000 });
    assert.ok(handle);
    assert.deepEqual(await keysUnder(admin, redis.prefix), [`${redis.prefix}lock:ride:1`]);
    const ttl = await admin.pttl(`${redis.prefix}lock:ride:1`);
    assert.ok(ttl > 0 && ttl <= 30_000);
    await handle.release();
    assert.deepEqual(await keysUnder(admin, redis.prefix), []);
  });
});

describe('Memory lock expiry', () => {
  it('expires a lease on its own clock and sweeps abandoned leases later', async () => {
    let clock = 5_000_000;
    const backend = createMemoryLockBackend();
    const locks = createMemoryLockManager({ backend, now: () => clock });
    for (let i = 0; i < 10; i += 1) assert.ok(await locks.acquire(`abandoned:${i}`, { ttlMs: 1_000 }));
    clock += 999;
    assert.equal(await locks.acquire('abandoned:0', { ttlMs: 1_000 }), null);
    clock += 1;
    const retaken = await locks.acquire('abandoned:0', { ttlMs: 1_000 });
    assert.ok(retaken, 'free exactly when the lease ends');
    assert.equal(backend.size, 10);
    clock += 60_000;
    assert.ok(await locks.acquire('fresh', { ttlMs: 1_000 }));
    assert.equal(backend.size, 1, 'the sweep dropped every expired lease');
  });
});
