import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { Logger } from '../infra/logging/logger.js';
import { trimDecimal } from '../infra/postgres/index.js';
import type { PaymentsSchema } from './payment-schemas.js';
import { shortId } from './short-id.js';

export interface RefundRequest {
  orderId: string;
  /** Decimal amount in the order's currency, e.g. "40.5"; never a float. */
  amount: string;
  /** Names this refund across retries: the same key returns the refund it made the first time. */
  idempotencyKey: string;
  transaction?: Transaction;
}

export interface RefundRow {
  id: string;
  short_id: string;
  order_id: string;
  refund_amount: string;
  status: string;
}

export type RefundOutcome =
  | { outcome: 'created'; refund: RefundRow }
  | { outcome: 'replayed'; refund: RefundRow }
  /** ORDER_NOT_FOUND, NOT_CHARGED (only a CHARGED order is refunded), EXCEEDS_CHARGE, or KEY_REUSED (same key, another order or amount). */
  | { outcome: 'refused'; reason: 'ORDER_NOT_FOUND' | 'NOT_CHARGED' | 'EXCEEDS_CHARGE' | 'KEY_REUSED' };

const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * Records a PENDING refund only if every refund of the order not FAILED,
 * plus this one, stays within what was charged. The order's row is locked
 * FOR UPDATE first, so concurrent refunds of one order are judged one after
 * the other and two that together exceed the charge cannot both pass. The
 * sums are done by Postgres on numeric, never in floating point.
 */
export async function createRefund(sequelize: Sequelize, logger: Logger, schema: PaymentsSchema, request: RefundRequest): Promise<RefundOutcome> {
  if (!DECIMAL.test(request.amount)) throw new RangeError(`refund amount must be a positive decimal, got ${JSON.stringify(request.amount)}`);
  const run = (transaction: Transaction) => createLocked(sequelize, logger, schema, request, transaction);
  return request.transaction ? run(request.transaction) : sequelize.transaction(run);
}

async function createLocked(sequelize: Sequelize, logger: Logger, schema: PaymentsSchema, request: RefundRequest, transaction: Transaction): Promise<RefundOutcome> {
  const { orderId, amount, idempotencyKey } = request;
  const select = <T extends object>(sql: string, bind: unknown[]) => sequelize.query<T>(sql, { type: QueryTypes.SELECT, bind, transaction });
  const [order] = await select<{ status: string }>(`SELECT status FROM ${schema}.payment_order WHERE id = $1 FOR UPDATE`, [orderId]);
  if (!order) return { outcome: 'refused', reason: 'ORDER_NOT_FOUND' };

  const returning = 'id, short_id, order_id, refund_amount::text AS refund_amount, status';
  const [earlier] = await select<RefundRow>(`SELECT ${returning} FROM ${schema}.refunds WHERE idempotency_key = $1`, [idempotencyKey]);
  if (earlier) {
    const same = earlier.order_id === orderId && trimDecimal(earlier.refund_amount) === trimDecimal(amount);
    return same ? { outcome: 'replayed', refund: { ...earlier, refund_amount: trimDecimal(earlier.refund_amount) } } : { outcome: 'refused', reason: 'KEY_REUSED' };
  }
  if (order.status !== 'CHARGED') return { outcome: 'refused', reason: 'NOT_CHARGED' };

  const [created] = await select<RefundRow>(
    `INSERT INTO ${schema}.refunds (id, short_id, order_id, refund_amount, status, idempotency_key)
     SELECT $1, $2, o.id, $3::numeric, 'PENDING', $4 FROM ${schema}.payment_order o
      WHERE o.id = $5
        AND (SELECT coalesce(sum(r.refund_amount), 0) FROM ${schema}.refunds r WHERE r.order_id = o.id AND r.status <> 'FAILURE') + $3::numeric <= o.amount
     RETURNING ${returning}`,
    [randomUUID(), shortId(), amount, idempotencyKey, orderId],
  );
  if (!created) {
    logger.warn({ schema, orderId, amount }, 'refund refused: refunds would exceed the charge');
    return { outcome: 'refused', reason: 'EXCEEDS_CHARGE' };
  }
  return { outcome: 'created', refund: { ...created, refund_amount: trimDecimal(created.refund_amount) } };
}
