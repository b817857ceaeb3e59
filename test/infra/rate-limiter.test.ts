import { Redis } from 'ioredis';
import { createMemoryRateLimiter, createRedisRateLimiter } from '../../src/infra/rate-limit/index.js';
import { runRateLimiterContract } from '../contracts/rate-limiter.contract.js';
import { testServices, uniqueTestPrefix } from '../support/services.js';

runRateLimiterContract('memory', async () => {
  const limiter = createMemoryRateLimiter();
  return { replicas: [limiter, limiter], cleanup: async () => {} };
});

runRateLimiterContract('redis', async () => {
  const prefix = uniqueTestPrefix('rate');
  const a = new Redis(testServices.redisUrl);
  const b = new Redis(testServices.redisUrl);
  return {
    replicas: [createRedisRateLimiter({ redis: a, prefix }), createRedisRateLimiter({ redis: b, prefix })],
    cleanup: async () => {
      const keys = await a.keys(`${prefix}*`);
      if (keys.length > 0) await a.del(...keys);
      await Promise.all([a.quit(), b.quit()]);
    },
  };
});
