import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { trimDecimal } from '../infra/postgres/index.js';
import { createPaymentOrder, type PaymentOrderRequest } from './create-payment-order.js';
import type { PaymentsSchema } from './payment-schemas.js';
import { allowedFrom } from './transitions.js';

export interface CollectedPaymentRequest extends PaymentOrderRequest {
  /** How the money was taken, e.g. "CASH". */
  paymentMethodType: string;
  transaction: Transaction;
}

/** The CHARGED order and transaction of a collected payment. */
export interface CollectedPayment {
  /** False when the booking's payment was recorded already and this call changed nothing. */
  created: boolean;
  orderId: string;
  /** The transaction's txn_uuid: the reference a Beckn payment's params.transaction_id carries. */
  txnUuid: string;
  amount: string;
  currency: string;
}

/**
 * Records money taken outside a gateway (cash handed to the driver): the
 * booking's payment order and one payment transaction, both CHARGED, with no
 * gateway answer. The order goes through createPaymentOrder, so the
 * booking's one-order unique index makes a repeated call (or a racing one in
 * another transaction) find the recorded payment instead of adding one. An
 * order of the booking that is not a CHARGED one with its transaction is an
 * error: that booking's money is going another way.
 */
export async function recordCollectedPayment(sequelize: Sequelize, schema: PaymentsSchema, request: CollectedPaymentRequest): Promise<CollectedPayment> {
  const { transaction } = request;
  const { created, order } = await createPaymentOrder(sequelize, schema, request);
  if (created) {
    const charged = await sequelize.query(
      `UPDATE ${schema}.payment_order SET status = 'CHARGED', updated_at = now() WHERE id = $1 AND status = ANY($2::text[]) RETURNING id`,
      { type: QueryTypes.SELECT, bind: [order.id, allowedFrom('transaction', 'CHARGED')], transaction },
    );
    if (charged.length === 0) throw new Error(`payment order ${order.id} could not move from ${order.status} to CHARGED`);
    const txnUuid = randomUUID();
    await sequelize.query(
      `INSERT INTO ${schema}.payment_transaction (id, order_id, txn_uuid, status, amount, currency, payment_method_type, juspay_response)
       VALUES ($1, $2, $3, 'CHARGED', $4::numeric, $5, $6, NULL)`,
      { bind: [randomUUID(), order.id, txnUuid, request.amount, request.currency, request.paymentMethodType], transaction },
    );
    return { created: true, orderId: order.id, txnUuid, amount: order.amount, currency: order.currency };
  }
  const [recorded] = await sequelize.query<{ txn_uuid: string; amount: string; currency: string }>(
    `SELECT txn_uuid, amount::text AS amount, currency FROM ${schema}.payment_transaction
      WHERE order_id = $1 AND status = 'CHARGED' AND payment_method_type = $2 ORDER BY created_at, id LIMIT 1`,
    { type: QueryTypes.SELECT, bind: [order.id, request.paymentMethodType], transaction },
  );
  if (order.status !== 'CHARGED' || !recorded) {
    throw new Error(`booking ${request.bookingId} has payment order ${order.id} in ${order.status}, not a collected ${request.paymentMethodType} payment`);
  }
  return { created: false, orderId: order.id, txnUuid: recorded.txn_uuid, amount: trimDecimal(recorded.amount), currency: recorded.currency };
}
