import { randomUUID } from 'node:crypto';
import type { Sequelize, Transaction } from 'sequelize';
import type { DriverLocationStore } from '../../infra/geo/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { JobHandler, Scheduler } from '../../infra/scheduler/index.js';
import type { MessageSender } from '../../protocol/index.js';
import { findBatch, findEstimate, type SelectedEstimate } from './allocation-data.js';
import { expireDueOffers, lockAllocation, markFailed, offerBatch, openOffersUntil, type LockedAllocation } from './allocation-store.js';

/** Error codes select answers with (BECKN-005 and ONDC:TRV10). */
export const SELECT_ERRORS = {
  itemNotFound: '30004',
  driverNotAssigned: '90203',
  invalidRequest: '30000',
} as const;

export const ALLOCATION_BATCH_JOB = 'bpp.allocation-batch';

/**
 * The batch job checks an allocation at a given time (when its batch
 * expires, or to look for drivers again); one job per allocation and time,
 * so scheduling the same check twice is a no-op.
 */
export const allocationCheckJobId = (allocationId: string, runAt: number): string => `allocation-batch:${allocationId}:${runAt}`;

/** Checks run this long after the offers expire, so the database clock sees them expired. */
const CHECK_MARGIN_MS = 50;

/**
 * How a re-allocation round ends without a driver: a confirmed booking whose
 * driver cancelled is the booking module's business (cancelled, on_cancel),
 * so that module hands it in.
 */
export interface ReallocationEnd {
  /** Nobody accepted within the round's window; the allocation is FAILED already, in `transaction`. */
  failed(transaction: Transaction, allocation: LockedAllocation): Promise<void>;
}

export interface AllocationStepDeps {
  sequelize: Sequelize;
  driverLocations: DriverLocationStore;
  /** Queues the on_select (error) that answers the select when the window ends. */
  sender: MessageSender;
  /** Ends a re-allocation round nobody accepted; without it such a round cannot fail (an error, so the step is retried). */
  reallocation?: ReallocationEnd;
}

/** What one step of an allocation did. */
export type AllocationStep =
  | { kind: 'failed' }
  | { kind: 'waiting'; until: Date }
  | { kind: 'offered'; batch: number; offers: number; until: Date }
  | { kind: 'idle' };

/**
 * Fails the allocation and answers the select it was made for with 90203,
 * in the caller's transaction: the on_select is owed exactly when the
 * allocation is FAILED. A re-allocation round (2 and on) is ended by
 * `deps.reallocation` instead.
 */
async function failAllocation(deps: AllocationStepDeps, transaction: Transaction, allocation: LockedAllocation): Promise<void> {
  if (allocation.round > 1 && !deps.reallocation) throw new Error(`allocation ${allocation.id} is re-allocating a booking and nothing can end that`);
  await markFailed(deps.sequelize, transaction, allocation.id);
  if (allocation.round > 1) {
    // The select was answered long ago: the booking it led to is cancelled instead.
    await deps.reallocation?.failed(transaction, allocation);
    return;
  }
  await deps.sender.sendCallback(
    {
      action: 'on_select',
      context: allocation.selectContext,
      reply: { error: { code: SELECT_ERRORS.driverNotAssigned, message: 'no driver accepted the ride in time' } },
    },
    transaction,
  );
}

/**
 * Moves a SEARCHING allocation (locked by the caller) on: offers that expired
 * are marked so; when the window has ended it fails; while offers of the
 * current batch are open it waits for them; otherwise the next batch of
 * eligible drivers who had no offer yet gets the ride. `idle` means nobody
 * is left to offer right now (a later check may find someone).
 */
export async function advanceAllocation(deps: AllocationStepDeps, transaction: Transaction, allocation: LockedAllocation): Promise<AllocationStep> {
  await expireDueOffers(deps.sequelize, transaction, allocation.id);
  if (allocation.windowEnded) {
    await failAllocation(deps, transaction, allocation);
    return { kind: 'failed' };
  }
  const until = await openOffersUntil(deps.sequelize, transaction, allocation.id);
  if (until) return { kind: 'waiting', until };
  const estimate = await findEstimate(deps.sequelize, transaction, allocation.estimateId, allocation.selectContext.bap_id ?? '');
  if (!estimate) {
    await failAllocation(deps, transaction, allocation);
    return { kind: 'failed' };
  }
  const batch = allocation.batch + 1;
  const offered = await offerNewBatch(deps, transaction, { allocationId: allocation.id, estimate, batch, round: allocation.round, tuning: allocation.tuning });
  return offered ? { kind: 'offered', batch, offers: offered.offers, until: offered.until } : { kind: 'idle' };
}

/** Finds and offers a batch of the allocation's `round`; null when no eligible driver is left. */
export async function offerNewBatch(
  deps: Pick<AllocationStepDeps, 'sequelize' | 'driverLocations'>,
  transaction: Transaction,
  input: { allocationId: string; estimate: SelectedEstimate; batch: number; round: number; tuning: LockedAllocation['tuning'] },
): Promise<{ offers: number; until: Date } | null> {
  const candidates = await findBatch(deps.sequelize, transaction, deps.driverLocations, {
    estimate: input.estimate,
    allocationId: input.allocationId,
    round: input.round,
    size: input.tuning.batchSize,
    radiusMeters: input.tuning.offerRadiusMeters,
    maxOffersPerDriver: input.tuning.maxOffersPerDriver,
  });
  if (candidates.length === 0) return null;
  const until = await offerBatch(deps.sequelize, transaction, {
    allocationId: input.allocationId,
    estimate: input.estimate,
    batch: input.batch,
    round: input.round,
    offerExpiryMs: input.tuning.offerExpiryMs,
    offers: candidates.map((candidate) => ({ id: randomUUID(), ...candidate })),
  });
  return { offers: candidates.length, until };
}

/** Schedules a check of the allocation at `at` (plus a small margin). */
export async function scheduleCheck(scheduler: Scheduler, allocationId: string, at: number): Promise<void> {
  const runAt = Math.ceil(at) + CHECK_MARGIN_MS;
  await scheduler.schedule({ id: allocationCheckJobId(allocationId, runAt), type: ALLOCATION_BATCH_JOB, payload: { allocationId }, runAt });
}

/**
 * The batch job: advances the allocation and schedules its next check (when
 * the new or still-open batch expires, or after one offer expiry when nobody
 * was left to offer, never past the window's end). A settled allocation
 * (assigned, failed, gone) is left alone, so the job may run any number of
 * times; the on_select error is queued only by the run that fails it.
 */
export function createAllocationBatchJob(deps: AllocationStepDeps & { scheduler: Scheduler; logger: Logger; now?: () => number }): JobHandler {
  const now = deps.now ?? Date.now;
  return async (job) => {
    const allocationId = (job.payload as { allocationId?: unknown } | null)?.allocationId;
    if (typeof allocationId !== 'string') {
      deps.logger.warn({ jobId: job.id }, 'allocation batch job without an allocation id');
      return;
    }
    await deps.sequelize.transaction(async (transaction) => {
      const allocation = await lockAllocation(deps.sequelize, transaction, allocationId);
      if (allocation?.status !== 'SEARCHING') return;
      const step = await advanceAllocation(deps, transaction, allocation);
      if (step.kind === 'failed') {
        deps.logger.info({ allocationId, round: allocation.round, transactionId: allocation.selectContext.transaction_id }, 'allocation failed: no driver accepted in time');
        return;
      }
      if (step.kind === 'offered') deps.logger.debug({ allocationId, batch: step.batch, offers: step.offers }, 'ride offered to the next batch');
      const next = step.kind === 'idle' ? Math.min(now() + allocation.tuning.offerExpiryMs, allocation.deadline.getTime()) : step.until.getTime();
      // A check that ran early must not schedule itself again (same id): look once more a little later.
      await scheduleCheck(deps.scheduler, allocationId, Math.max(next, job.scheduledFor));
    });
  };
}
