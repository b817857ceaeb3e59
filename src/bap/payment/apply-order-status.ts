import { QueryTypes, type Transaction } from 'sequelize';
import { trimDecimal } from '../../infra/postgres/index.js';
import { recordBapEvent, riderBookingPlace } from '../business-events.js';
import { RIDER_PAYMENTS_SCHEMA, recordPaymentAttempt, transitionPaymentOrder, type TransactionStatus, type TransitionOutcome } from '../../payments/index.js';
import type { OrderStatus } from '../../payments/gateway/index.js';
import { whenOrderCharged, type ChargeDeps } from './order-charged.js';

/** A payment the rider started whose end the gateway has not told yet: the status check keeps asking about these. */
export const IN_PROGRESS_STATUSES: readonly TransactionStatus[] = ['STARTED', 'PENDING_VBV', 'AUTHORIZING'];

/**
 * Moves the order to what the gateway's status read says, through the
 * guarded transition, inside `transaction` (which records why: the webhook
 * event or the status check). The read's payment attempt is kept in
 * payment_transaction with the gateway's answer; a charge sends the
 * confirm of a booking waiting for it (order-charged.ts). A status the
 * order cannot reach from where it is is refused and logged by the
 * transition, never applied.
 */
export async function applyGatewayStatus(
  deps: ChargeDeps,
  transaction: Transaction,
  orderId: string,
  status: TransactionStatus,
  reported: OrderStatus | null = null,
): Promise<TransitionOutcome<TransactionStatus>> {
  if (reported?.txnUuid) {
    await recordPaymentAttempt(deps.sequelize, deps.logger, RIDER_PAYMENTS_SCHEMA, {
      orderId,
      txnUuid: reported.txnUuid,
      txnId: reported.txnId ?? null,
      status: reported.status,
      amount: reported.amount,
      currency: reported.currency,
      paymentMethodType: reported.paymentMethodType ?? null,
      paymentMethod: reported.paymentMethod ?? null,
      gatewayReferenceId: reported.gatewayOrderId,
      bankErrorCode: reported.bankErrorCode ?? null,
      bankErrorMessage: reported.bankErrorMessage ?? null,
      gatewayResponse: reported.rawJson,
      transaction,
    });
  }
  const outcome = await transitionPaymentOrder(deps.sequelize, deps.logger, RIDER_PAYMENTS_SCHEMA, { id: orderId, to: status, transaction });
  if (outcome.outcome === 'applied') deps.logger.info({ paymentOrderId: orderId, status }, 'payment order status changed');
  // Only the transition that moved the order records payment.charged: a replayed webhook or a racing status check finds it moved.
  if (outcome.outcome === 'applied' && status === 'CHARGED') await recordCharged(deps, transaction, orderId, reported);
  if (outcome.outcome === 'applied' && status === 'CHARGED' && reported) await whenOrderCharged(deps, transaction, orderId, reported);
  return outcome;
}

async function recordCharged(deps: ChargeDeps, transaction: Transaction, orderId: string, reported: OrderStatus | null): Promise<void> {
  const [order] = await deps.sequelize.query<{ booking_id: string; amount: string; currency: string }>(
    `SELECT booking_id, amount::text AS amount, currency FROM ${RIDER_PAYMENTS_SCHEMA}.payment_order WHERE id = $1`,
    { type: QueryTypes.SELECT, bind: [orderId], transaction },
  );
  if (!order) throw new Error(`payment order ${orderId} vanished in its own transition`);
  await recordBapEvent(deps.sequelize, transaction, 'payment.charged', await riderBookingPlace(deps.sequelize, transaction, order.booking_id), orderId, {
    order_id: orderId,
    booking_id: order.booking_id,
    amount: { value: trimDecimal(order.amount), currency: order.currency.trim() },
    method: reported?.paymentMethodType ?? 'UNKNOWN',
  });
}
