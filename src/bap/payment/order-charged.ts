import { QueryTypes, type Transaction } from 'sequelize';
import { trimDecimal } from '../../infra/postgres/index.js';
import { RIDER_PAYMENTS_SCHEMA } from '../../payments/index.js';
import type { OrderStatus } from '../../payments/gateway/index.js';
import { bookingChannel, type BapDeps } from '../bap-deps.js';
import { announce } from '../callback-record.js';
import { lockBooking } from '../booking/booking-store.js';
import { sendConfirm, type ConfirmDeps } from '../booking/send-confirm.js';
import { refundLateCharge } from './cancel-payment.js';

export type ChargeDeps = ConfirmDeps & Pick<BapDeps, 'correlation'>;

/**
 * What a charge does to its booking, in the transaction that moved the
 * order to CHARGED: a booking waiting for its payment (PRE-ORDER) sends its
 * confirm now, the payment PAID with the gateway's transaction id, the
 * amount and the currency charged; a booking that ended unpaid (cancelled,
 * or failed when its payment window closed) has the charge refunded in full.
 */
export async function whenOrderCharged(deps: ChargeDeps, transaction: Transaction, orderId: string, reported: OrderStatus): Promise<void> {
  const [order] = await deps.sequelize.query<{ booking_id: string; amount: string; currency: string }>(
    `SELECT booking_id, amount::text AS amount, currency FROM ${RIDER_PAYMENTS_SCHEMA}.payment_order WHERE id = $1`,
    { type: QueryTypes.SELECT, bind: [orderId], transaction },
  );
  if (!order) return;
  const booking = await lockBooking(deps.sequelize, transaction, order.booking_id);
  if (booking?.status === 'CANCELLED' || booking?.status === 'FAILED') {
    await refundLateCharge(deps, transaction, orderId);
    return;
  }
  if (booking?.status !== 'AWAITING_PAYMENT') return;
  const terms = (booking.payment_terms ?? {}) as Record<string, unknown> & { params?: Record<string, unknown> };
  const params = {
    ...(terms.params ?? {}),
    transaction_id: reported.txnId ?? reported.gatewayOrderId,
    amount: trimDecimal(order.amount),
    currency: order.currency,
  };
  await sendConfirm(deps, transaction, booking, { ...terms, status: 'PAID', params });
  deps.logger.info({ bookingId: booking.id, paymentOrderId: orderId }, 'booking paid: confirm sent');
  transaction.afterCommit(() => announce(deps, bookingChannel(booking.id)));
}
