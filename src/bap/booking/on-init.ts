import { NackError } from '../../protocol/errors/index.js';
import type { CallbackHandler } from '../../protocol/index.js';
import { bookingChannel, type BapDeps } from '../bap-deps.js';
import { announce, recordApplied } from '../callback-record.js';
import { bookingAnswerOf } from './booking-answer.js';
import { updateBooking } from './booking-store.js';
import { sendConfirm } from './send-confirm.js';
import { schedulePaymentWindow } from '../payment/unpaid-booking.js';

export type BookingCallbackDeps = Pick<BapDeps, 'sequelize' | 'cipher' | 'correlation' | 'sender' | 'scheduler' | 'settings' | 'logger' | 'now' | 'paymentWindowMs'>;

/** A payment the rider side collects before the ride: the confirm waits for the charge. */
export function isPaidBeforeRide(payment: { collected_by?: unknown; type?: unknown }): boolean {
  return payment.collected_by === 'BAP' && payment.type === 'PRE-ORDER';
}

/**
 * on_init → confirm. The answer to this booking's init (by message_id), for
 * the provider and item booked, at a price not above the quote the rider
 * accepted, with the BPP's payment terms, which are kept. Paid on
 * fulfilment, the confirm (the draft with the agreed payment) is queued in
 * the same transaction, so either both happen or neither; paid before the
 * ride (PRE-ORDER, collected by the rider side), the booking waits in
 * AWAITING_PAYMENT and the charge sends the confirm (unpaid when its
 * payment window closes, it fails). An error answer fails
 * the booking with the BPP's code.
 */
export function createOnInitHandler(deps: BookingCallbackDeps): CallbackHandler {
  return async (callback, transaction) => {
    const { booking, accepted } = await bookingAnswerOf(deps, transaction, callback, 'init');
    if (accepted) {
      const { order, price } = accepted;
      const payment = order.payments?.[0];
      if (!payment || typeof payment.id !== 'string' || payment.id.length === 0) {
        throw new NackError('INVALID_RESPONSE', 'on_init must name the payment (id) the confirm will carry', '/message/order/payments/0/id');
      }
      const cancellationTerms = order.cancellation_terms ?? null;
      if (isPaidBeforeRide(payment)) {
        await updateBooking(deps.sequelize, transaction, booking.id, {
          status: 'AWAITING_PAYMENT',
          fare: price.amount,
          payment_terms: payment,
          cancellation_terms: cancellationTerms,
        });
        schedulePaymentWindow(deps, transaction, booking.id);
        await recordApplied(deps.sequelize, transaction, callback, `booking ${booking.id} awaiting payment`);
      } else {
        await sendConfirm(deps, transaction, booking, payment, { fare: price.amount, cancellationTerms });
        await recordApplied(deps.sequelize, transaction, callback, `booking ${booking.id} confirming`);
      }
    }
    transaction.afterCommit(() => announce(deps, bookingChannel(booking.id)));
  };
}
