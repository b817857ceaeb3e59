import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { Logger } from '../infra/logging/logger.js';
import { PROVIDER_PAYMENTS_SCHEMA as S } from './payment-schemas.js';

export interface PayoutOrderRequest {
  /** The driver paid. */
  customerId: string;
  /** The rides this payout pays. */
  rideIds: readonly string[];
  /** Decimal amount, e.g. "812.5"; never a float. */
  amount: string;
  currency: string;
  /** The failed or cancelled payout whose rides this one pays again. */
  retriedOrderId?: string;
  transaction?: Transaction;
}

export type PayoutOrderOutcome = { outcome: 'created'; id: string } | { outcome: 'refused'; reason: 'RIDE_ALREADY_CLAIMED' };

const LIVE_CLAIM_INDEX = 'payout_order_entity_live_idx';

/**
 * Creates an INITIATED payout order for a driver's rides. The database
 * refuses it when one of the rides already belongs to a payout in flight or
 * paid (migration 0016), whatever else checked before; that refusal is an
 * outcome here, not an error. Inside a caller's transaction it runs in a
 * savepoint, so a refusal leaves the caller's transaction usable.
 */
export async function createPayoutOrder(sequelize: Sequelize, logger: Logger, request: PayoutOrderRequest): Promise<PayoutOrderOutcome> {
  const id = randomUUID();
  try {
    await sequelize.transaction({ ...(request.transaction ? { transaction: request.transaction } : {}) }, (transaction) =>
      sequelize.query(
        `INSERT INTO ${S}.payout_order (id, customer_id, status, entity_name, entity_ids, amount, currency, retried_order_id)
         VALUES ($1, $2, 'INITIATED', 'RIDE', $3::text[], $4::numeric, $5, $6)`,
        { type: QueryTypes.INSERT, bind: [id, request.customerId, request.rideIds, request.amount, request.currency, request.retriedOrderId ?? null], transaction },
      ),
    );
  } catch (error) {
    if (!isLiveClaimClash(error)) throw error;
    logger.warn({ customerId: request.customerId, rideIds: request.rideIds }, 'payout refused: a ride already belongs to a live payout');
    return { outcome: 'refused', reason: 'RIDE_ALREADY_CLAIMED' };
  }
  return { outcome: 'created', id };
}

function isLiveClaimClash(error: unknown): boolean {
  const original = (error as { original?: { code?: string; constraint?: string } }).original;
  return original?.code === '23505' && original.constraint === LIVE_CLAIM_INDEX;
}
