import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createMemoryRateLimiter, createRedisRateLimiter } from '../../src/infra/rate-limit/index.js';
import { runRateLimiterContract } from '../contracts/rate-limiter.contract.js';
import { testServices, uniqueTestPrefix } from '../support/services.js';

runRateLimiterContract('memory', async () => {
  let clock = 1_000_000;
  const limiter = createMemoryRateLimiter({ now: () => clock });
  return {
    replicas: [limiter, limiter],
    passTime: async (ms) => {
      clock += ms;
    },
    cleanup: async () => {},
  };
});

runRateLimiterContract('redis', async () => {
  const prefix = uniqueTestPrefix('rate');
  const a = new Redis(testServices.redisUrl);
  const b = new Redis(testServices.redisUrl);
  return {
    replicas: [createRedisRateLimiter({ redis: a, prefix }), createRedisRateLimiter({ redis: b, prefix })],
    // Redis expires the window on its own clock; a margin covers the round trips around it.
    passTime: (ms) => sleep(ms + 100),
    cleanup: async () => {
      const keys = await a.keys(`${prefix}*`);
      if (keys.length > 0) await a.del(...keys);
      await Promise.all([a.quit(), b.quit()]);
    },
  };
});

describe('redis rate limiter script cache', function () {
  this.timeout(30_000);

  it('counts each hit once when Redis has lost the script (NOSCRIPT), then runs by digest again', async () => {
    const prefix = uniqueTestPrefix('rate-noscript');
    const redis = new Redis(testServices.redisUrl);
    try {
      const limiter = createRedisRateLimiter({ redis, prefix });
      assert.equal((await limiter.hit('k', 10, 60_000)).count, 1);
      // As after a Redis restart or failover: the cached scripts are gone.
      await redis.script('FLUSH');
      assert.equal((await limiter.hit('k', 10, 60_000)).count, 2);
      assert.equal((await limiter.hit('k', 10, 60_000)).count, 3);
      const ttl = await redis.pttl(`${prefix}rate:k`);
      assert.ok(ttl > 0 && ttl <= 60_000, `the window keeps its expiry, got ${ttl} ms`);
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });
});
