import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { Logger } from '../infra/logging/logger.js';
import type { PaymentsSchema } from './payment-schemas.js';
import type { TransactionStatus } from './statuses.js';
import { transitionPaymentTransaction } from './transition-status.js';

/** One payment attempt as the gateway reports it (its txn_uuid names the attempt). */
export interface PaymentAttempt {
  orderId: string;
  txnUuid: string;
  txnId: string | null;
  status: TransactionStatus;
  amount: string;
  currency: string;
  paymentMethodType: string | null;
  paymentMethod: string | null;
  gatewayReferenceId: string | null;
  bankErrorCode: string | null;
  bankErrorMessage: string | null;
  /** The gateway's answer as it sent it (juspay_response), or null for a payment no gateway took (cash). */
  gatewayResponse: string | null;
  transaction: Transaction;
}

export type AttemptOutcome = 'created' | 'applied' | 'unchanged' | 'refused';

/**
 * Records an attempt in payment_transaction in the caller's transaction:
 * the first report of a txn_uuid inserts it in the reported status; a later
 * one moves it through the guarded transition (an impossible move is
 * refused and logged, the row kept) and, when it moved, keeps the newer
 * gateway answer and bank error. Reports replayed in any order leave one
 * row per attempt; retry_count is how many attempts the order had before.
 */
export async function recordPaymentAttempt(sequelize: Sequelize, logger: Logger, schema: PaymentsSchema, attempt: PaymentAttempt): Promise<AttemptOutcome> {
  const { transaction } = attempt;
  const inserted = await sequelize.query(
    `INSERT INTO ${schema}.payment_transaction (id, order_id, txn_uuid, txn_id, status, amount, currency, payment_method_type, payment_method,
       gateway_reference_id, bank_error_code, bank_error_message, juspay_response, retry_count)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb,
             (SELECT count(*)::int FROM ${schema}.payment_transaction WHERE order_id = $2))
     ON CONFLICT (txn_uuid) DO NOTHING RETURNING id`,
    {
      type: QueryTypes.SELECT,
      bind: [
        randomUUID(),
        attempt.orderId,
        attempt.txnUuid,
        attempt.txnId,
        attempt.status,
        attempt.amount,
        attempt.currency,
        attempt.paymentMethodType,
        attempt.paymentMethod,
        attempt.gatewayReferenceId,
        attempt.bankErrorCode,
        attempt.bankErrorMessage,
        attempt.gatewayResponse,
      ],
      transaction,
    },
  );
  if (inserted.length > 0) return 'created';
  const [row] = await sequelize.query<{ id: string; order_id: string }>(`SELECT id, order_id FROM ${schema}.payment_transaction WHERE txn_uuid = $1 FOR UPDATE`, {
    type: QueryTypes.SELECT,
    bind: [attempt.txnUuid],
    transaction,
  });
  if (!row) throw new Error(`payment transaction ${attempt.txnUuid} vanished`);
  if (row.order_id !== attempt.orderId) {
    logger.warn({ txnUuid: attempt.txnUuid, orderId: attempt.orderId, recordedFor: row.order_id }, 'payment attempt reported for another order; ignored');
    return 'refused';
  }
  const moved = await transitionPaymentTransaction(sequelize, logger, schema, { id: row.id, to: attempt.status, transaction });
  if (moved.outcome === 'applied') {
    await sequelize.query(
      `UPDATE ${schema}.payment_transaction SET txn_id = COALESCE($2, txn_id), bank_error_code = $3, bank_error_message = $4,
              juspay_response = COALESCE($5::jsonb, juspay_response), updated_at = now()
        WHERE id = $1`,
      { bind: [row.id, attempt.txnId, attempt.bankErrorCode, attempt.bankErrorMessage, attempt.gatewayResponse], transaction },
    );
  }
  return moved.outcome === 'not_found' ? 'refused' : moved.outcome;
}
