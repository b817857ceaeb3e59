import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { DriverLocationStore } from '../../infra/geo/index.js';
import { AppError } from '../../infra/http/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { MessageSender } from '../../protocol/index.js';
import { findEstimate, type SelectedEstimate } from '../allocation/allocation-data.js';
import { findDropUpdate, withDropUpdate } from '../aftercare/drop-store.js';
import { compare, finalFare, formatMoney, parseMoney, subtract, traveledDistance, type FareBreakup, type FarePolicy } from '../domain/index.js';
import { BPP_SCHEMA } from '../models/index.js';
import { buildConfirmOrder, buildRideOrder, type RideMoveState } from './booking-order.js';
import { findAssignedDriver, findEstimatePolicy, lockBookingOf } from './booking-store.js';
import { collectsAtRideEnd, recordRideEndPayment } from './ride-payment.js';
import { allocationPlace, eventMoney, recordBppEvent } from '../business-events.js';

export type RideMove = 'enroute' | 'arrived' | 'start' | 'end';
export type RideStatus = 'NEW' | 'ARRIVED' | 'INPROGRESS' | 'COMPLETED' | 'CANCELLED';

export interface RideLifecycleDeps {
  sequelize: Sequelize;
  sender: MessageSender;
  driverLocations: DriverLocationStore;
  /** How long the quote in the pushed order stays valid. */
  quoteTtlSeconds: number;
  /** Time zone the fare policy's night-shift clock times are read in. */
  nightShiftTimeZone: string;
  now: () => number;
  logger?: Logger;
}

export interface MovedRide {
  rideId: string;
  status: RideStatus;
  state: RideMoveState;
  messageId: string;
  finalFare: FareBreakup | null;
  traveledDistanceMeters: number | null;
}

/** Setting off to the pickup leaves the ride NEW (it only stamps enroute_at), so every NEW-ride rule (cancel, reallocation) holds en route too. */
const moves: Record<RideMove, { from: RideStatus; to: RideStatus; state: RideMoveState; stamp: string }> = {
  enroute: { from: 'NEW', to: 'NEW', state: 'RIDE_ENROUTE_PICKUP', stamp: 'enroute_at' },
  arrived: { from: 'NEW', to: 'ARRIVED', state: 'RIDE_ARRIVED_PICKUP', stamp: 'arrived_at' },
  start: { from: 'ARRIVED', to: 'INPROGRESS', state: 'RIDE_STARTED', stamp: 'started_at' },
  end: { from: 'INPROGRESS', to: 'COMPLETED', state: 'RIDE_ENDED', stamp: 'ended_at' },
};

interface LockedRide {
  id: string;
  status: RideStatus;
  otp: string;
  driver_id: string;
  enroute_at: Date | null;
  arrived_at: Date | null;
  started_at: Date | null;
  allocation_id: string;
  estimate_id: string;
  transaction_id: string;
  bap_id: string;
  bap_uri: string;
  domain: string;
  city_code: string;
  merchant_id: string;
}

/**
 * A ride (r) with its booking (b), allocation (a), estimate (e), search (s)
 * and operating city (c): what a callback about the ride needs to address it.
 */
export const rideWithOrderSql = `
    FROM ${BPP_SCHEMA}.ride r
    JOIN ${BPP_SCHEMA}.booking b ON b.id = r.booking_id
    JOIN ${BPP_SCHEMA}.allocation a ON a.id = b.allocation_id
    JOIN ${BPP_SCHEMA}.estimate e ON e.id = a.estimate_id
    JOIN ${BPP_SCHEMA}.search_request s ON s.id = e.search_request_id
    JOIN ${BPP_SCHEMA}.merchant_operating_city c ON c.id = s.merchant_operating_city_id`;

/** Another driver's ride is reported as missing, so ride ids reveal nothing. */
const lockRideSql = `
  SELECT r.id, r.status, r.otp, r.driver_id, r.enroute_at, r.arrived_at, r.started_at, b.allocation_id, a.estimate_id,
         b.transaction_id, b.bap_id, b.bap_uri, s.domain, c.city_code, s.merchant_id${rideWithOrderSql}
   WHERE r.id = $1 AND r.driver_id = $2
     FOR UPDATE OF r`;

async function loadPolicy(deps: RideLifecycleDeps, transaction: Transaction, estimate: SelectedEstimate): Promise<FarePolicy> {
  const policy = await findEstimatePolicy(deps.sequelize, transaction, estimate, deps.nightShiftTimeZone);
  if (!policy) throw new Error(`no fare policy for estimate ${estimate.id}`);
  return policy;
}

/**
 * The final fare: distance from the ride's waypoints, duration from start to
 * end, waiting from arrival to start. A special location's pickup charge was
 * priced into the estimate above the policy's; that extra is kept.
 */
async function computeFinalFare(
  deps: RideLifecycleDeps,
  transaction: Transaction,
  ride: LockedRide,
  estimate: SelectedEstimate,
  endedAt: Date,
): Promise<{ fare: FareBreakup; distanceMeters: number }> {
  const policy = await loadPolicy(deps, transaction, estimate);
  const distanceMeters = Math.round(traveledDistance(await deps.driverLocations.waypoints(ride.id)));
  const startedAt = ride.started_at ?? endedAt;
  const estimatedPickup = estimate.lines.find((line) => line.code === 'PICKUP_CHARGE');
  const extra = estimatedPickup ? subtract(parseMoney(estimatedPickup.amount, policy.currency), parseMoney(policy.pickupCharge, policy.currency)) : null;
  const fare = finalFare(policy, {
    distanceMeters,
    durationSeconds: Math.max(0, (endedAt.getTime() - startedAt.getTime()) / 1000),
    waitingSeconds: Math.max(0, (startedAt.getTime() - (ride.arrived_at ?? startedAt).getTime()) / 1000),
    startedAt,
    ...(extra && compare(extra, parseMoney('0', policy.currency)) > 0 ? { pickupChargeExtra: extra } : {}),
  });
  return { fare, distanceMeters };
}

async function storeEnd(deps: RideLifecycleDeps, transaction: Transaction, ride: LockedRide, fare: FareBreakup, distanceMeters: number): Promise<void> {
  const { sequelize } = deps;
  await sequelize.query(`UPDATE ${BPP_SCHEMA}.ride SET traveled_distance_meters = $2, final_fare = $3 WHERE id = $1`, {
    bind: [ride.id, distanceMeters, formatMoney(fare.total)],
    transaction,
  });
  for (const [position, line] of fare.lines.entries()) {
    await sequelize.query(
      `INSERT INTO ${BPP_SCHEMA}.ride_fare_line (ride_id, position, code, title, amount, currency) VALUES ($1, $2, $3, $4, $5, $6)`,
      { bind: [ride.id, position, line.code, line.title, formatMoney(line.price), line.price.currency], transaction },
    );
  }
  await sequelize.query(`UPDATE ${BPP_SCHEMA}.driver SET status = 'ONLINE', updated_at = now() WHERE id = $1 AND status = 'ON_RIDE'`, {
    bind: [ride.driver_id],
    transaction,
  });
}

/**
 * Moves the driver's ride one step (on the way to the pickup, arrived, start
 * with the OTP, end) and
 * queues the unsolicited on_status to the BAP in the same database
 * transaction: the move and its message commit together or not at all.
 */
export async function moveRide(
  deps: RideLifecycleDeps,
  input: { rideId: string; driverId: string; move: RideMove; otp?: string },
): Promise<MovedRide> {
  const step = moves[input.move];
  const moved = await deps.sequelize.transaction(async (transaction) => {
    const [ride] = await deps.sequelize.query<LockedRide>(lockRideSql, { type: QueryTypes.SELECT, bind: [input.rideId, input.driverId], transaction });
    if (!ride) throw new AppError('NOT_FOUND', `ride ${input.rideId} not found`);
    if (ride.status !== step.from) throw new AppError('CONFLICT', `the ride is ${ride.status}; ${input.move} needs a ${step.from} ride`);
    if (input.move === 'enroute' && ride.enroute_at !== null) throw new AppError('CONFLICT', 'the driver is on the way to the pickup already');
    if (input.move === 'start' && input.otp !== ride.otp) throw new AppError('FORBIDDEN', 'the OTP does not match the ride');

    const at = new Date(deps.now());
    const estimate = await findEstimate(deps.sequelize, transaction, ride.estimate_id, ride.bap_id);
    let booking = await lockBookingOf(deps.sequelize, transaction, ride.allocation_id);
    const driver = await findAssignedDriver(deps.sequelize, transaction, ride.driver_id);
    if (!estimate || !booking || !driver) throw new Error(`ride ${ride.id} lost its estimate, booking or driver`);

    await deps.sequelize.query(`UPDATE ${BPP_SCHEMA}.ride SET status = $2, ${step.stamp} = $3, updated_at = now() WHERE id = $1`, {
      bind: [ride.id, step.to, at],
      transaction,
    });
    const place = input.move === 'arrived' ? null : await allocationPlace(deps.sequelize, transaction, ride.allocation_id);
    const eventIds = { booking_id: booking.id, ride_id: ride.id, driver_id: ride.driver_id };
    if (place && input.move === 'start') await recordBppEvent(deps.sequelize, transaction, 'ride.started', place, ride.id, eventIds, at);
    let ended: { fare: FareBreakup; distanceMeters: number } | null = null;
    if (input.move === 'end') {
      ended = await computeFinalFare(deps, transaction, ride, estimate, at);
      await storeEnd(deps, transaction, ride, ended.fare, ended.distanceMeters);
      if (place) {
        const durationS = Math.max(0, Math.round((at.getTime() - (ride.started_at ?? at).getTime()) / 1000));
        await recordBppEvent(deps.sequelize, transaction, 'ride.ended', place, ride.id, { ...eventIds, distance_m: ended.distanceMeters, duration_s: durationS, fare: eventMoney(ended.fare.total) }, at);
      }
      // The fare the provider collects at the end is recorded as paid with the end, and the order below carries it.
      if (collectsAtRideEnd(booking)) booking = await recordRideEndPayment(deps.sequelize, transaction, { booking, merchantId: ride.merchant_id, fare: ended.fare.total });
    }

    // A drop changed by an update shows as the END stop and the estimated quote; the final fare above comes from the waypoints.
    const drop = await findDropUpdate(deps.sequelize, transaction, ride.id);
    const confirmed = buildConfirmOrder(withDropUpdate(estimate, drop), booking, driver, ride.otp, deps.quoteTtlSeconds);
    const { messageId } = await deps.sender.sendCallback(
      {
        action: 'on_status',
        context: {
          domain: ride.domain,
          action: 'on_status',
          // The provider side answers ONDC:TRV10 at 2.0.1 and the Beckn mobility domain at core 1.1.0 (PROFILE.md).
          version: ride.domain === 'ONDC:TRV10' ? '2.0.1' : '1.1.0',
          location: { city: { code: ride.city_code }, country: { code: 'IND' } },
          bap_id: ride.bap_id,
          bap_uri: ride.bap_uri,
          transaction_id: ride.transaction_id,
        },
        reply: { message: buildRideOrder(confirmed, step.state, ended?.fare ?? null, at) },
        unsolicited: true,
      },
      transaction,
    );
    return { rideId: ride.id, status: step.to, state: step.state, messageId, finalFare: ended?.fare ?? null, traveledDistanceMeters: ended?.distanceMeters ?? null };
  });
  deps.logger?.debug({ rideId: moved.rideId, state: moved.state, messageId: moved.messageId }, 'ride moved');
  return moved;
}

/** The driver's ride in progress, whose waypoints a location fix extends. */
export async function findRideInProgress(sequelize: Sequelize, driverId: string): Promise<string | null> {
  const [row] = await sequelize.query<{ id: string }>(`SELECT id FROM ${BPP_SCHEMA}.ride WHERE driver_id = $1 AND status = 'INPROGRESS'`, {
    type: QueryTypes.SELECT,
    bind: [driverId],
  });
  return row?.id ?? null;
}
