import type { Redis } from 'ioredis';
import type { LockManager } from './lock.js';
import { createLockManager } from './lock-manager.js';

// Compare-token scripts: only the holder's token may release or extend the lease.
// Sent with EVAL each time: they are tiny and run once per lock, not in a hot loop.
const RELEASE = `
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0`;

const EXTEND = `
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0`;

export interface RedisLockManagerOptions {
  /** Shared connection; the manager never closes it. */
  redis: Redis;
  /** Prepended (with "lock:") to every lock key. */
  prefix: string;
}

/** Locks as Redis keys holding a random token, taken with SET NX PX. */
export function createRedisLockManager({ redis, prefix }: RedisLockManagerOptions): LockManager {
  // Its own namespace, so lock keys never collide with other stores sharing the prefix.
  const namespace = `${prefix}lock:`;
  return createLockManager({
    async tryAcquire(key, token, ttlMs) {
      return (await redis.set(namespace + key, token, 'PX', ttlMs, 'NX')) === 'OK';
    },
    async release(key, token) {
      return (await redis.eval(RELEASE, 1, namespace + key, token)) === 1;
    },
    async extend(key, token, ttlMs) {
      return (await redis.eval(EXTEND, 1, namespace + key, token, ttlMs)) === 1;
    },
  });
}
