import type { CallbackHandler } from '../../protocol/index.js';
import { NackError } from '../../protocol/errors/index.js';
import { recordApplied } from '../callback-record.js';
import { keepReply } from './replies.js';
import { providerAtOf, decimal, detailsOf, orderCallbackOf, reportedState, type OrderMessage, type RideCallbackDeps } from './ride-callback-common.js';
import { applyRideChange, DRIVER_WITHDRAWN, isDriverWithdrawal, lockRide, updateRideDetails, type FinalFare, type ReportedRideState } from './ride-state.js';
import { upsertCancellation } from './ride-store.js';

/** The fare an ended ride's order quotes: what the rider pays, with its breakup. */
function finalFareOf(order: OrderMessage): FinalFare {
  const price = order.quote?.price;
  if (!price?.value || !decimal.test(price.value) || !price.currency) {
    throw new NackError('INVALID_RESPONSE', 'an ended ride must quote its final fare', '/message/order/quote/price');
  }
  return { value: price.value, currency: price.currency, breakup: order.quote?.breakup ?? [] };
}

/** The fare an order quotes now, when it quotes one. */
function quotedFareOf(order: OrderMessage): { value: string; currency: string } | null {
  const price = order.quote?.price;
  return price?.value && decimal.test(price.value) && price.currency ? { value: price.value, currency: price.currency } : null;
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
      at: callback.receivedAt,
      providerAt: providerAtOf(order, callback),
      details: detailsOf(deps.cipher, order),
      finalFare: state === 'RIDE_ENDED' ? finalFareOf(order) : null,
    });
    if (state === 'RIDE_CANCELLED' && applied.transition.kind === 'advance') {
      const cancelledBy = (order.cancellation?.cancelled_by ?? '').toUpperCase();
      const byRider = cancelledBy === 'CONSUMER';
      await upsertCancellation(deps.sequelize, transaction, {
        bookingId: booking.id,
        source: byRider ? 'BY_RIDER' : 'BY_PROVIDER',
        reasonCode: order.cancellation?.reason?.descriptor?.code ?? (byRider ? booking.rider_cancel_reason : null),
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
    // The order's quote goes with the reply: an answer to our update (a changed drop) states the recomputed fare.
    keepReply(deps, transaction, booking.id, callback.context.message_id, { action: callback.action, data: { state, fare: quotedFareOf(order) } });
  };
}
