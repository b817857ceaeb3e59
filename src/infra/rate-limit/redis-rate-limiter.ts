import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RateLimiter } from './rate-limiter.js';

/** INCR and the first PEXPIRE in one script, so a window's key can never be left without expiry. */
const hitScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }
`;
const hitScriptSha = createHash('sha1').update(hitScript).digest('hex');

const isNoScript = (error: unknown) => error instanceof Error && error.message.startsWith('NOSCRIPT');

export function createRedisRateLimiter(options: { redis: Redis; prefix: string }): RateLimiter {
  const { redis } = options;
  const prefix = `${options.prefix}rate:`;
  // By digest, so Redis neither receives nor hashes the script per hit; a NOSCRIPT reply ran nothing, so sending it whole then counts once.
  const run = async (key: string, windowMs: string): Promise<unknown> => {
    try {
      return await redis.evalsha(hitScriptSha, 1, key, windowMs);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return redis.eval(hitScript, 1, key, windowMs);
    }
  };
  return {
    async hit(key, limit, windowMs) {
      const [count, ttl] = (await run(`${prefix}${key}`, String(windowMs))) as [number, number];
      return { allowed: count <= limit, count, resetMs: Math.max(0, ttl) };
    },
  };
}
