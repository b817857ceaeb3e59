import assert from 'node:assert/strict';
import {
  createMemoryDriverLocationBackend,
  createMemoryDriverLocationStore,
  createRedisDriverLocationStore,
} from '../../src/infra/geo/index.js';
import { runDriverLocationStoreContract, STALE_AFTER_SECONDS } from '../contracts/driver-location-store.contract.js';
import { uniqueTestPrefix } from '../support/services.js';
import { createRedisFixture, keysUnder } from './redis-fixture.js';

runDriverLocationStoreContract('redis', async () => {
  const redis = createRedisFixture('geo');
  const other = uniqueTestPrefix('geo-other');
  const clock = { now: Date.now() };
  const options = { staleAfterSeconds: STALE_AFTER_SECONDS, now: () => clock.now };
  const replicas = [0, 1].map(() => createRedisDriverLocationStore({ ...options, redis: redis.connect(), prefix: redis.prefix }));
  const otherPrefix = createRedisDriverLocationStore({ ...options, redis: redis.connect(), prefix: other });
  return {
    replicas: [replicas[0]!, replicas[1]!],
    otherPrefix,
    clock,
    async cleanup() {
      const admin = redis.connect();
      const leftovers = await keysUnder(admin, other);
      if (leftovers.length > 0) await admin.del(...leftovers);
      await redis.cleanup();
    },
  };
});

runDriverLocationStoreContract('memory', async () => {
  const backend = createMemoryDriverLocationBackend();
  const clock = { now: Date.now() };
  const options = { staleAfterSeconds: STALE_AFTER_SECONDS, now: () => clock.now, backend };
  return {
    replicas: [createMemoryDriverLocationStore({ ...options, prefix: 'test:' }), createMemoryDriverLocationStore({ ...options, prefix: 'test:' })],
    otherPrefix: createMemoryDriverLocationStore({ ...options, prefix: 'test-other:' }),
    clock,
    cleanup: async () => undefined,
  };
});

describe('Redis driver location store keys', function () {
  this.timeout(20_000);
  const redis = createRedisFixture('geo-keys');
  after(() => redis.cleanup());

  it('puts every key under the prefix with a TTL, refreshed by later writes', async () => {
    const admin = redis.connect();
    const store = createRedisDriverLocationStore({
      redis: redis.connect(),
      prefix: redis.prefix,
      staleAfterSeconds: 30,
      locationTtlSeconds: 600,
      waypointTtlSeconds: 3600,
    });
    const ts = Date.now();
    await store.update('d1', { lat: 12.97, lon: 77.59, ts });
    await store.appendWaypoints('ride-1', [{ lat: 12.97, lon: 77.59, ts }]);
    const keys = (await keysUnder(admin, redis.prefix)).sort();
    assert.deepEqual(keys, [`${redis.prefix}geo:drivers`, `${redis.prefix}geo:last:d1`, `${redis.prefix}geo:seen`, `${redis.prefix}geo:trail:ride-1`]);
    for (const key of keys) {
      const ttl = await admin.pttl(key);
      const limit = key.includes(':trail:') ? 3_600_000 : 600_000;
      assert.ok(ttl > 0 && ttl <= limit, `${key} has TTL ${ttl}`);
    }
    await admin.pexpire(`${redis.prefix}geo:drivers`, 5_000);
    await admin.pexpire(`${redis.prefix}geo:trail:ride-1`, 5_000);
    await store.update('d2', { lat: 12.98, lon: 77.6, ts });
    await store.appendWaypoints('ride-1', [{ lat: 12.98, lon: 77.6, ts: ts + 1000 }]);
    assert.ok((await admin.pttl(`${redis.prefix}geo:drivers`)) > 5_000, 'an update refreshes the GEO set TTL');
    assert.ok((await admin.pttl(`${redis.prefix}geo:trail:ride-1`)) > 5_000, 'an append refreshes the trail TTL');
  });

  it('prunes drivers silent for longer than the location TTL from the GEO set', async () => {
    const admin = redis.connect();
    const clock = { now: Date.now() };
    const prefix = `${redis.prefix}prune:`;
    const store = createRedisDriverLocationStore({
      redis: redis.connect(),
      prefix,
      staleAfterSeconds: 30,
      locationTtlSeconds: 600,
      now: () => clock.now,
    });
    await store.update('departed', { lat: 12.97, lon: 77.59, ts: clock.now });
    clock.now += 601_000;
    await store.update('active', { lat: 12.97, lon: 77.59, ts: clock.now });
    assert.deepEqual(await admin.zrange(`${prefix}geo:drivers`, 0, -1), ['active']);
    assert.deepEqual(await admin.zrange(`${prefix}geo:seen`, 0, -1), ['active']);
  });
});

describe('Memory driver location store expiry', () => {
  it('forgets a driver after the location TTL and a trail after the waypoint TTL', async () => {
    let clock = 1_000_000;
    const store = createMemoryDriverLocationStore({
      staleAfterSeconds: 30,
      locationTtlSeconds: 600,
      waypointTtlSeconds: 3600,
      now: () => clock,
    });
    await store.update('d1', { lat: 12.97, lon: 77.59, ts: 5 });
    await store.appendWaypoints('ride-1', [{ lat: 12.97, lon: 77.59, ts: 5 }]);
    clock += 599_999;
    assert.notEqual(await store.last('d1'), null);
    clock += 1;
    assert.equal(await store.last('d1'), null);
    await store.update('d1', { lat: 12.97, lon: 77.59, ts: 1 });
    assert.equal((await store.last('d1'))?.ts, 1, 'an expired position no longer blocks older fixes');
    clock += 3_000_000;
    assert.deepEqual(await store.waypoints('ride-1'), []);
  });
});
