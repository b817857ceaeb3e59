import { parseGps } from '../../infra/geo/index.js';
import type { Sequelize, Transaction } from 'sequelize';
import type { CorrelationStore } from '../../infra/correlation/index.js';
import type { FieldCipher } from '../../infra/crypto/field-cipher.js';
import type { Logger } from '../../infra/logging/logger.js';
import { findSentRequest } from '../../protocol/correlation/index.js';
import { NackError } from '../../protocol/errors/index.js';
import type { AcceptedMessage, CallbackHandler } from '../../protocol/index.js';
import { BAP_SCHEMA, type BapDeps } from '../bap-deps.js';
import { recordApplied } from '../callback-record.js';
import { settlePaymentOfCancelledBooking } from '../payment/cancel-payment.js';
import { sealPhone } from './driver-phone.js';
import { keepReply } from './replies.js';
import {
  applyRideChange,
  DRIVER_WITHDRAWN,
  isDriverWithdrawal,
  lockRide,
  rideStateOf,
  updateRideDetails,
  type FinalFare,
  type ReportedRideState,
  type RideDetails,
  type RideState,
} from './ride-state.js';
import { findCallbackBooking, upsertCancellation, type RideBooking } from './ride-store.js';

export interface RideCallbackDeps {
  sequelize: Sequelize;
  /** Seals the driver's phone number before it is stored. */
  cipher: FieldCipher;
  correlation: CorrelationStore;
  logger: Logger;
}

interface Price {
  currency?: string;
  value?: string;
}
interface OrderMessage {
  id?: string;
  status?: string;
  quote?: { price?: Price; breakup?: { title?: string; price?: Price }[] };
  fulfillments?: {
    id?: string;
    state?: { descriptor?: { code?: string } };
    agent?: { person?: { name?: string }; contact?: { phone?: string } };
    vehicle?: { registration?: string; variant?: string };
    stops?: { type?: string; authorization?: { token?: string } }[];
  }[];
  cancellation?: { cancelled_by?: string; reason?: { descriptor?: { code?: string } } };
  updated_at?: string;
}

const decimal = /^-?[0-9]+(\.[0-9]+)?$/;

function orderOf(callback: AcceptedMessage): OrderMessage | null {
  const order = (callback.message as { order?: unknown } | null)?.order;
  return typeof order === 'object' && order !== null ? (order as OrderMessage) : null;
}

function errorOf(callback: AcceptedMessage): { code: string; message: string } | null {
  if (!callback.error) return null;
  const error = callback.error as { code?: unknown; message?: unknown };
  return { code: String(error.code ?? ''), message: typeof error.message === 'string' ? error.message : '' };
}

/** The booking a callback is about; a transaction or order this BAP never booked is NACKed (20008). */
async function bookingOf(deps: RideCallbackDeps, transaction: Transaction, callback: AcceptedMessage, orderId?: string | null): Promise<RideBooking> {
  const transactionId = callback.context.transaction_id ?? '';
  const bppId = callback.context.bpp_id ?? callback.sender ?? '';
  const booking = await findCallbackBooking(deps.sequelize, transaction, { transactionId, bppId, orderId: orderId ?? null });
  if (booking) return booking;
  if (orderId && (await findCallbackBooking(deps.sequelize, transaction, { transactionId, bppId }))) {
    throw new NackError('UNKNOWN_TRANSACTION', `order ${orderId} is not an order of this transaction`, '/message/order/id');
  }
  throw new NackError('UNKNOWN_TRANSACTION', `${callback.action} for a transaction in which this BAP booked nothing with ${bppId}`, '/context/transaction_id');
}

/** An error the BPP answered with: recorded, and handed to the rider request that asked. */
async function keepError(deps: RideCallbackDeps, transaction: Transaction, callback: AcceptedMessage, bookingId: string, error: { code: string; message: string }): Promise<void> {
  await recordApplied(deps.sequelize, transaction, callback, `error ${error.code}`);
  keepReply(deps, transaction, bookingId, callback.context.message_id, { action: callback.action, error });
}

/**
 * The booking and order an on_status, on_update or on_cancel carries; null
 * when the BPP answered with an error, which is kept as the reply.
 */
async function orderCallbackOf(deps: RideCallbackDeps, transaction: Transaction, callback: AcceptedMessage): Promise<{ booking: RideBooking; order: OrderMessage } | null> {
  const error = errorOf(callback);
  const order = orderOf(callback);
  const booking = await bookingOf(deps, transaction, callback, error ? null : (order?.id ?? null));
  if (error) {
    await keepError(deps, transaction, callback, booking.id, error);
    return null;
  }
  if (!order) throw new NackError('INVALID_RESPONSE', `${callback.action} carries no order`, '/message/order');
  return { booking, order };
}

/** The ride state an order reports: its fulfillment's state, or what the order status implies. */
function reportedState(order: OrderMessage): RideState | null {
  const code = order.fulfillments?.[0]?.state?.descriptor?.code;
  const fromFulfillment = rideStateOf(code);
  if (fromFulfillment) return fromFulfillment;
  const status = (order.status ?? '').toUpperCase();
  if (status === 'CANCELLED') return 'RIDE_CANCELLED';
  if (status === 'COMPLETED' || status === 'COMPLETE') return 'RIDE_ENDED';
  return null;
}

function detailsOf(cipher: FieldCipher, order: OrderMessage): RideDetails {
  const fulfillment = order.fulfillments?.[0];
  const start = fulfillment?.stops?.find((stop) => (stop.type ?? '').toUpperCase() === 'START');
  return {
    driverName: fulfillment?.agent?.person?.name ?? null,
    driverPhone: sealPhone(cipher, fulfillment?.agent?.contact?.phone),
    vehicleNumber: fulfillment?.vehicle?.registration ?? null,
    vehicleVariant: fulfillment?.vehicle?.variant ?? null,
    otp: start?.authorization?.token ?? null,
  };
}

/** The fare an ended ride's order quotes: what the rider pays, with its breakup. */
function finalFareOf(order: OrderMessage): FinalFare {
  const price = order.quote?.price;
  if (!price?.value || !decimal.test(price.value) || !price.currency) {
    throw new NackError('INVALID_RESPONSE', 'an ended ride must quote its final fare', '/message/order/quote/price');
  }
  return { value: price.value, currency: price.currency, breakup: order.quote?.breakup ?? [] };
}

function atOf(order: OrderMessage, callback: AcceptedMessage): Date {
  const stamp = order.updated_at ?? callback.context.timestamp;
  const at = stamp ? new Date(stamp) : callback.receivedAt;
  return Number.isNaN(at.getTime()) ? callback.receivedAt : at;
}

/**
 * on_status and on_update, answers to our status/update or pushed by the
 * BPP as the ride moves: the order's fulfillment state drives the ride's
 * state machine (an impossible move is NACKed with 20008 and changes
 * nothing), and the driver, vehicle and, at the end, the final fare are kept.
 */
export function createOrderUpdateHandler(deps: RideCallbackDeps): CallbackHandler {
  return async (callback, transaction) => {
    const answer = await orderCallbackOf(deps, transaction, callback);
    if (!answer) return;
    const { booking, order } = answer;
    if (booking.status === 'INITIATING' || booking.status === 'CONFIRMING' || booking.status === 'FAILED') {
      throw new NackError('INVALID_ORDER_STATE', `the booking is ${booking.status}: it has no ride to move`, '/message/order/id');
    }
    // RIDE_CONFIRMED after the booking was confirmed: the driver withdrew and the BPP looks for another.
    const state: ReportedRideState | null = isDriverWithdrawal(order.fulfillments?.[0]?.state?.descriptor?.code) ? DRIVER_WITHDRAWN : reportedState(order);
    if (!state) {
      // No ride state (none given, or the mobility profile's PAYMENT_COLLECTED): only the details may change.
      const code = order.fulfillments?.[0]?.state?.descriptor?.code;
      if (code !== undefined && String(code).toUpperCase() !== 'PAYMENT_COLLECTED') {
        throw new NackError('INVALID_RESPONSE', `${String(code)} is not a ride state`, '/message/order/fulfillments/0/state/descriptor/code');
      }
      const ride = await lockRide(deps.sequelize, transaction, booking.id);
      if (!ride) throw new NackError('INVALID_ORDER_STATE', 'the order has no ride yet', '/message/order/id');
      await updateRideDetails(deps.sequelize, transaction, ride.id, detailsOf(deps.cipher, order));
      await recordApplied(deps.sequelize, transaction, callback, 'details only');
      keepReply(deps, transaction, booking.id, callback.context.message_id, { action: callback.action, data: { state: ride.state } });
      return;
    }
    const applied = await applyRideChange(deps, transaction, {
      bookingId: booking.id,
      state,
      messageId: callback.context.message_id ?? '',
      at: atOf(order, callback),
      details: detailsOf(deps.cipher, order),
      finalFare: state === 'RIDE_ENDED' ? finalFareOf(order) : null,
    });
    if (state === 'RIDE_CANCELLED' && applied.transition.kind === 'advance') {
      const cancelledBy = (order.cancellation?.cancelled_by ?? '').toUpperCase();
      await upsertCancellation(deps.sequelize, transaction, {
        bookingId: booking.id,
        source: cancelledBy === 'CONSUMER' ? 'BY_RIDER' : 'BY_PROVIDER',
        reasonCode: order.cancellation?.reason?.descriptor?.code ?? null,
        status: 'CONFIRMED',
        fee: null,
        currency: null,
      });
    }
    const { transition } = applied;
    const note =
      transition.kind === 'advance'
        ? `${transition.from} -> ${transition.to}`
        : transition.kind === 'withdrawn'
          ? 'driver withdrawn'
          : transition.kind === 'reassigned'
            ? 'new driver assigned'
            : `${state} again`;
    await recordApplied(deps.sequelize, transaction, callback, note);
    keepReply(deps, transaction, booking.id, callback.context.message_id, { action: callback.action, data: { state } });
  };
}

/** The cancellation fee an on_cancel order states: its CANCELLATION_CHARGES line, else its price. */
function feeOf(order: OrderMessage): Price | null {
  const line = order.quote?.breakup?.find((entry) => (entry.title ?? '').toUpperCase() === 'CANCELLATION_CHARGES')?.price;
  const price = line ?? order.quote?.price ?? null;
  if (!price) return null;
  if (!price.value || !decimal.test(price.value) || !price.currency) throw new NackError('INVALID_RESPONSE', 'the cancellation fee is not an amount', '/message/order/quote');
  return price;
}

/**
 * on_cancel. The answer to a SOFT_CANCEL quotes the fee and cancels
 * nothing; a cancelled order cancels the booking and its ride and keeps
 * the fee. One the BPP pushes on its own is the driver cancelling. The
 * booking's payment is settled in the same transaction: a charged order
 * is refunded all but the fee (once, however often the on_cancel comes),
 * an unpaid one is cancelled.
 */
export function createOnCancelHandler(deps: RideCallbackDeps & Pick<BapDeps, 'scheduler' | 'now'>): CallbackHandler {
  return async (callback, transaction) => {
    const answer = await orderCallbackOf(deps, transaction, callback);
    if (!answer) return;
    const { booking, order } = answer;
    const status = (order.status ?? '').toUpperCase();
    const fee = feeOf(order);
    // Who cancelled: as the order says (CONSUMER or PROVIDER); else an answer to our cancel is the rider's, a push the driver's.
    const cancelledBy = (order.cancellation?.cancelled_by ?? '').toUpperCase();
    const solicited = (await findSentRequest(deps.correlation, callback.context.bap_id ?? '', callback.context.message_id ?? '')) !== null;
    const source = cancelledBy === 'CONSUMER' ? 'BY_RIDER' : cancelledBy === 'PROVIDER' ? 'BY_DRIVER' : solicited ? 'BY_RIDER' : 'BY_DRIVER';
    const reasonCode = order.cancellation?.reason?.descriptor?.code ?? null;
    if (status === 'SOFT_CANCEL') {
      if (booking.status !== 'CONFIRMED') throw new NackError('INVALID_ORDER_STATE', `the booking is ${booking.status}; there is nothing to cancel`, '/message/order/status');
      await upsertCancellation(deps.sequelize, transaction, { bookingId: booking.id, source: 'BY_RIDER', reasonCode, status: 'FEE_QUOTED', fee: fee?.value ?? null, currency: fee?.currency ?? null });
      await recordApplied(deps.sequelize, transaction, callback, `fee quoted ${fee?.value ?? ''}`.trim());
      keepReply(deps, transaction, booking.id, callback.context.message_id, { action: callback.action, data: { status, fee } });
      return;
    }
    const state = reportedState(order);
    if (status !== 'CANCELLED' && state !== 'RIDE_CANCELLED') {
      throw new NackError('INVALID_RESPONSE', `on_cancel with order status ${status || 'missing'}`, '/message/order/status');
    }
    const applied = await applyRideChange(deps, transaction, {
      bookingId: booking.id,
      state: 'RIDE_CANCELLED',
      messageId: callback.context.message_id ?? '',
      at: atOf(order, callback),
    });
    if (applied.transition.kind === 'advance') {
      await upsertCancellation(deps.sequelize, transaction, { bookingId: booking.id, source, reasonCode, status: 'CONFIRMED', fee: fee?.value ?? null, currency: fee?.currency ?? null });
    }
    await settlePaymentOfCancelledBooking(deps, transaction, booking.id, fee?.value && fee.currency ? { value: fee.value, currency: fee.currency } : null);
    await recordApplied(deps.sequelize, transaction, callback, applied.transition.kind === 'advance' ? `cancelled ${source}` : 'cancelled again');
    keepReply(deps, transaction, booking.id, callback.context.message_id, { action: callback.action, data: { status: 'CANCELLED', fee } });
  };
}


/** on_track: the driver's position, kept on the ride (an older position never replaces a newer one). */
export function createOnTrackHandler(deps: RideCallbackDeps): CallbackHandler {
  return async (callback, transaction) => {
    const booking = await bookingOf(deps, transaction, callback);
    const error = errorOf(callback);
    if (error) {
      await keepError(deps, transaction, callback, booking.id, error);
      return;
    }
    const tracking = (callback.message as { tracking?: { status?: string; location?: { gps?: string; updated_at?: string } } } | null)?.tracking;
    const status = tracking?.status ?? null;
    const gps = tracking?.location?.gps;
    let location: { lat: number; lon: number; at: string } | null = null;
    if (gps !== undefined) {
      const point = parseGps(gps);
      if (!point) throw new NackError('INVALID_RESPONSE', 'tracking location is not a gps point', '/message/tracking/location/gps');
      const { lat, lon } = point;
      const stamp = tracking?.location?.updated_at ? new Date(tracking.location.updated_at) : callback.receivedAt;
      const at = Number.isNaN(stamp.getTime()) ? callback.receivedAt : stamp;
      location = { lat, lon, at: at.toISOString() };
      if (booking.ride_id) {
        await deps.sequelize.query(
          `UPDATE ${BAP_SCHEMA}.ride SET driver_lat = $2, driver_lon = $3, driver_location_at = $4, updated_at = now()
            WHERE id = $1 AND (driver_location_at IS NULL OR driver_location_at <= $4)`,
          { bind: [booking.ride_id, lat, lon, at], transaction },
        );
      }
    }
    await recordApplied(deps.sequelize, transaction, callback, location ? `at ${location.lat}, ${location.lon}` : `tracking ${status ?? 'unknown'}`);
    keepReply(deps, transaction, booking.id, callback.context.message_id, { action: callback.action, data: { status, location } });
  };
}

/** on_rating: the BPP acknowledged the rider's rating. */
export function createOnRatingHandler(deps: RideCallbackDeps): CallbackHandler {
  return async (callback, transaction) => {
    const booking = await bookingOf(deps, transaction, callback);
    const error = errorOf(callback);
    if (!error) {
      await deps.sequelize.query(`UPDATE ${BAP_SCHEMA}.rating SET acknowledged_at = COALESCE(acknowledged_at, $2) WHERE booking_id = $1`, {
        bind: [booking.id, callback.receivedAt],
        transaction,
      });
    }
    await recordApplied(deps.sequelize, transaction, callback, error ? `error ${error.code}` : 'rating acknowledged');
    keepReply(deps, transaction, booking.id, callback.context.message_id, error ? { action: callback.action, error } : { action: callback.action, data: callback.message });
  };
}

/** on_support: how to reach the provider about the order, handed to the rider request that asked. */
export function createOnSupportHandler(deps: RideCallbackDeps): CallbackHandler {
  return async (callback, transaction) => {
    const booking = await bookingOf(deps, transaction, callback);
    const error = errorOf(callback);
    const support = (callback.message as { support?: Record<string, unknown> } | null)?.support ?? null;
    await recordApplied(deps.sequelize, transaction, callback, error ? `error ${error.code}` : 'support contact');
    keepReply(deps, transaction, booking.id, callback.context.message_id, error ? { action: callback.action, error } : { action: callback.action, data: support });
  };
}
