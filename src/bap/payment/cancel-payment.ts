import { QueryTypes, type Transaction } from 'sequelize';
import { trimDecimal } from '../../infra/postgres/index.js';
import { createRefund, RIDER_PAYMENTS_SCHEMA, transitionPaymentOrder, type RefundOutcome, type TransactionStatus } from '../../payments/index.js';
import { BAP_SCHEMA, type BapDeps } from '../bap-deps.js';
import { scheduleRefundJob } from './refund-job.js';

type SettleDeps = Pick<BapDeps, 'sequelize' | 'logger' | 'scheduler' | 'now'>;

/** The fee a cancellation keeps, as the on_cancel states it; null when it states none. */
export interface CancellationFee {
  value: string;
  currency: string;
}

/** What the cancellation did to the booking's payment. */
export type CancelSettlement =
  | { kind: 'no_order' }
  /** A charged order: the refund of the charge minus the fee (created now, or found from an earlier delivery). */
  | { kind: 'refund'; refundId: string; amount: string; replayed: boolean }
  /** A charged order the fee takes whole: nothing to give back. */
  | { kind: 'fee_takes_all' }
  /** A charged order whose refund was not made: why, as createRefund or the fee's currency says. */
  | { kind: 'refund_refused'; reason: string }
  /** An unpaid order moved to CANCELLED now (applied) or earlier (unchanged). */
  | { kind: 'order_cancelled'; replayed: boolean }
  /** An order that can no longer be cancelled (AUTO_REFUNDED): left as it is. */
  | { kind: 'order_left'; status: TransactionStatus };

interface LockedOrder {
  id: string;
  booking_id: string;
  status: TransactionStatus;
  amount: string;
  currency: string;
  booking_status: string;
}

/** The payment order of the booking, locked for the rest of `transaction`, with its booking's status. */
async function lockOrderOf(deps: SettleDeps, transaction: Transaction, where: { bookingId: string } | { orderId: string }): Promise<LockedOrder | null> {
  const [column, value] = 'bookingId' in where ? ['o.booking_id', where.bookingId] : ['o.id', where.orderId];
  const [row] = await deps.sequelize.query<LockedOrder>(
    `SELECT o.id, o.booking_id, o.status, o.amount::text AS amount, o.currency, b.status AS booking_status
       FROM ${RIDER_PAYMENTS_SCHEMA}.payment_order o JOIN ${BAP_SCHEMA}.booking b ON b.id = o.booking_id
      WHERE ${column} = $1
        FOR UPDATE OF o`,
    { type: QueryTypes.SELECT, bind: [value], transaction },
  );
  return row ? { ...row, amount: trimDecimal(row.amount) } : null;
}

/**
 * What the refund leaves the rider: the charge minus the fee, the fee
 * clamped to [0, charge], cut to the cent the gateway takes. Computed by
 * Postgres on numeric, never in floating point.
 */
async function refundableAfterFee(deps: SettleDeps, transaction: Transaction, charged: string, fee: string): Promise<string> {
  const [row] = await deps.sequelize.query<{ refundable: string }>(
    `SELECT trunc($1::numeric - least(greatest($2::numeric, 0), $1::numeric), 2)::text AS refundable`,
    { type: QueryTypes.SELECT, bind: [charged, fee], transaction },
  );
  return trimDecimal(row?.refundable ?? '0');
}

const isZero = (amount: string) => /^0+(\.0*)?$/.test(amount);

/** The refund job is scheduled for a refund made now, and again for one found still PENDING (scheduling a pending job id twice is a no-op; sending is keyed by the refund id). */
function followRefund(deps: SettleDeps, transaction: Transaction, outcome: RefundOutcome): void {
  if (outcome.outcome === 'refused') return;
  if (outcome.outcome === 'created' || outcome.refund.status === 'PENDING') scheduleRefundJob(deps, transaction, outcome.refund.id);
}

/**
 * Settles the payment of a booking the BPP cancelled, inside the
 * transaction that cancels it. A CHARGED order gets one refund of the
 * charge minus the fee, keyed by the booking, so a redelivered on_cancel
 * finds the refund it made and makes no other; the refund job sends it to
 * the gateway once this transaction commits. An order not charged moves
 * to CANCELLED through the guarded transition, so no payment is taken on
 * it afterwards (a charge the gateway still reports later is refunded
 * whole by refundLateCharge). No order: nothing to do.
 */
export async function settlePaymentOfCancelledBooking(
  deps: SettleDeps,
  transaction: Transaction,
  bookingId: string,
  fee: CancellationFee | null,
): Promise<CancelSettlement> {
  const order = await lockOrderOf(deps, transaction, { bookingId });
  if (!order) return { kind: 'no_order' };
  const log = { bookingId, paymentOrderId: order.id };

  if (order.status === 'CHARGED') {
    if (fee && fee.currency !== order.currency) {
      deps.logger.error({ ...log, feeCurrency: fee.currency, orderCurrency: order.currency }, 'cancellation fee in another currency than the charge; no refund made, left to manual review');
      return { kind: 'refund_refused', reason: 'CURRENCY_MISMATCH' };
    }
    const amount = await refundableAfterFee(deps, transaction, order.amount, fee?.value ?? '0');
    if (isZero(amount)) {
      deps.logger.info({ ...log, fee: fee?.value }, 'cancellation fee takes the whole charge; nothing refunded');
      return { kind: 'fee_takes_all' };
    }
    const outcome = await createRefund(deps.sequelize, deps.logger, RIDER_PAYMENTS_SCHEMA, {
      orderId: order.id,
      amount,
      idempotencyKey: cancellationRefundKey(bookingId),
      transaction,
    });
    followRefund(deps, transaction, outcome);
    if (outcome.outcome === 'refused') {
      deps.logger.warn({ ...log, amount, reason: outcome.reason }, 'refund of a cancelled booking refused');
      return { kind: 'refund_refused', reason: outcome.reason };
    }
    if (outcome.outcome === 'created') deps.logger.info({ ...log, refundId: outcome.refund.id, amount }, 'refund of a cancelled booking created');
    return { kind: 'refund', refundId: outcome.refund.id, amount: outcome.refund.refund_amount, replayed: outcome.outcome === 'replayed' };
  }

  const moved = await transitionPaymentOrder(deps.sequelize, deps.logger, RIDER_PAYMENTS_SCHEMA, { id: order.id, to: 'CANCELLED', transaction });
  if (moved.outcome === 'applied') {
    deps.logger.info({ ...log, from: order.status }, 'payment order of a cancelled booking cancelled');
    return { kind: 'order_cancelled', replayed: false };
  }
  if (moved.outcome === 'unchanged') return { kind: 'order_cancelled', replayed: true };
  return { kind: 'order_left', status: order.status };
}

/** The idempotency key of the refund a booking's cancellation makes: one per booking, however often the on_cancel comes. */
export const cancellationRefundKey = (bookingId: string) => `booking-cancelled:${bookingId}`;
/** The idempotency key of the refund of a charge taken after its booking was cancelled or failed. */
export const lateChargeRefundKey = (orderId: string) => `late-charge:${orderId}`;

/** What refundLateCharge did. */
export type LateChargeSettlement =
  | { kind: 'refund'; refundId: string; amount: string; replayed: boolean }
  /** Nothing to refund: no such order, the order is not CHARGED, its booking is live, or the cancellation already refunded the charge. */
  | { kind: 'none'; reason: 'NO_ORDER' | 'NOT_CHARGED' | 'BOOKING_LIVE' | 'SETTLED_BY_CANCELLATION' }
  | { kind: 'refund_refused'; reason: string };

const DEAD_BOOKING = new Set(['CANCELLED', 'FAILED']);

/**
 * A charge the gateway reports for an order whose booking is already
 * CANCELLED or FAILED: the ride will never happen, so the whole charge is
 * refunded, once per order (keyed by it). Call it inside the transaction
 * that moved the order to CHARGED. An order whose cancellation found it
 * charged and refunded it (minus the fee) is not refunded again.
 */
export async function refundLateCharge(deps: SettleDeps, transaction: Transaction, orderId: string): Promise<LateChargeSettlement> {
  const order = await lockOrderOf(deps, transaction, { orderId });
  if (!order) return { kind: 'none', reason: 'NO_ORDER' };
  if (order.status !== 'CHARGED') return { kind: 'none', reason: 'NOT_CHARGED' };
  if (!DEAD_BOOKING.has(order.booking_status)) return { kind: 'none', reason: 'BOOKING_LIVE' };
  const [byCancellation] = await deps.sequelize.query<{ id: string }>(
    `SELECT id FROM ${RIDER_PAYMENTS_SCHEMA}.refunds WHERE order_id = $1 AND idempotency_key = $2`,
    { type: QueryTypes.SELECT, bind: [orderId, cancellationRefundKey(order.booking_id)], transaction },
  );
  if (byCancellation) return { kind: 'none', reason: 'SETTLED_BY_CANCELLATION' };
  const outcome = await createRefund(deps.sequelize, deps.logger, RIDER_PAYMENTS_SCHEMA, {
    orderId,
    amount: order.amount,
    idempotencyKey: lateChargeRefundKey(orderId),
    transaction,
  });
  followRefund(deps, transaction, outcome);
  const log = { paymentOrderId: orderId, bookingStatus: order.booking_status, amount: order.amount };
  if (outcome.outcome === 'refused') {
    deps.logger.warn({ ...log, reason: outcome.reason }, 'refund of a late charge refused');
    return { kind: 'refund_refused', reason: outcome.reason };
  }
  if (outcome.outcome === 'created') deps.logger.warn({ ...log, refundId: outcome.refund.id }, 'charge taken after the booking ended; refunded in full');
  return { kind: 'refund', refundId: outcome.refund.id, amount: outcome.refund.refund_amount, replayed: outcome.outcome === 'replayed' };
}
