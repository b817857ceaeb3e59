export type { CorrelationStore, WaitForOptions } from './correlation-store.js';
export { createRedisCorrelationStore, type RedisCorrelationStoreOptions } from './redis-correlation-store.js';
export {
  createMemoryCorrelationBackend,
  createMemoryCorrelationStore,
  type MemoryCorrelationBackend,
  type MemoryCorrelationStoreOptions,
} from './memory-correlation-store.js';
