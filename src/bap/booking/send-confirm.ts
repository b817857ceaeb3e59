import type { Transaction } from 'sequelize';
import { NackError } from '../../protocol/errors/index.js';
import { OutgoingSchemaError } from '../../protocol/outbound/index.js';
import { isOndcDomain, type BapDeps } from '../bap-deps.js';
import { scheduleAnswerTimeout } from './answer-timeout.js';
import { bapPaymentTags, bookingContext, buildDraftOrder, paymentAmountsOf, withBapPaymentTags } from './booking-order.js';
import { findPerson, findQuoteOf, updateBooking, type BookingRow } from './booking-store.js';

export type ConfirmDeps = Pick<BapDeps, 'sequelize' | 'cipher' | 'sender' | 'scheduler' | 'settings' | 'logger' | 'now'>;

/**
 * Queues the booking's confirm (the draft order with `payment`) in
 * `transaction` and moves the booking to CONFIRMING with it, so the confirm
 * goes out exactly when the change that allowed it commits: on_init for a
 * payment on fulfilment, the charge for one paid before the ride. Its answer
 * is awaited as every request's is (answer-timeout.ts).
 */
export async function sendConfirm(
  deps: ConfirmDeps,
  transaction: Transaction,
  booking: BookingRow,
  payment: Record<string, unknown>,
  agreed: { fare: string; cancellationTerms: unknown } | null = null,
): Promise<string> {
  const quote = await findQuoteOf(deps.sequelize, booking.quote_id, booking.person_id, transaction);
  const person = await findPerson(deps.sequelize, transaction, booking.person_id);
  if (!quote || !person) throw new Error(`booking ${booking.id} lost its quote or rider`);
  const rider = { name: person.name, phone: deps.cipher.decrypt(person.mobile_number_encrypted) };
  const fare = agreed?.fare ?? booking.fare ?? booking.quoted_fare;
  const ours = bapPaymentTags(deps.settings.paymentTerms, paymentAmountsOf(deps.settings.paymentTerms, fare, payment.collected_by === 'BAP' ? 'BAP' : 'BPP'));
  const message = buildDraftOrder(quote, rider, isOndcDomain(quote.domain) ? withBapPaymentTags(payment, ours) : payment, { echoOffer: true });
  const sent = await deps.sender
    .sendRequest({ action: 'confirm', context: bookingContext(deps.settings, quote), message }, transaction)
    .catch((error: unknown) => {
      // The agreed terms cannot make a valid confirm: the answer is unusable, not our failure.
      if (error instanceof OutgoingSchemaError) throw new NackError('INVALID_RESPONSE', error.message, '/message/order/payments');
      throw error;
    });
  await updateBooking(deps.sequelize, transaction, booking.id, {
    status: 'CONFIRMING',
    payment_terms: payment,
    confirm_message_id: sent.messageId,
    ...(agreed ? { fare: agreed.fare, cancellation_terms: agreed.cancellationTerms } : {}),
  });
  scheduleAnswerTimeout(deps, transaction, 'confirm', sent.messageId);
  return sent.messageId;
}
