import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { findEstimate, findOfferedDriver } from '../allocation/allocation-data.js';
import { assignedDriverParts, buildSelectQuote } from '../allocation/select-quote.js';
import type { AllocationStatus } from '../allocation/index.js';
import { buildCancelledOrder, buildConfirmOrder, buildInitOrder, buildRideOrder, buildUnassignedOrder } from '../booking/booking-order.js';
import { currentRideIdSql, findAssignedDriver, lockAllocationOf, lockBookingOf, type BookingStatus } from '../booking/booking-store.js';
import type { RideStatus } from '../booking/ride-lifecycle.js';
import { parseMoney, type FareBreakup, type FareLineCode } from '../domain/index.js';
import { BPP_SCHEMA } from '../models/index.js';
import { findDropUpdate, withDropUpdate } from './drop-store.js';
import { isUuid } from '../../infra/validation/index.js';

/** A confirmed order (a booking with its current ride) as the after-confirmation handlers see it. */
export interface ConfirmedOrder {
  bookingId: string;
  bookingStatus: BookingStatus;
  allocationId: string;
  /** SEARCHING while the booking looks for a new driver after its driver cancelled (the ride is that driver's, CANCELLED). */
  allocationStatus: AllocationStatus;
  estimateId: string;
  bapId: string;
  merchantId: string;
  ride: {
    id: string;
    status: RideStatus;
    otp: string;
    driverId: string;
    startedAt: Date | null;
    /** When the driver set off to the pickup (RIDE_ENROUTE_PICKUP while NEW). */
    enrouteAt: Date | null;
    updatedAt: Date;
  };
}

interface OrderRow {
  booking_id: string;
  booking_status: BookingStatus;
  allocation_id: string;
  allocation_status: AllocationStatus;
  estimate_id: string;
  bap_id: string;
  merchant_id: string;
  ride_id: string;
  ride_status: RideStatus;
  otp: string;
  driver_id: string;
  started_at: Date | null;
  enroute_at: Date | null;
  ride_updated_at: Date;
}


const orderSql = (where: string, lock: boolean) => `
  SELECT b.id AS booking_id, b.status AS booking_status, b.allocation_id, a.status AS allocation_status, a.estimate_id, b.bap_id, s.merchant_id,
         r.id AS ride_id, r.status AS ride_status, r.otp, r.driver_id, r.started_at, r.enroute_at, r.updated_at AS ride_updated_at
    FROM ${BPP_SCHEMA}.booking b
    JOIN ${BPP_SCHEMA}.ride r ON r.id = ${currentRideIdSql('b')}
    JOIN ${BPP_SCHEMA}.allocation a ON a.id = b.allocation_id
    JOIN ${BPP_SCHEMA}.estimate e ON e.id = a.estimate_id
    JOIN ${BPP_SCHEMA}.search_request s ON s.id = e.search_request_id
   WHERE ${where} AND b.bap_id = $2
   ${lock ? 'FOR UPDATE OF r' : ''}`;

/**
 * The confirmed order named by `ref`: the order id (the booking id) or, when
 * `fulfillments` is set, the order's fulfillment id as on_confirm sent it.
 * Another BAP's order, or a booking never confirmed, is not found. `lock`
 * takes the ride's row lock, as the driver's moves do, so a change made
 * here and a move are serialised.
 */
export async function findConfirmedOrder(
  sequelize: Sequelize,
  transaction: Transaction,
  input: { ref: string; bapId: string; lock?: boolean; fulfillments?: boolean },
): Promise<ConfirmedOrder | null> {
  const fulfillmentEstimate = input.fulfillments && input.ref.startsWith('F-') ? input.ref.slice(2) : null;
  const id = isUuid(input.ref) ? input.ref : fulfillmentEstimate && isUuid(fulfillmentEstimate) ? fulfillmentEstimate : null;
  if (id === null) return null;
  const where = id === input.ref ? 'b.id = $1' : 'a.estimate_id = $1';
  const [row] = await sequelize.query<OrderRow>(orderSql(where, input.lock ?? false), { type: QueryTypes.SELECT, bind: [id, input.bapId], transaction });
  if (!row) return null;
  return {
    bookingId: row.booking_id,
    bookingStatus: row.booking_status,
    allocationId: row.allocation_id,
    allocationStatus: row.allocation_status,
    estimateId: row.estimate_id,
    bapId: row.bap_id,
    merchantId: row.merchant_id,
    ride: {
      id: row.ride_id,
      status: row.ride_status,
      otp: row.otp,
      driverId: row.driver_id,
      startedAt: row.started_at,
      enrouteAt: row.enroute_at,
      updatedAt: row.ride_updated_at,
    },
  };
}

/** A confirmed booking whose driver cancelled, looking for another driver: its ride is CANCELLED, the booking is not. */
export function isReallocating(order: ConfirmedOrder): boolean {
  return order.bookingStatus === 'CONFIRMED' && order.allocationStatus === 'SEARCHING';
}

/** A cancelled booking or ride counts as cancelled whichever side recorded it first, except a ride another driver is sought for. */
export function isCancelled(order: ConfirmedOrder): boolean {
  return order.bookingStatus === 'CANCELLED' || (order.ride.status === 'CANCELLED' && !isReallocating(order));
}

/** The final fare of an ended ride, as stored line by line when it ended. */
async function storedFinalFare(sequelize: Sequelize, transaction: Transaction, rideId: string): Promise<FareBreakup> {
  const rows = await sequelize.query<{ code: FareLineCode; title: string; amount: string; currency: string }>(
    `SELECT code, title, trim_scale(amount)::text AS amount, currency FROM ${BPP_SCHEMA}.ride_fare_line WHERE ride_id = $1 ORDER BY position`,
    { type: QueryTypes.SELECT, bind: [rideId], transaction },
  );
  const lines = rows.map((row) => ({ code: row.code, title: row.title, price: parseMoney(row.amount, row.currency.trim()) }));
  const total = lines.find((line) => line.code === 'TOTAL');
  if (!total) throw new Error(`ride ${rideId} ended without a stored final fare`);
  return { lines, total: total.price };
}

/**
 * The order as it stands, in the shape the lifecycle pushes use: RIDE_CONFIRMED
 * without a driver while another is looked for, RIDE_ASSIGNED (as confirmed), RIDE_ARRIVED_PICKUP, RIDE_STARTED, RIDE_ENDED with the final
 * fare, or RIDE_CANCELLED. A drop changed by an update shows the new END stop
 * and, until the ride ends, the recomputed quote.
 */
export async function buildCurrentOrder(
  deps: { sequelize: Sequelize; quoteTtlSeconds: number },
  transaction: Transaction,
  order: ConfirmedOrder,
): Promise<Record<string, unknown>> {
  const { sequelize } = deps;
  const estimate = await findEstimate(sequelize, transaction, order.estimateId, order.bapId);
  const booking = await lockBookingOf(sequelize, transaction, order.allocationId);
  const driver = await findAssignedDriver(sequelize, transaction, order.ride.driverId);
  if (!estimate || !booking || !driver) throw new Error(`order ${order.bookingId} lost its estimate, booking or driver`);
  const drop = await findDropUpdate(sequelize, transaction, order.ride.id);
  const confirmed = buildConfirmOrder(withDropUpdate(estimate, drop), booking, driver, order.ride.otp, deps.quoteTtlSeconds);
  const at = order.ride.updatedAt > booking.updatedAt ? order.ride.updatedAt : booking.updatedAt;
  if (isReallocating(order)) return buildUnassignedOrder(confirmed);
  if (isCancelled(order)) return buildCancelledOrder(confirmed, at);
  switch (order.ride.status) {
    case 'NEW':
      return order.ride.enrouteAt ? buildRideOrder(confirmed, 'RIDE_ENROUTE_PICKUP', null, at) : confirmed;
    case 'ARRIVED':
      return buildRideOrder(confirmed, 'RIDE_ARRIVED_PICKUP', null, at);
    case 'INPROGRESS':
      return buildRideOrder(confirmed, 'RIDE_STARTED', null, at);
    case 'COMPLETED':
      return buildRideOrder(confirmed, 'RIDE_ENDED', await storedFinalFare(sequelize, transaction, order.ride.id), at);
    default:
      throw new Error(`ride ${order.ride.id} has an unknown status ${String(order.ride.status)}`);
  }
}

/**
 * The draft order of a transaction not confirmed yet (ONDC:TRV10 lets a
 * status name it by the transaction id: "pre-order this will be transaction
 * ID"): the latest selected estimate of this BAP in the transaction, with
 * its allocation and the booking an init created. A transaction whose
 * booking is confirmed yields that booking's id instead (`confirmedId`).
 */
export async function findDraftOrder(
  sequelize: Sequelize,
  transaction: Transaction,
  input: { transactionId: string; bapId: string },
): Promise<{ confirmedId: string } | { estimateId: string; allocationStatus: AllocationStatus; driverId: string | null; bookingStatus: BookingStatus | null } | null> {
  const [row] = await sequelize.query<{ estimate_id: string; allocation_status: AllocationStatus; driver_id: string | null; booking_id: string | null; booking_status: BookingStatus | null }>(
    `SELECT e.id AS estimate_id, a.status AS allocation_status, a.driver_id, b.id AS booking_id, b.status AS booking_status
       FROM ${BPP_SCHEMA}.search_request s
       JOIN ${BPP_SCHEMA}.estimate e ON e.search_request_id = s.id
       JOIN ${BPP_SCHEMA}.allocation a ON a.estimate_id = e.id
       LEFT JOIN ${BPP_SCHEMA}.booking b ON b.allocation_id = a.id
      WHERE s.transaction_id = $1 AND s.bap_id = $2
      ORDER BY (b.status IS NOT NULL AND b.status <> 'NEW') DESC, a.created_at DESC, a.id DESC LIMIT 1`,
    { type: QueryTypes.SELECT, bind: [input.transactionId, input.bapId], transaction },
  );
  if (!row) return null;
  if (row.booking_id && row.booking_status && row.booking_status !== 'NEW') return { confirmedId: row.booking_id };
  return { estimateId: row.estimate_id, allocationStatus: row.allocation_status, driverId: row.driver_id, bookingStatus: row.booking_status };
}

/**
 * The draft as it stands. Once init made one: the on_init order (quote,
 * payment and cancellation terms, the rider) whose fulfillment names the
 * driver who accepted (init needs one) in RIDE_ASSIGNED, without an order id
 * or order status, which confirm gives it. Before init: the selected quote
 * as on_select sends it, naming the driver in RIDE_ASSIGNED once one
 * accepted, or without a driver and a fulfillment state while one is still
 * sought, with the payment on_search offered for the item. A selection whose search for a driver failed has no draft: null.
 */
export async function buildDraftOrder(
  deps: { sequelize: Sequelize; quoteTtlSeconds: number },
  transaction: Transaction,
  draft: { estimateId: string; allocationStatus: AllocationStatus; driverId: string | null; bookingStatus: BookingStatus | null },
  bapId: string,
): Promise<Record<string, unknown> | null> {
  const estimate = await findEstimate(deps.sequelize, transaction, draft.estimateId, bapId);
  if (!estimate || draft.allocationStatus === 'FAILED') return null;
  const allocation = await lockAllocationOf(deps.sequelize, transaction, estimate.id);
  const booking = allocation ? await lockBookingOf(deps.sequelize, transaction, allocation.id) : null;
  const driver = draft.allocationStatus === 'ASSIGNED' && draft.driverId ? await findOfferedDriver(deps.sequelize, transaction, draft.driverId) : null;
  const assigned = { state: { descriptor: { code: 'RIDE_ASSIGNED' } } };
  if (!booking) {
    const { order } = buildSelectQuote(estimate, deps.quoteTtlSeconds, driver ?? undefined) as { order: { fulfillments: Record<string, unknown>[] } };
    // The payment on_search offered with the item (an estimate stored before it was kept: who collects, as on_search defaults),
    // not paid, and paid on fulfillment unless the search asked for another type; init agrees the payment.
    const offered = estimate.itemPayment ?? { id: `PA-${estimate.id}`, collected_by: 'BPP' };
    const payments = [{ type: 'ON-FULFILLMENT', ...offered, status: 'NOT-PAID' }];
    const fulfillments = driver ? order.fulfillments.map((fulfillment) => ({ ...fulfillment, ...assigned })) : order.fulfillments;
    return { order: { ...order, fulfillments, payments } };
  }
  if (!driver) return null;
  const { order } = buildInitOrder(estimate, booking, deps.quoteTtlSeconds) as { order: { fulfillments: Record<string, unknown>[] } };
  return {
    order: {
      ...order,
      fulfillments: order.fulfillments.map((fulfillment) => ({ ...fulfillment, ...assignedDriverParts(driver), ...assigned })),
    },
  };
}
