import { randomUUID } from 'node:crypto';
import { NackError } from '../../protocol/errors/index.js';
import type { CallbackHandler } from '../../protocol/index.js';
import { fromDomainState } from '../../protocol/vocabulary/index.js';
import { bookingChannel } from '../bap-deps.js';
import { sealPhone } from '../ride/driver-phone.js';
import { announce, recordApplied } from '../callback-record.js';
import { bookingAnswerOf } from './booking-answer.js';
import { insertRide, updateBooking } from './booking-store.js';
import type { BookingCallbackDeps } from './on-init.js';
import { text, type CallbackFulfillment } from './order-checks.js';

/** Fulfillment states a ride can be in when its booking is confirmed. */
const confirmedStates = new Set(['RIDE_CONFIRMED', 'RIDE_ASSIGNED', 'RIDE_ENROUTE_PICKUP', 'RIDE_ARRIVED_PICKUP', 'RIDE_STARTED']);

/**
 * The confirmed ride's state, read in either vocabulary (nic2004:60221
 * confirms with DRIVER_EN_ROUTE). RIDE_CONFIRMED is ONDC:TRV10's "assign
 * driver post on_confirm": booked, no driver yet. The ride then waits as
 * RIDE_ASSIGNED without a driver and its history starts with
 * RIDE_CONFIRMED, so the rider sees RIDE_CONFIRMED until an on_update (or
 * on_status) assigns a driver, as after a driver's withdrawal.
 */
function rideStateOf(domain: string | undefined, fulfillment: CallbackFulfillment | undefined): string {
  const code = fulfillment?.state?.descriptor?.code;
  if (code === undefined) return 'RIDE_ASSIGNED';
  const state = fromDomainState(domain, code);
  if (state !== null && confirmedStates.has(state)) return state;
  throw new NackError('INVALID_ORDER_STATE', `a booking cannot be confirmed with its ride ${String(code)}`, '/message/order/fulfillments/0/state/descriptor/code');
}

/** A time the provider stated; null when it is none. */
function providerTimeOf(stamp: unknown): Date | null {
  if (typeof stamp !== 'string') return null;
  const at = new Date(stamp);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** The ride OTP the rider shows the driver: the START stop's authorization token. */
function otpOf(fulfillment: CallbackFulfillment | undefined): string | null {
  const start = (fulfillment?.stops ?? []).find((stop) => typeof stop.type === 'string' && stop.type.toUpperCase() === 'START');
  return text(start?.authorization?.token);
}

/**
 * on_confirm → a confirmed booking and its ride. The answer to this
 * booking's confirm (by message_id), for the provider and item booked, at a
 * price not above the quote the rider accepted, naming the BPP's order id.
 * The ride keeps the driver, vehicle and OTP, and its first state opens the
 * ride's history. An error answer fails the booking with the BPP's code.
 */
export function createOnConfirmHandler(deps: BookingCallbackDeps): CallbackHandler {
  return async (callback, transaction) => {
    const { booking, accepted } = await bookingAnswerOf(deps, transaction, callback, 'confirm');
    if (accepted) {
      const { order, price } = accepted;
      const orderId = text(order.id);
      if (orderId === null) throw new NackError('INVALID_RESPONSE', 'on_confirm must name the order (id)', '/message/order/id');
      const fulfillment = order.fulfillments?.find((f) => f.id === booking.fulfillment_id) ?? order.fulfillments?.[0];
      const reported = rideStateOf(callback.context.domain, fulfillment);
      const awaitingDriver = reported === 'RIDE_CONFIRMED';
      const state = awaitingDriver ? 'RIDE_ASSIGNED' : reported;
      const answered = order.payments?.[0];
      // A payment the confirm carried PAID stays PAID: money that moved is not unsaid by an answer that lost it.
      const paid = (booking.payment_terms as { status?: unknown } | null)?.status === 'PAID';
      if (paid && answered && answered.status !== 'PAID') {
        deps.logger.warn({ bookingId: booking.id, answered: answered.status }, 'on_confirm reports a paid booking as not paid; the paid terms are kept');
      }
      const payment = paid && answered?.status !== 'PAID' ? undefined : answered;
      await updateBooking(deps.sequelize, transaction, booking.id, {
        status: 'CONFIRMED',
        bpp_order_id: orderId,
        fare: price.amount,
        ...(payment ? { payment_terms: payment } : {}),
        ...(order.cancellation_terms !== undefined ? { cancellation_terms: order.cancellation_terms } : {}),
      });
      await insertRide(deps.sequelize, transaction, {
        id: randomUUID(),
        bookingId: booking.id,
        bppRideId: text(fulfillment?.id),
        state,
        firstEvent: reported,
        driverName: awaitingDriver ? null : text(fulfillment?.agent?.person?.name),
        driverPhone: awaitingDriver ? null : sealPhone(deps.cipher, text(fulfillment?.agent?.contact?.phone)),
        vehicleNumber: awaitingDriver ? null : text(fulfillment?.vehicle?.registration),
        vehicleVariant: text(fulfillment?.vehicle?.variant),
        otp: awaitingDriver ? null : otpOf(fulfillment),
        messageId: callback.context.message_id ?? '',
        at: callback.receivedAt,
        providerAt: providerTimeOf(order.updated_at ?? callback.context.timestamp),
      });
      await recordApplied(deps.sequelize, transaction, callback, `booking ${booking.id} confirmed as ${orderId}`);
    }
    transaction.afterCommit(() => announce(deps, bookingChannel(booking.id)));
  };
}
