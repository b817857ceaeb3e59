import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { Logger } from '../infra/logging/logger.js';
import { PROVIDER_PAYMENTS_SCHEMA, type PaymentsSchema } from './payment-schemas.js';
import type { StatusKind, StatusOf } from './statuses.js';
import { allowedFrom } from './transitions.js';

export interface TransitionRequest<S> {
  /** Id of the payment order, payment transaction, refund or payout order. */
  id: string;
  to: S;
  transaction?: Transaction;
}

export type TransitionOutcome<S> =
  | { outcome: 'applied' }
  /** The row already had `to`: a replayed webhook or a status check that lost the race; nothing to do. */
  | { outcome: 'unchanged' }
  /** `to` is not reachable from the row's status; nothing was written. */
  | { outcome: 'refused'; from: S }
  | { outcome: 'not_found' };

interface StatusTable<K extends StatusKind> {
  kind: K;
  table: string;
}

/**
 * Moves one row's status in a single guarded UPDATE (status IN the statuses
 * `to` is allowed from), so a webhook and a status check racing on the same
 * row both go through here and at most one of them applies; the other sees
 * the row already moved. Only when nothing was updated is the status read,
 * to tell a no-op from a refusal.
 */
async function transition<K extends StatusKind>(
  sequelize: Sequelize,
  logger: Logger,
  schema: PaymentsSchema,
  { kind, table }: StatusTable<K>,
  { id, to, transaction }: TransitionRequest<StatusOf[K]>,
): Promise<TransitionOutcome<StatusOf[K]>> {
  const moved = await sequelize.query(
    `UPDATE ${schema}.${table} SET status = $2, updated_at = now() WHERE id = $1 AND status = ANY($3::text[]) RETURNING id`,
    { type: QueryTypes.SELECT, bind: [id, to, allowedFrom(kind, to)], ...(transaction ? { transaction } : {}) },
  );
  if (moved.length > 0) return { outcome: 'applied' };
  const [row] = await sequelize.query<{ status: StatusOf[K] }>(`SELECT status FROM ${schema}.${table} WHERE id = $1`, {
    type: QueryTypes.SELECT,
    bind: [id],
    ...(transaction ? { transaction } : {}),
  });
  if (!row) return { outcome: 'not_found' };
  if (row.status === to) return { outcome: 'unchanged' };
  logger.warn({ table: `${schema}.${table}`, id, from: row.status, to }, 'payment status transition refused');
  return { outcome: 'refused', from: row.status };
}

export function transitionPaymentOrder(sequelize: Sequelize, logger: Logger, schema: PaymentsSchema, request: TransitionRequest<StatusOf['transaction']>) {
  return transition(sequelize, logger, schema, { kind: 'transaction', table: 'payment_order' }, request);
}

export function transitionPaymentTransaction(sequelize: Sequelize, logger: Logger, schema: PaymentsSchema, request: TransitionRequest<StatusOf['transaction']>) {
  return transition(sequelize, logger, schema, { kind: 'transaction', table: 'payment_transaction' }, request);
}

export function transitionRefund(sequelize: Sequelize, logger: Logger, schema: PaymentsSchema, request: TransitionRequest<StatusOf['refund']>) {
  return transition(sequelize, logger, schema, { kind: 'refund', table: 'refunds' }, request);
}

/** Payouts exist on the provider side only. */
export function transitionPayoutOrder(sequelize: Sequelize, logger: Logger, request: TransitionRequest<StatusOf['payout']>) {
  return transition(sequelize, logger, PROVIDER_PAYMENTS_SCHEMA, { kind: 'payout', table: 'payout_order' }, request);
}
