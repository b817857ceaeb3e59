import type { Sequelize } from 'sequelize';
import type { Logger } from '../../infra/logging/logger.js';
import type { JobHandler } from '../../infra/scheduler/index.js';
import { expireAllocation } from './allocation-store.js';

export const ALLOCATION_TIMEOUT_JOB = 'bpp.allocation-timeout';

/** One timeout job per allocation: scheduling it again is a no-op. */
export const allocationTimeoutJobId = (allocationId: string): string => `allocation-timeout:${allocationId}`;

/** Fails the allocation when its deadline passed without an accept; safe to run again. */
export function createAllocationTimeoutJob(deps: { sequelize: Sequelize; logger: Logger }): JobHandler {
  return async (job) => {
    const allocationId = (job.payload as { allocationId?: unknown } | null)?.allocationId;
    if (typeof allocationId !== 'string') {
      deps.logger.warn({ jobId: job.id }, 'allocation timeout job without an allocation id');
      return;
    }
    if (await expireAllocation(deps.sequelize, allocationId)) deps.logger.info({ allocationId }, 'allocation failed: no driver accepted in time');
  };
}
