export { LockBusyError, type AcquireOptions, type LockHandle, type LockManager } from './lock.js';
export { createRedisLockManager, type RedisLockManagerOptions } from './redis-lock.js';
export {
  createMemoryLockBackend,
  createMemoryLockManager,
  type MemoryLockBackend,
  type MemoryLockManagerOptions,
} from './memory-lock.js';
