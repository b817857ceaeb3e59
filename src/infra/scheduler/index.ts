export type {
  DeadJob,
  JobContext,
  JobHandler,
  JobInput,
  Scheduler,
  SchedulerOptions,
  SchedulerStats,
} from './scheduler.js';
export { createRedisScheduler, type RedisSchedulerOptions } from './redis-scheduler.js';
export {
  createMemoryScheduler,
  createMemorySchedulerBackend,
  type MemorySchedulerBackend,
  type MemorySchedulerOptions,
} from './memory-scheduler.js';
export { periodicJob, type PeriodicJob } from './periodic-job.js';
