import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { DriverLocationStore } from '../../infra/geo/index.js';
import { AppError } from '../../infra/http/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { Scheduler } from '../../infra/scheduler/index.js';
import type { MessageSender } from '../../protocol/index.js';
import { lockAllocation, scheduleCheck, startReallocationRound, type LockedAllocation, type ReallocationEnd } from '../allocation/index.js';
import { findBatch, findEstimate } from '../allocation/allocation-data.js';
import { offerBatch } from '../allocation/allocation-store.js';
import { zero } from '../domain/index.js';
import { BPP_SCHEMA } from '../models/index.js';
import { buildUnassignedOrder } from './booking-order.js';
import { buildCancelOrder, cancellableState, loadConfirmedOrder, orderContext } from './cancel-order.js';
import { reallocatesOnDriverCancel } from './cancel-reasons.js';
import { lockOrderOfBap, lockOrderOfDriver, recordCancellation, type CancelledBy, type LockedOrder } from './cancel-store.js';
import { newOtp } from './confirm-handler.js';
import { bookingPlace, recordBppEvent, recordDriverAssigned } from '../business-events.js';

/**
 * How long a booking whose driver cancelled looks for another driver before
 * it is cancelled: the rider is waiting at the pickup, so about as long as a
 * select's allocation window.
 */
export const REALLOCATION_WINDOW_MS = 60_000;

/** What a driver's cancel and the re-allocation it may start need. */
export interface DriverCancelDeps {
  sequelize: Sequelize;
  sender: MessageSender;
  quoteTtlSeconds: number;
  /** Finds the drivers near the pickup a re-allocation offers the ride to. */
  driverLocations: DriverLocationStore;
  /** Runs the allocation batch job that moves a re-allocation on and ends it. */
  scheduler: Scheduler;
  /** How long a re-allocation looks for a driver; REALLOCATION_WINDOW_MS unless set. */
  reallocationWindowMs?: number;
  logger?: Logger;
}

/** What pushes about an order need (no driver search). */
export type OrderPushDeps = Pick<DriverCancelDeps, 'sequelize' | 'sender' | 'quoteTtlSeconds' | 'logger'>;

export interface DriverCancelledRide {
  rideId: string;
  bookingId: string;
  messageId: string;
  /** True when the booking stays CONFIRMED and is offered to other drivers; false when it was cancelled. */
  reallocating: boolean;
}

/**
 * Offers the booking of a driver's NEW ride to other drivers: a new round of
 * its allocation (SEARCHING, its own window), the first batch offered at
 * once, the driver's ride CANCELLED and the driver ONLINE again (never
 * offered this booking again), the BAP told by an unsolicited on_status that
 * the order is ACTIVE and RIDE_CONFIRMED without a driver. Returns the
 * on_status message id, or null when no eligible driver is near the pickup:
 * then nothing was changed and the booking is to be cancelled.
 */
async function reallocate(deps: DriverCancelDeps, transaction: Transaction, order: LockedOrder, reasonCode: string): Promise<string | null> {
  const { sequelize } = deps;
  const allocation = await lockAllocation(sequelize, transaction, order.allocationId);
  const estimate = await findEstimate(sequelize, transaction, order.estimateId, order.bapId);
  if (!allocation || !estimate) throw new Error(`order ${order.bookingId} lost its allocation or estimate`);
  const round = allocation.round + 1;
  const candidates = await findBatch(sequelize, transaction, deps.driverLocations, {
    estimate,
    allocationId: allocation.id,
    round,
    size: allocation.tuning.batchSize,
    radiusMeters: allocation.tuning.offerRadiusMeters,
    maxOffersPerDriver: allocation.tuning.maxOffersPerDriver,
  });
  if (candidates.length === 0) return null;

  const windowMs = Math.max(deps.reallocationWindowMs ?? REALLOCATION_WINDOW_MS, allocation.tuning.offerExpiryMs);
  await startReallocationRound(sequelize, transaction, { allocationId: allocation.id, windowMs, reasonCode });
  const until = await offerBatch(sequelize, transaction, {
    allocationId: allocation.id,
    estimate,
    batch: allocation.batch + 1,
    round,
    offerExpiryMs: allocation.tuning.offerExpiryMs,
    offers: candidates.map((candidate) => ({ id: randomUUID(), ...candidate })),
  });
  const run = (sql: string, bind: unknown[]) => sequelize.query(sql, { bind, transaction });
  await run(`UPDATE ${BPP_SCHEMA}.ride SET status = 'CANCELLED', updated_at = now() WHERE id = $1`, [order.rideId]);
  await run(`UPDATE ${BPP_SCHEMA}.driver SET status = 'ONLINE', updated_at = now() WHERE id = $1 AND status = 'ON_RIDE'`, [order.driverId]);
  await run(`UPDATE ${BPP_SCHEMA}.booking SET updated_at = now() WHERE id = $1`, [order.bookingId]);
  // The driver's ride is cancelled while the booking lives on: no fee, the booking's own end is recorded when it comes.
  await recordBppEvent(sequelize, transaction, 'ride.cancelled', await bookingPlace(sequelize, transaction, order.bookingId), order.bookingId, {
    booking_id: order.bookingId,
    ride_id: order.rideId,
    cancelled_by: 'DRIVER',
    reason_code: reasonCode,
    fee: null,
  });
  // Scheduled before the commit: rolled back, the job finds the allocation ASSIGNED and does nothing.
  await scheduleCheck(deps.scheduler, allocation.id, until.getTime());

  const { confirmed } = await loadConfirmedOrder(deps, transaction, { ...order, allocationStatus: 'SEARCHING' });
  const { messageId } = await deps.sender.sendCallback(
    { action: 'on_status', context: orderContext(order, 'on_status'), reply: { message: buildUnassignedOrder({ order: confirmed }) }, unsolicited: true },
    transaction,
  );
  deps.logger?.debug({ bookingId: order.bookingId, allocationId: allocation.id, round, offers: candidates.length }, 'booking offered to other drivers');
  return messageId;
}

/** Cancels the order for the driver's reason (BY_DRIVER, no fee for the rider) and pushes the on_cancel, in `transaction`. */
async function cancelOrderByDriver(
  deps: OrderPushDeps,
  transaction: Transaction,
  order: LockedOrder,
  input: { reasonCode: string; fulfillmentState: 'RIDE_ASSIGNED' | 'RIDE_ARRIVED_PICKUP' },
  cancelledBy: CancelledBy = 'DRIVER',
): Promise<string> {
  const { confirmed } = await loadConfirmedOrder(deps, transaction, order);
  const fee = zero(confirmed.quote.price.currency);
  const cancellation = await recordCancellation(
    deps.sequelize,
    transaction,
    order,
    { source: 'BY_DRIVER', reasonCode: input.reasonCode, fee, fulfillmentState: input.fulfillmentState },
    cancelledBy,
  );
  const { messageId } = await deps.sender.sendCallback(
    {
      action: 'on_cancel',
      context: orderContext(order, 'on_cancel'),
      reply: { message: buildCancelOrder(confirmed, { status: 'CANCELLED', state: 'RIDE_CANCELLED', fee, cancellation }) },
      unsolicited: true,
    },
    transaction,
  );
  return messageId;
}

/**
 * The driver cancels their ride before it starts; another driver's ride is
 * reported as missing. Before reaching the pickup (the ride is NEW), for a
 * reason another driver can make good (reallocatesOnDriverCancel: accepted
 * by mistake, technical), the booking is offered to other drivers near the
 * pickup (see reallocate) and stays CONFIRMED. Once at the pickup (ARRIVED),
 * for any other reason (no drivers, rider absent or unreachable) or with
 * nobody near, the booking is cancelled with the ride (BY_DRIVER, the
 * driver's reason, no fee for the rider), the driver is free again, and the
 * BAP gets an unsolicited on_cancel. Either way the change and its push
 * share one transaction.
 */
export async function cancelRideByDriver(
  deps: DriverCancelDeps,
  input: { rideId: string; driverId: string; reasonCode: string },
): Promise<DriverCancelledRide> {
  const cancelled = await deps.sequelize.transaction(async (transaction) => {
    const order = await lockOrderOfDriver(deps.sequelize, transaction, input.rideId, input.driverId);
    if (!order) throw new AppError('NOT_FOUND', `ride ${input.rideId} not found`);
    const state = cancellableState(order.rideStatus);
    if (!state || order.bookingStatus !== 'CONFIRMED') {
      throw new AppError('CONFLICT', `the ride is ${order.rideStatus}; only a ride not yet started can be cancelled`);
    }
    const result = { rideId: order.rideId, bookingId: order.bookingId };
    if (order.rideStatus === 'NEW' && reallocatesOnDriverCancel(input.reasonCode)) {
      const messageId = await reallocate(deps, transaction, order, input.reasonCode);
      if (messageId !== null) return { ...result, messageId, reallocating: true };
    }
    const fulfillmentState = state === 'RIDE_ARRIVED_PICKUP' ? 'RIDE_ARRIVED_PICKUP' : 'RIDE_ASSIGNED';
    const messageId = await cancelOrderByDriver(deps, transaction, order, { reasonCode: input.reasonCode, fulfillmentState });
    return { ...result, messageId, reallocating: false };
  });
  deps.logger?.debug(cancelled, 'ride cancelled by the driver');
  return cancelled;
}

/** The confirmed booking an allocation belongs to, with its BAP. */
async function bookingOfAllocation(sequelize: Sequelize, transaction: Transaction, allocationId: string): Promise<{ id: string; bapId: string; status: string } | null> {
  const [row] = await sequelize.query<{ id: string; bap_id: string; status: string }>(
    `SELECT id, bap_id, status FROM ${BPP_SCHEMA}.booking WHERE allocation_id = $1`,
    { type: QueryTypes.SELECT, bind: [allocationId], transaction },
  );
  return row ? { id: row.id, bapId: row.bap_id, status: row.status } : null;
}

/**
 * A re-allocation round that ends with nobody accepting cancels the booking
 * as the driver who left would have: BY_DRIVER, their reason, no fee, an
 * unsolicited on_cancel. The allocation batch job (and a decline that ends
 * the round) calls it in the transaction that failed the allocation.
 */
export function reallocationEnd(deps: OrderPushDeps): ReallocationEnd {
  return {
    failed: async (transaction: Transaction, allocation: LockedAllocation) => {
      const booking = await bookingOfAllocation(deps.sequelize, transaction, allocation.id);
      const order = booking ? await lockOrderOfBap(deps.sequelize, transaction, booking.id, booking.bapId) : null;
      // Cancelled meanwhile (by the rider): that cancellation stands.
      if (!order || order.bookingStatus !== 'CONFIRMED') return;
      const messageId = await cancelOrderByDriver(
        deps,
        transaction,
        order,
        { reasonCode: allocation.reallocationReasonCode ?? '000', fulfillmentState: 'RIDE_ASSIGNED' },
        // Nobody took the booking: the system cancels it (the driver's own cancel was recorded with their ride).
        'SYSTEM',
      );
      deps.logger?.info({ bookingId: order.bookingId, allocationId: allocation.id, messageId }, 'no other driver took the booking; cancelled for the driver');
    },
  };
}

/**
 * The driver who accepted a re-allocation round's offer takes the booking
 * over, in the accept's transaction (the allocation ASSIGNED to them, they
 * ON_RIDE): a new NEW ride of the booking with a new OTP (a drop the rider
 * changed carries over), and an unsolicited on_status RIDE_ASSIGNED with the
 * new driver, vehicle and OTP under the same order id.
 */
export async function assignNewDriver(
  deps: OrderPushDeps,
  transaction: Transaction,
  input: { allocationId: string; driverId: string },
): Promise<{ rideId: string; messageId: string }> {
  const { sequelize } = deps;
  const booking = await bookingOfAllocation(sequelize, transaction, input.allocationId);
  // The booking cancelled fails the allocation in the same transaction, so a SEARCHING round always has a confirmed booking.
  if (booking?.status !== 'CONFIRMED') throw new Error(`allocation ${input.allocationId} re-allocates no confirmed booking`);
  const [previous] = await sequelize.query<{ id: string }>(
    `SELECT id FROM ${BPP_SCHEMA}.ride WHERE booking_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`,
    { type: QueryTypes.SELECT, bind: [booking.id], transaction },
  );
  const rideId = randomUUID();
  const run = (sql: string, bind: unknown[]) => sequelize.query(sql, { bind, transaction });
  await run(`INSERT INTO ${BPP_SCHEMA}.ride (id, booking_id, driver_id, otp, status) VALUES ($1, $2, $3, $4, 'NEW')`, [rideId, booking.id, input.driverId, newOtp()]);
  if (previous) {
    await run(
      `INSERT INTO ${BPP_SCHEMA}.ride_drop_update (ride_id, to_lat, to_lon, distance_meters, duration_seconds, currency, value, minimum_value, maximum_value, fare_lines)
       SELECT $1, to_lat, to_lon, distance_meters, duration_seconds, currency, value, minimum_value, maximum_value, fare_lines
         FROM ${BPP_SCHEMA}.ride_drop_update WHERE ride_id = $2`,
      [rideId, previous.id],
    );
  }
  await run(`UPDATE ${BPP_SCHEMA}.booking SET updated_at = now() WHERE id = $1`, [booking.id]);
  await recordDriverAssigned(sequelize, transaction, { bookingId: booking.id, rideId, driverId: input.driverId });
  const order = await lockOrderOfBap(sequelize, transaction, booking.id, booking.bapId);
  if (order?.rideId !== rideId) throw new Error(`booking ${booking.id} does not show its new ride ${rideId}`);
  const { confirmed } = await loadConfirmedOrder(deps, transaction, order);
  const { messageId } = await deps.sender.sendCallback(
    { action: 'on_status', context: orderContext(order, 'on_status'), reply: { message: { order: confirmed } }, unsolicited: true },
    transaction,
  );
  deps.logger?.debug({ bookingId: booking.id, rideId, driverId: input.driverId, messageId }, 'booking taken over by another driver');
  return { rideId, messageId };
}
