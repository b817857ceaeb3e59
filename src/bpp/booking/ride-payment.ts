import type { Sequelize, Transaction } from 'sequelize';
import { PROVIDER_PAYMENTS_SCHEMA, recordCollectedPayment } from '../../payments/index.js';
import { compare, formatMoney, parseMoney, type Money } from '../domain/index.js';
import { savePaymentTerms, type StoredBooking } from './booking-store.js';
import { bookingPlace, eventMoney, recordBppEvent } from '../business-events.js';

/*
 * The payment a booking's order carries (payments[0], the booking's payment
 * terms) once money moved: the rider side's PRE-ORDER payment reported PAID
 * by its confirm, or the fare the driver collected at the end of the ride.
 * Every order built from the booking afterwards carries it as stored.
 */

/** The agreed terms have the rider side collect before the ride: the confirm must report it PAID. */
export function isPrepaidByBap(booking: StoredBooking): boolean {
  return booking.paymentTerms.collected_by === 'BAP' && booking.paymentTerms.type === 'PRE-ORDER';
}

/** The agreed terms have the provider collect at the ride end (e.g. cash to the driver). */
export function collectsAtRideEnd(booking: StoredBooking): boolean {
  return booking.paymentCollectedBy === 'BPP' && booking.paymentTerms.collected_by === 'BPP' && booking.paymentTerms.type === 'ON-FULFILLMENT';
}

const asRecord = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

/** `amount` as money of `currency`, or null when it is not a decimal string within the currency's scale. */
function readAmount(amount: unknown, currency: string): Money | null {
  if (typeof amount !== 'string') return null;
  try {
    return parseMoney(amount, currency);
  } catch {
    return null;
  }
}

export type PrepaidConfirm = { terms: Record<string, unknown> } | { refusal: string };

/**
 * Checks the payment a confirm carries for a booking prepaid by the BAP: it
 * must be PAID, name the payment's transaction_id and pay the booking's
 * quote (amount compared as a decimal, so "146" pays "146.00", and the same
 * currency). Accepted, the terms to store are the agreed ones with status
 * PAID and the confirm's params.
 */
export function checkPrepaidConfirm(booking: StoredBooking, payment: Record<string, unknown> | null): PrepaidConfirm {
  if (payment?.status !== 'PAID') return { refusal: 'a PRE-ORDER payment must be PAID before confirm' };
  const params = asRecord(payment.params);
  const transactionId = params?.transaction_id;
  if (!params || typeof transactionId !== 'string' || transactionId.trim().length === 0) {
    return { refusal: 'the PAID payment names no params.transaction_id' };
  }
  if (params.currency !== booking.currency) return { refusal: `the payment is not in the quoted currency ${booking.currency}` };
  const paid = readAmount(params.amount, booking.currency);
  const quoted = parseMoney(booking.quoteValue, booking.currency);
  if (!paid || compare(paid, quoted) !== 0) return { refusal: `the payment amount is not the quoted ${formatMoney(quoted)} ${booking.currency}` };
  const agreedParams = asRecord(booking.paymentTerms.params) ?? {};
  return { terms: { ...booking.paymentTerms, status: 'PAID', params: { ...agreedParams, ...params } } };
}

/**
 * Records the final fare the provider collected at the ride end, in the
 * caller's transaction: a CHARGED payment order and CASH payment transaction
 * (once per booking), and the booking's payment terms PAID with the amount,
 * currency and the transaction's reference. A ride with nothing to pay keeps
 * its terms and records no payment. Returns the booking as it now stands.
 */
export async function recordRideEndPayment(
  sequelize: Sequelize,
  transaction: Transaction,
  input: { booking: StoredBooking; merchantId: string; fare: Money },
): Promise<StoredBooking> {
  const { booking, fare } = input;
  if (fare.minor <= 0n) return booking;
  const amount = formatMoney(fare);
  const collected = await recordCollectedPayment(sequelize, PROVIDER_PAYMENTS_SCHEMA, {
    bookingId: booking.id,
    personId: null,
    merchantId: input.merchantId,
    amount,
    currency: fare.currency,
    paymentMethodType: 'CASH',
    transaction,
  });
  if (collected.created) {
    // payment.charged once, with the order that recorded the money; a repeated end finds the order and records nothing.
    const place = await bookingPlace(sequelize, transaction, booking.id);
    await recordBppEvent(sequelize, transaction, 'payment.charged', { ...place, merchantId: input.merchantId }, collected.orderId, {
      order_id: collected.orderId,
      booking_id: booking.id,
      amount: eventMoney(fare),
      method: 'CASH',
    });
  }
  const paid = collected.created ? amount : formatMoney(parseMoney(collected.amount, collected.currency));
  const agreedParams = asRecord(booking.paymentTerms.params) ?? {};
  return savePaymentTerms(sequelize, transaction, booking.id, {
    ...booking.paymentTerms,
    status: 'PAID',
    params: { ...agreedParams, amount: paid, currency: collected.currency, transaction_id: collected.txnUuid },
  });
}
