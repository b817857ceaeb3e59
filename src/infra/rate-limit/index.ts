export type { RateLimiter, RateLimitDecision } from './rate-limiter.js';
export { createRedisRateLimiter } from './redis-rate-limiter.js';
export { createMemoryRateLimiter } from './memory-rate-limiter.js';
