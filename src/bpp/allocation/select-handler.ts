import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import type { DriverLocationStore } from '../../infra/geo/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { Scheduler } from '../../infra/scheduler/index.js';
import type { RequestHandler } from '../../protocol/handlers.js';
import { findCandidates, findEstimate } from './allocation-data.js';
import { createAllocation, deleteAllocation, lockExistingAllocation } from './allocation-store.js';
import { ALLOCATION_TIMEOUT_JOB, allocationTimeoutJobId } from './allocation-timeout.js';
import { buildSelectQuote } from './select-quote.js';

export interface SelectHandlerDeps {
  sequelize: Sequelize;
  driverLocations: DriverLocationStore;
  scheduler: Scheduler;
  /** Drivers farther than this from the pickup get no offer. */
  offerRadiusMeters: number;
  /** How many of the nearest eligible drivers get an offer. */
  maxOffers: number;
  /** How long offers stay open; the allocation fails when none was accepted by then. */
  offerExpiryMs: number;
  logger: Logger;
  now?: () => number;
}

/** Error codes select answers with (BECKN-005 and ONDC:TRV10). */
export const SELECT_ERRORS = {
  itemNotFound: '30004',
  driverNotAssigned: '90203',
  invalidRequest: '30000',
} as const;

/** Nearby drivers looked up before filtering by variant and status. */
const NEARBY_LOOKUP_LIMIT = 200;

const selectedItemId = (message: unknown): string | null => {
  const items = (message as { order?: { items?: { id?: unknown }[] } } | null)?.order?.items;
  const id = Array.isArray(items) ? items[0]?.id : undefined;
  return typeof id === 'string' && id.length > 0 ? id : null;
};

/**
 * select -> on_select. The callback is the handler's reply and the handler
 * runs inside the inbox transaction, so it cannot wait for a driver: like the
 * ONDC:TRV10 example, on_select carries the quote (the estimate's fare and
 * the offered variant) without a driver, and the assignment reaches the BAP
 * at on_confirm/on_status. Meanwhile the ride is offered to the nearest
 * eligible drivers and a timeout job fails the allocation if nobody accepts.
 * No eligible driver at all is answered with 90203 straight away.
 */
export function createSelectHandler(deps: SelectHandlerDeps): RequestHandler {
  const now = deps.now ?? Date.now;
  return async (request, transaction) => {
    const itemId = selectedItemId(request.message);
    if (itemId === null) return { error: { code: SELECT_ERRORS.invalidRequest, message: 'no selected item', paths: 'message.order.items' } };
    const estimate = await findEstimate(deps.sequelize, transaction, itemId, request.context.bap_id ?? '');
    if (!estimate) return { error: { code: SELECT_ERRORS.itemNotFound, message: 'item not found', paths: 'message.order.items[0].id' } };

    // A repeated select (or a handler run again after a crash) reuses a live
    // allocation; a failed one is replaced by a fresh round of offers.
    const existing = await lockExistingAllocation(deps.sequelize, transaction, estimate.id);
    if (existing && existing.status !== 'FAILED') return { message: buildSelectQuote(estimate, Math.ceil(deps.offerExpiryMs / 1000)) };
    if (existing) await deleteAllocation(deps.sequelize, transaction, existing.id);

    const nearby = await deps.driverLocations.nearby(estimate.from, deps.offerRadiusMeters, { limit: NEARBY_LOOKUP_LIMIT });
    const candidates = await findCandidates(deps.sequelize, transaction, estimate, nearby, deps.maxOffers);
    if (candidates.length === 0) {
      return { error: { code: SELECT_ERRORS.driverNotAssigned, message: 'no driver available for the selected ride' } };
    }

    const allocationId = randomUUID();
    await createAllocation(deps.sequelize, transaction, {
      id: allocationId,
      estimate,
      transactionId: request.context.transaction_id ?? '',
      selectContext: request.context,
      offerExpiryMs: deps.offerExpiryMs,
      offers: candidates.map((c) => ({ id: randomUUID(), ...c })),
    });
    // Scheduled before the transaction commits: if it rolls back, the job
    // finds no allocation and does nothing.
    await deps.scheduler.schedule({
      id: allocationTimeoutJobId(allocationId),
      type: ALLOCATION_TIMEOUT_JOB,
      payload: { allocationId },
      runAt: now() + deps.offerExpiryMs,
    });
    deps.logger.debug({ transactionId: request.context.transaction_id, allocationId, offers: candidates.length }, 'ride offered');
    return { message: buildSelectQuote(estimate, Math.ceil(deps.offerExpiryMs / 1000)) };
  };
}
