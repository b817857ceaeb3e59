import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import type { DriverLocationStore } from '../../infra/geo/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { Scheduler } from '../../infra/scheduler/index.js';
import type { RequestHandler } from '../../protocol/index.js';
import { parseIsoDuration } from '../../protocol/inbound/index.js';
import { findEstimate, findOfferedDriver } from './allocation-data.js';
import { offerNewBatch, scheduleCheck, SELECT_ERRORS } from './allocation-batches.js';
import { createAllocation, deleteAllocation, lockExistingAllocation, updateSelectContext, type AllocationTuning } from './allocation-store.js';
import { buildSelectQuote } from './select-quote.js';

export { SELECT_ERRORS } from './allocation-batches.js';

export interface SelectHandlerDeps {
  sequelize: Sequelize;
  driverLocations: DriverLocationStore;
  scheduler: Scheduler;
  /** Drivers farther than this from the pickup get no offer. */
  offerRadiusMeters: number;
  /** How many eligible drivers one batch offers the ride to. */
  batchSize: number;
  /** How long the offers of a batch stay open before the next batch is offered. */
  offerExpiryMs: number;
  /** The longest allocation window; a select's shorter ttl shortens it. */
  allocationWindowMs: number;
  /** How long the quote of the on_select that names the driver stays valid. */
  quoteTtlSeconds: number;
  /** A driver holding this many open offers (of any allocation) is passed over. */
  maxOffersPerDriver: number;
  logger: Logger;
}

/** Milliseconds since the request's timestamp (0 when it has none or it lies in the future). */
const sentAgo = (timestamp: string | undefined, nowMs: number): number => {
  const sent = timestamp ? Date.parse(timestamp) : Number.NaN;
  return Number.isNaN(sent) ? 0 : Math.max(0, nowMs - sent);
};

const selectedItemId = (message: unknown): string | null => {
  const items = (message as { order?: { items?: { id?: unknown }[] } } | null)?.order?.items;
  const id = Array.isArray(items) ? items[0]?.id : undefined;
  return typeof id === 'string' && id.length > 0 ? id : null;
};

/** How long before the select's ttl runs out the window closes, so the 90203 on_select still reaches the BAP in time. */
export const ON_SELECT_MARGIN_MS = 3_000;
/** The shortest window offered, even for a select that arrived with little of its ttl left. */
const MIN_WINDOW_MS = 1_000;

/**
 * The allocation window: the configured maximum, shortened so that it ends
 * ON_SELECT_MARGIN_MS before the select's ttl (counted from the select's
 * timestamp, `sentAgoMs` ago) runs out: the BAP waits no longer for on_select.
 */
export function allocationWindowMs(ttl: string | undefined, maxMs: number, sentAgoMs = 0): number {
  const ttlMs = ttl === undefined ? null : parseIsoDuration(ttl);
  if (ttlMs === null || ttlMs <= 0) return maxMs;
  return Math.min(maxMs, Math.max(MIN_WINDOW_MS, ttlMs - Math.max(0, sentAgoMs) - ON_SELECT_MARGIN_MS));
}

/**
 * select -> on_select once a driver accepted. The handler offers the ride to
 * the first batch of eligible drivers (nearest first, special-location queues
 * by priority before the rest) and defers its callback: the accept that wins
 * the ride queues the on_select with the driver and vehicle, and the end of
 * the allocation window without an accept queues it with 90203. No eligible
 * driver at all is answered with 90203 straight away. A repeated select (or
 * a handler run again after a crash) reuses the allocation: assigned, it is
 * answered with the driver's quote again; still searching, the pending
 * on_select will answer the latest select; failed, a fresh allocation starts.
 */
export function createSelectHandler(deps: SelectHandlerDeps): RequestHandler {
  const tuning: AllocationTuning = {
    batchSize: deps.batchSize,
    offerExpiryMs: deps.offerExpiryMs,
    offerRadiusMeters: deps.offerRadiusMeters,
    maxOffersPerDriver: deps.maxOffersPerDriver,
  };
  return async (request, transaction) => {
    const itemId = selectedItemId(request.message);
    if (itemId === null) return { error: { code: SELECT_ERRORS.invalidRequest, message: 'no selected item', paths: 'message.order.items' } };
    const estimate = await findEstimate(deps.sequelize, transaction, itemId, request.context.bap_id ?? '');
    if (!estimate) return { error: { code: SELECT_ERRORS.itemNotFound, message: 'item not found', paths: 'message.order.items[0].id' } };

    const existing = await lockExistingAllocation(deps.sequelize, transaction, estimate.id);
    if (existing?.status === 'ASSIGNED' && existing.driverId !== null) {
      const driver = await findOfferedDriver(deps.sequelize, transaction, existing.driverId);
      if (!driver) throw new Error(`assigned driver ${existing.driverId} not found`);
      return { message: buildSelectQuote(estimate, deps.quoteTtlSeconds, driver) };
    }
    if (existing && existing.round > 1) {
      // The item was booked; its booking (re-allocating, or cancelled) is no longer the select's.
      return { error: { code: SELECT_ERRORS.driverNotAssigned, message: 'the selected ride was booked already and is not offered again' } };
    }
    if (existing?.status === 'SEARCHING') {
      await updateSelectContext(deps.sequelize, transaction, existing.id, request.context);
      return { deferred: true };
    }
    if (existing) await deleteAllocation(deps.sequelize, transaction, existing.id);

    const allocationId = randomUUID();
    await createAllocation(deps.sequelize, transaction, {
      id: allocationId,
      estimate,
      transactionId: request.context.transaction_id ?? '',
      selectContext: request.context,
      windowMs: allocationWindowMs(request.context.ttl, deps.allocationWindowMs, sentAgo(request.context.timestamp, Date.now())),
      tuning,
    });
    const offered = await offerNewBatch(deps, transaction, { allocationId, estimate, batch: 1, round: 1, tuning });
    if (!offered) {
      await deleteAllocation(deps.sequelize, transaction, allocationId);
      return { error: { code: SELECT_ERRORS.driverNotAssigned, message: 'no driver available for the selected ride' } };
    }
    // Scheduled before the transaction commits: if it rolls back, the job
    // finds no allocation and does nothing.
    await scheduleCheck(deps.scheduler, allocationId, offered.until.getTime());
    deps.logger.debug({ transactionId: request.context.transaction_id, allocationId, offers: offered.offers }, 'ride offered');
    return { deferred: true };
  };
}
