import type { Transaction } from 'sequelize';
import { RIDER_PAYMENTS_SCHEMA, transitionPaymentOrder, type TransactionStatus, type TransitionOutcome } from '../../payments/index.js';
import type { BapDeps } from '../bap-deps.js';

/** A payment the rider started whose end the gateway has not told yet: the status check keeps asking about these. */
export const IN_PROGRESS_STATUSES: readonly TransactionStatus[] = ['STARTED', 'PENDING_VBV', 'AUTHORIZING'];

/**
 * Moves the order to what the gateway's status read says, through the
 * guarded transition, inside `transaction` (which records why: the webhook
 * event or the status check). A status the order cannot reach from where it
 * is is refused and logged by the transition, never applied.
 */
export async function applyGatewayStatus(
  deps: Pick<BapDeps, 'sequelize' | 'logger'>,
  transaction: Transaction,
  orderId: string,
  status: TransactionStatus,
): Promise<TransitionOutcome<TransactionStatus>> {
  const outcome = await transitionPaymentOrder(deps.sequelize, deps.logger, RIDER_PAYMENTS_SCHEMA, { id: orderId, to: status, transaction });
  if (outcome.outcome === 'applied') deps.logger.info({ paymentOrderId: orderId, status }, 'payment order status changed');
  return outcome;
}
