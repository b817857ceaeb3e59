import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { formatMoney, parseMoney, type FulfillmentState, type Money } from '../domain/index.js';
import { BPP_SCHEMA } from '../models/index.js';
import type { AllocationStatus } from '../allocation/index.js';
import { currentRideIdSql, type BookingStatus } from './booking-store.js';
import { rideWithOrderSql, type RideStatus } from './ride-lifecycle.js';
import { bookingPlace, eventMoney, recordBppEvent } from '../business-events.js';
import type { EventPayloads } from '../../events/index.js';

/** Who cancelled, as ride.cancelled says it. */
export type CancelledBy = EventPayloads['ride.cancelled']['cancelled_by'];

/** The rider's and driver's cancels are theirs; the provider's own (an undeliverable on_confirm) is the system's. */
const cancelledByOf: Record<CancellationSource, CancelledBy> = { BY_RIDER: 'RIDER', BY_DRIVER: 'DRIVER', BY_PROVIDER: 'SYSTEM' };

export type CancellationSource = 'BY_RIDER' | 'BY_DRIVER' | 'BY_PROVIDER';

/** A confirmed order (booking and ride, the ride row locked) with what a callback about it needs. */
export interface LockedOrder {
  bookingId: string;
  bookingStatus: BookingStatus;
  allocationId: string;
  /** SEARCHING while a confirmed booking whose driver cancelled looks for another; not ASSIGNED once it did so and failed. */
  allocationStatus: AllocationStatus;
  estimateId: string;
  transactionId: string;
  bapId: string;
  bapUri: string;
  domain: string;
  cityCode: string;
  rideId: string;
  rideStatus: RideStatus;
  /** The driver set off to the pickup (a NEW ride in RIDE_ENROUTE_PICKUP). */
  enroute: boolean;
  driverId: string;
  otp: string;
}

interface LockedOrderRow {
  booking_id: string;
  booking_status: BookingStatus;
  allocation_id: string;
  allocation_status: AllocationStatus;
  estimate_id: string;
  transaction_id: string;
  bap_id: string;
  bap_uri: string;
  domain: string;
  city_code: string;
  ride_id: string;
  ride_status: RideStatus;
  enroute: boolean;
  driver_id: string;
  otp: string;
}

/**
 * The ride is locked first, as the driver's moves lock it, so a cancel and a
 * move never wait on each other crosswise; the allocation with it, as a
 * driver's accept (which may give the booking a new ride) locks it first.
 */
const lockOrderSql = (where: string) => `
  SELECT b.id AS booking_id, b.status AS booking_status, b.allocation_id, a.status AS allocation_status, a.estimate_id, b.transaction_id, b.bap_id, b.bap_uri,
         s.domain, c.city_code, r.id AS ride_id, r.status AS ride_status, r.enroute_at IS NOT NULL AS enroute, r.driver_id, r.otp${rideWithOrderSql}
   WHERE ${where}
     FOR UPDATE OF r, a`;

const toLockedOrder = (row: LockedOrderRow): LockedOrder => ({
  bookingId: row.booking_id,
  bookingStatus: row.booking_status,
  allocationId: row.allocation_id,
  allocationStatus: row.allocation_status,
  estimateId: row.estimate_id,
  transactionId: row.transaction_id,
  bapId: row.bap_id,
  bapUri: row.bap_uri,
  domain: row.domain,
  cityCode: row.city_code,
  rideId: row.ride_id,
  rideStatus: row.ride_status,
  enroute: row.enroute,
  driverId: row.driver_id,
  otp: row.otp,
});

async function lockOrder(sequelize: Sequelize, transaction: Transaction, where: string, bind: string[]): Promise<LockedOrder | null> {
  const [row] = await sequelize.query<LockedOrderRow>(lockOrderSql(where), { type: QueryTypes.SELECT, bind, transaction });
  return row ? toLockedOrder(row) : null;
}

/** The BAP's confirmed order `bookingId` with its current ride; another BAP's order is reported as missing. */
export function lockOrderOfBap(sequelize: Sequelize, transaction: Transaction, bookingId: string, bapId: string): Promise<LockedOrder | null> {
  return lockOrder(sequelize, transaction, `b.id = $1 AND b.bap_id = $2 AND r.id = ${currentRideIdSql('b')}`, [bookingId, bapId]);
}

/** The order of the driver's ride `rideId`; another driver's ride is reported as missing. */
export function lockOrderOfDriver(sequelize: Sequelize, transaction: Transaction, rideId: string, driverId: string): Promise<LockedOrder | null> {
  return lockOrder(sequelize, transaction, 'r.id = $1 AND r.driver_id = $2', [rideId, driverId]);
}

export interface Cancellation {
  source: CancellationSource;
  reasonCode: string;
  fee: Money;
  /** The state the ride was cancelled in, which priced the fee. */
  fulfillmentState: FulfillmentState;
  createdAt: Date;
}

export async function findCancellation(sequelize: Sequelize, transaction: Transaction, bookingId: string): Promise<Cancellation | null> {
  const [row] = await sequelize.query<{ source: CancellationSource; reason_code: string; fee: string; currency: string; fulfillment_state: FulfillmentState; created_at: Date }>(
    `SELECT source, reason_code, fee::text, currency, fulfillment_state, created_at FROM ${BPP_SCHEMA}.booking_cancellation WHERE booking_id = $1`,
    { type: QueryTypes.SELECT, bind: [bookingId], transaction },
  );
  if (!row) return null;
  const fee = parseMoney(row.fee, row.currency);
  return { source: row.source, reasonCode: row.reason_code, fee, fulfillmentState: row.fulfillment_state, createdAt: row.created_at };
}

/**
 * Cancels the order: booking and ride CANCELLED, the driver free again
 * (ONLINE), and the cancellation recorded with the fee charged to the rider.
 * An order looking for a new driver (its ride cancelled by the driver who
 * left, who may be on another ride by now) stops looking: the allocation
 * FAILS and its open offers expire; that ride and driver are left as they are.
 */
export async function recordCancellation(
  sequelize: Sequelize,
  transaction: Transaction,
  order: LockedOrder,
  cancellation: Omit<Cancellation, 'createdAt'>,
  /** Who ride.cancelled names; by default the one the source says (BY_PROVIDER is SYSTEM). */
  cancelledBy: CancelledBy = cancelledByOf[cancellation.source],
): Promise<Cancellation> {
  const run = (sql: string, bind: unknown[]) => sequelize.query(sql, { bind, transaction });
  await run(`UPDATE ${BPP_SCHEMA}.booking SET status = 'CANCELLED', updated_at = now() WHERE id = $1`, [order.bookingId]);
  if (order.rideStatus !== 'CANCELLED') {
    await run(`UPDATE ${BPP_SCHEMA}.ride SET status = 'CANCELLED', updated_at = now() WHERE id = $1`, [order.rideId]);
    await run(`UPDATE ${BPP_SCHEMA}.driver SET status = 'ONLINE', updated_at = now() WHERE id = $1 AND status = 'ON_RIDE'`, [order.driverId]);
  }
  if (order.allocationStatus === 'SEARCHING') {
    await run(`UPDATE ${BPP_SCHEMA}.allocation SET status = 'FAILED', updated_at = now() WHERE id = $1`, [order.allocationId]);
    await run(`UPDATE ${BPP_SCHEMA}.ride_offer SET status = 'EXPIRED', updated_at = now() WHERE allocation_id = $1 AND status = 'OFFERED'`, [order.allocationId]);
  }
  const [row] = await sequelize.query<{ created_at: Date }>(
    `INSERT INTO ${BPP_SCHEMA}.booking_cancellation (booking_id, source, reason_code, fee, currency, fulfillment_state)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING created_at`,
    {
      type: QueryTypes.SELECT,
      bind: [order.bookingId, cancellation.source, cancellation.reasonCode, formatMoney(cancellation.fee), cancellation.fee.currency, cancellation.fulfillmentState],
      transaction,
    },
  );
  if (!row) throw new Error(`cancellation of booking ${order.bookingId} returned no row`);
  // booking_cancellation's key (the booking) makes this the one place a booking's cancellation is recorded.
  await recordBppEvent(sequelize, transaction, 'ride.cancelled', await bookingPlace(sequelize, transaction, order.bookingId), order.bookingId, {
    booking_id: order.bookingId,
    // A ride a driver cancelled already (the booking was looking for another driver) is not cancelled again.
    ride_id: order.rideStatus !== 'CANCELLED' ? order.rideId : null,
    cancelled_by: cancelledBy,
    reason_code: cancellation.reasonCode,
    fee: eventMoney(cancellation.fee),
  });
  return { ...cancellation, createdAt: row.created_at };
}
