import { randomUUID } from 'node:crypto';
import { NackError } from '../../protocol/errors/index.js';
import type { CallbackHandler } from '../../protocol/handlers.js';
import { bookingChannel } from '../bap-deps.js';
import { announce, recordApplied } from '../callback-record.js';
import { insertRide, lockBookingByMessage, updateBooking } from './booking-store.js';
import type { BookingCallbackDeps } from './on-init.js';
import { checkSameBpp } from './on-select.js';
import { callbackErrorOf, checkedPrice, checkProviderAndItems, orderOf, text, type CallbackFulfillment } from './order-checks.js';

/** Fulfillment states a ride can be in when its booking is confirmed; RIDE_CONFIRMED (no driver named yet) starts as assigned. */
const confirmedStates = new Set(['RIDE_ASSIGNED', 'RIDE_ENROUTE_PICKUP', 'RIDE_ARRIVED_PICKUP', 'RIDE_STARTED']);

function rideStateOf(fulfillment: CallbackFulfillment | undefined): string {
  const code = fulfillment?.state?.descriptor?.code;
  if (code === undefined || code === 'RIDE_CONFIRMED') return 'RIDE_ASSIGNED';
  if (typeof code === 'string' && confirmedStates.has(code)) return code;
  throw new NackError('INVALID_ORDER_STATE', `a booking cannot be confirmed with its ride ${String(code)}`, '/message/order/fulfillments/0/state/descriptor/code');
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
    const booking = await lockBookingByMessage(deps.sequelize, transaction, 'confirm_message_id', callback.context.message_id ?? '');
    if (!booking) throw new NackError('OUT_OF_SEQUENCE', 'on_confirm answers no confirm of this BAP', '/context/message_id');
    if (booking.status !== 'CONFIRMING') throw new NackError('INVALID_ORDER_STATE', `the booking is ${booking.status}, not waiting for on_confirm`, '/context/message_id');
    checkSameBpp(callback, booking.bpp_id);

    if (callback.error) {
      const error = callbackErrorOf(callback.error);
      await updateBooking(deps.sequelize, transaction, booking.id, { status: 'FAILED', error_code: error.code, error_message: error.message });
      await recordApplied(deps.sequelize, transaction, callback, `booking ${booking.id} failed: ${error.code}`);
    } else {
      const order = orderOf(callback.message);
      checkProviderAndItems(order, { providerId: booking.provider_id, itemId: booking.item_id });
      const price = checkedPrice(order, { amount: booking.quoted_fare, currency: booking.currency, what: 'the quoted fare' });
      const orderId = text(order.id);
      if (orderId === null) throw new NackError('INVALID_RESPONSE', 'on_confirm must name the order (id)', '/message/order/id');
      const fulfillment = order.fulfillments?.find((f) => f.id === booking.fulfillment_id) ?? order.fulfillments?.[0];
      const state = rideStateOf(fulfillment);
      await updateBooking(deps.sequelize, transaction, booking.id, {
        status: 'CONFIRMED',
        bpp_order_id: orderId,
        fare: price.amount,
        ...(order.payments?.[0] ? { payment_terms: order.payments[0] } : {}),
        ...(order.cancellation_terms !== undefined ? { cancellation_terms: order.cancellation_terms } : {}),
      });
      await insertRide(deps.sequelize, transaction, {
        id: randomUUID(),
        bookingId: booking.id,
        bppRideId: null,
        state,
        driverName: text(fulfillment?.agent?.person?.name),
        driverPhone: text(fulfillment?.agent?.contact?.phone),
        vehicleNumber: text(fulfillment?.vehicle?.registration),
        vehicleVariant: text(fulfillment?.vehicle?.variant),
        otp: otpOf(fulfillment),
        messageId: callback.context.message_id ?? '',
        at: callback.receivedAt,
      });
      await recordApplied(deps.sequelize, transaction, callback, `booking ${booking.id} confirmed as ${orderId}`);
    }
    transaction.afterCommit(() => announce(deps, bookingChannel(booking.id)));
  };
}
