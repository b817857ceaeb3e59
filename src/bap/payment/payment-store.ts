import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { RIDER_PAYMENTS_SCHEMA, type PaymentOrderRow, type RefundStatus, type TransactionStatus } from '../../payments/index.js';
import { trimDecimal } from '../../infra/postgres/index.js';
import { BAP_SCHEMA } from '../bap-deps.js';

export interface BookingToPay {
  id: string;
  status: string;
  /** The final fare once the ride ended, else the quoted one: what the rider is asked to pay. */
  amount: string;
  currency: string;
}

/** The rider's own booking and what it costs; null for a booking of someone else, so it answers as unknown. */
export async function findBookingToPay(sequelize: Sequelize, bookingId: string, personId: string): Promise<BookingToPay | null> {
  const [row] = await sequelize.query<BookingToPay>(
    `SELECT id, status, COALESCE(fare, quoted_fare)::text AS amount, currency FROM ${BAP_SCHEMA}.booking WHERE id = $1 AND person_id = $2`,
    { type: QueryTypes.SELECT, bind: [bookingId, personId] },
  );
  return row ? { ...row, amount: trimDecimal(row.amount) } : null;
}

const ORDER_COLUMNS = `id, short_id, booking_id, amount::text AS amount, currency, status, payment_service_order_id,
  payment_link_web, payment_link_deep_link, client_auth_token_expiry`;

/** A refund of the order as the rider sees it. */
export interface OrderRefund {
  id: string;
  amount: string;
  status: RefundStatus;
}

/** A payment order with its refunds, oldest first, when they were read with it. */
export type RiderPaymentOrder = PaymentOrderRow & { refunds?: OrderRefund[] };

async function refundsOf(sequelize: Sequelize, orderId: string, transaction?: Transaction): Promise<OrderRefund[]> {
  const rows = await sequelize.query<OrderRefund>(
    `SELECT id, refund_amount::text AS amount, status FROM ${RIDER_PAYMENTS_SCHEMA}.refunds WHERE order_id = $1 ORDER BY created_at, id`,
    { type: QueryTypes.SELECT, bind: [orderId], ...(transaction ? { transaction } : {}) },
  );
  return rows.map((refund) => ({ ...refund, amount: trimDecimal(refund.amount) }));
}

/** The payment order of the rider's booking, if one was made, with its refunds. */
export async function findOrderOfBooking(sequelize: Sequelize, bookingId: string, personId: string): Promise<RiderPaymentOrder | null> {
  const [row] = await sequelize.query<PaymentOrderRow>(
    `SELECT ${ORDER_COLUMNS} FROM ${RIDER_PAYMENTS_SCHEMA}.payment_order WHERE booking_id = $1 AND person_id = $2`,
    { type: QueryTypes.SELECT, bind: [bookingId, personId] },
  );
  return row ? { ...row, amount: trimDecimal(row.amount), refunds: await refundsOf(sequelize, row.id) } : null;
}

/** The order, locked for the rest of `transaction`, with its refunds. */
export async function lockOrder(sequelize: Sequelize, orderId: string, transaction: Transaction): Promise<RiderPaymentOrder | null> {
  const [row] = await sequelize.query<PaymentOrderRow>(`SELECT ${ORDER_COLUMNS} FROM ${RIDER_PAYMENTS_SCHEMA}.payment_order WHERE id = $1 FOR UPDATE`, {
    type: QueryTypes.SELECT,
    bind: [orderId],
    transaction,
  });
  return row ? { ...row, amount: trimDecimal(row.amount), refunds: await refundsOf(sequelize, row.id, transaction) } : null;
}

export async function orderStatusOf(sequelize: Sequelize, orderId: string): Promise<{ status: TransactionStatus; status_check_attempts: number } | null> {
  const [row] = await sequelize.query<{ status: TransactionStatus; status_check_attempts: number }>(
    `SELECT status, status_check_attempts FROM ${RIDER_PAYMENTS_SCHEMA}.payment_order WHERE id = $1`,
    { type: QueryTypes.SELECT, bind: [orderId] },
  );
  return row ?? null;
}

/**
 * The rider app's view of a payment order: never the client auth token.
 * Refunds are listed as read with the order (none for an order read
 * without them: refunds exist only for a cancelled or failed booking).
 */
export function paymentView(order: RiderPaymentOrder) {
  return {
    orderId: order.id,
    shortId: order.short_id,
    bookingId: order.booking_id,
    status: order.status,
    amount: { value: order.amount, currency: order.currency },
    paymentLinks: { web: order.payment_link_web, deepLink: order.payment_link_deep_link },
    clientAuthTokenExpiry: order.client_auth_token_expiry === null ? null : new Date(order.client_auth_token_expiry).toISOString(),
    refunds: (order.refunds ?? []).map((refund) => ({ id: refund.id, amount: { value: refund.amount, currency: order.currency }, status: refund.status })),
  };
}
