import { NackError } from '../../protocol/errors/index.js';
import type { CallbackHandler } from '../../protocol/handlers.js';
import { OutgoingSchemaError } from '../../protocol/outgoing/message-sender.js';
import { bookingChannel, type BapDeps } from '../bap-deps.js';
import { announce, recordApplied } from '../callback-record.js';
import { scheduleAnswerTimeout } from './answer-timeout.js';
import { bookingAnswerOf } from './booking-answer.js';
import { bookingContext, buildDraftOrder } from './booking-order.js';
import { findPerson, findQuoteOf, updateBooking } from './booking-store.js';

export type BookingCallbackDeps = Pick<BapDeps, 'sequelize' | 'cipher' | 'correlation' | 'sender' | 'scheduler' | 'settings' | 'logger'>;

/**
 * on_init → confirm. The answer to this booking's init (by message_id), for
 * the provider and item booked, at a price not above the quote the rider
 * accepted, with the BPP's payment terms. Its terms are kept and the
 * confirm (the draft with the agreed payment) is queued in the same
 * transaction, so either both happen or neither. An error answer fails the
 * booking with the BPP's code.
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
      const quote = await findQuoteOf(deps.sequelize, booking.quote_id, booking.person_id, transaction);
      const person = await findPerson(deps.sequelize, transaction, booking.person_id);
      if (!quote || !person) throw new Error(`booking ${booking.id} lost its quote or rider`);
      const rider = { name: person.name, phone: deps.cipher.decrypt(person.mobile_number_encrypted) };
      const sent = await deps.sender
        .sendRequest({ action: 'confirm', context: bookingContext(deps.settings, quote), message: buildDraftOrder(quote, rider, payment) }, transaction)
        .catch((error: unknown) => {
          // The agreed terms cannot make a valid confirm: the answer is unusable, not our failure.
          if (error instanceof OutgoingSchemaError) throw new NackError('INVALID_RESPONSE', error.message, '/message/order/payments');
          throw error;
        });
      await updateBooking(deps.sequelize, transaction, booking.id, {
        status: 'CONFIRMING',
        fare: price.amount,
        payment_terms: payment,
        cancellation_terms: order.cancellation_terms ?? null,
        confirm_message_id: sent.messageId,
      });
      scheduleAnswerTimeout(deps, transaction, 'confirm', sent.messageId);
      await recordApplied(deps.sequelize, transaction, callback, `booking ${booking.id} confirming`);
    }
    transaction.afterCommit(() => announce(deps, bookingChannel(booking.id)));
  };
}
