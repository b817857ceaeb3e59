import type { Sequelize, Transaction } from 'sequelize';
import { NackError } from '../../protocol/errors/index.js';
import type { AcceptedMessage } from '../../protocol/index.js';
import { recordApplied } from '../callback-record.js';
import { lockBookingByMessage, updateBooking, type BookingRow, type BookingStatus } from './booking-store.js';
import { checkSameBpp } from './on-select.js';
import { callbackErrorOf, checkedPrice, checkProviderAndItems, orderOf, type CallbackOrder } from './order-checks.js';

/** The booking status that waits for the answer to each booking request. */
const waitingFor: Record<'init' | 'confirm', BookingStatus> = { init: 'INITIATING', confirm: 'CONFIRMING' };

export interface BookingAnswer {
  booking: BookingRow;
  /** The answered order and its price; null when the BPP answered with an error, which failed the booking. */
  accepted: { order: CallbackOrder; price: { amount: string; currency: string } } | null;
}

/**
 * The booking an on_init or on_confirm answers, locked: the one whose
 * init / confirm had this message_id, still waiting for this answer, from
 * the BPP the request went to. An error answer fails the booking with the
 * BPP's code; an order must be for the provider and item booked, at a price
 * not above the quoted fare.
 */
export async function bookingAnswerOf(
  deps: { sequelize: Sequelize },
  transaction: Transaction,
  callback: AcceptedMessage,
  request: 'init' | 'confirm',
): Promise<BookingAnswer> {
  const booking = await lockBookingByMessage(deps.sequelize, transaction, `${request}_message_id`, callback.context.message_id ?? '');
  if (!booking) throw new NackError('OUT_OF_SEQUENCE', `on_${request} answers no ${request} of this BAP`, '/context/message_id');
  if (booking.status !== waitingFor[request]) {
    throw new NackError('INVALID_ORDER_STATE', `the booking is ${booking.status}, not waiting for on_${request}`, '/context/message_id');
  }
  checkSameBpp(callback, booking.bpp_id);

  if (callback.error) {
    const error = callbackErrorOf(callback.error);
    await updateBooking(deps.sequelize, transaction, booking.id, { status: 'FAILED', error_code: error.code, error_message: error.message });
    await recordApplied(deps.sequelize, transaction, callback, `booking ${booking.id} failed: ${error.code}`);
    return { booking, accepted: null };
  }
  const order = orderOf(callback.message);
  checkProviderAndItems(order, { providerId: booking.provider_id, itemId: booking.item_id });
  const price = checkedPrice(order, { amount: booking.quoted_fare, currency: booking.currency, what: 'the quoted fare' });
  return { booking, accepted: { order, price } };
}
