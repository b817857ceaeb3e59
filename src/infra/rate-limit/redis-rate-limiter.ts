import type { Redis } from 'ioredis';
import type { RateLimiter } from './rate-limiter.js';

/** INCR and the first PEXPIRE in one script, so a window's key can never be left without expiry. */
const hitScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }
`;

export function createRedisRateLimiter(options: { redis: Redis; prefix: string }): RateLimiter {
  const { redis } = options;
  const prefix = `${options.prefix}rate:`;
  return {
    async hit(key, limit, windowMs) {
      const [count, ttl] = (await redis.eval(hitScript, 1, `${prefix}${key}`, String(windowMs))) as [number, number];
      return { allowed: count <= limit, count, resetMs: Math.max(0, ttl) };
    },
  };
}
