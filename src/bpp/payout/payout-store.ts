import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { PROVIDER_PAYMENTS_SCHEMA as P, type PayoutOrderStatus } from '../../payments/index.js';
import { BPP_SCHEMA as S } from '../models/index.js';

/** One driver's completed rides that no live or paid payout holds, in one currency. */
export interface UnpaidBatch {
  driver_id: string;
  driver_name: string;
  currency: string;
  ride_ids: string[];
  /** Sum of the rides' final fares, rounded to whole paise (cents): what a gateway can move. */
  amount: string;
  /** The latest failed or cancelled payout that held one of these rides, which this batch pays again. */
  retried_order_id: string | null;
}

/**
 * A ride whose fare the driver took in cash (a CHARGED CASH payment of its
 * booking): the driver holds that money already, so no payout pays it.
 */
export const cashCollectedSql = (booking: string) => `EXISTS (
  SELECT 1 FROM ${P}.payment_order o JOIN ${P}.payment_transaction t ON t.order_id = o.id
   WHERE o.booking_id = ${booking}.id AND t.payment_method_type = 'CASH' AND t.status = 'CHARGED')`;

/**
 * A ride is unpaid while no live payout (payout_order_entity.live) holds it;
 * a ride of a FAILURE or CANCELLED payout is unpaid again; a ride paid in
 * cash to its driver is never paid out. The driver's earnings are the fares
 * as charged: beckn-ride keeps no commission yet.
 */
const unpaidBatchesSql = `
  WITH unpaid AS (
    SELECT r.id::text AS ride_id, r.driver_id, r.final_fare, b.currency, r.ended_at
      FROM ${S}.ride r
      JOIN ${S}.booking b ON b.id = r.booking_id
     WHERE r.status = 'COMPLETED' AND r.final_fare IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM ${P}.payout_order_entity e WHERE e.entity_name = 'RIDE' AND e.entity_id = r.id::text AND e.live)
       AND NOT ${cashCollectedSql('b')}
  )
  SELECT u.driver_id, d.name AS driver_name, u.currency,
         array_agg(u.ride_id ORDER BY u.ended_at, u.ride_id) AS ride_ids,
         round(sum(u.final_fare), 2)::text AS amount,
         (SELECT p.id FROM ${P}.payout_order p JOIN ${P}.payout_order_entity e ON e.payout_order_id = p.id
           WHERE e.entity_name = 'RIDE' AND e.entity_id = ANY(array_agg(u.ride_id)) AND p.status IN ('FAILURE', 'CANCELLED')
           ORDER BY p.created_at DESC LIMIT 1) AS retried_order_id
    FROM unpaid u JOIN ${S}.driver d ON d.id = u.driver_id
   GROUP BY u.driver_id, d.name, u.currency
  HAVING round(sum(u.final_fare), 2) > 0
   ORDER BY u.driver_id, u.currency`;

export async function unpaidBatches(sequelize: Sequelize): Promise<UnpaidBatch[]> {
  return sequelize.query<UnpaidBatch>(unpaidBatchesSql, { type: QueryTypes.SELECT });
}

export interface PayoutRow {
  id: string;
  customer_id: string;
  driver_name: string;
  status: PayoutOrderStatus;
  entity_name: string;
  entity_ids: string[];
  amount: string;
  currency: string;
  payout_service_order_id: string | null;
  last_status_checked_at: Date | null;
  retried_order_id: string | null;
  created_at: Date;
  updated_at: Date;
}

const payoutColumns = `p.id, p.customer_id, d.name AS driver_name, p.status, p.entity_name, p.entity_ids, p.amount::text AS amount, p.currency,
       p.payout_service_order_id, p.last_status_checked_at, p.retried_order_id, p.created_at, p.updated_at`;

export async function payoutById(sequelize: Sequelize, id: string, transaction?: Transaction): Promise<PayoutRow | undefined> {
  const [row] = await sequelize.query<PayoutRow>(
    `SELECT ${payoutColumns} FROM ${P}.payout_order p JOIN ${S}.driver d ON d.id = p.customer_id WHERE p.id = $1`,
    { type: QueryTypes.SELECT, bind: [id], ...(transaction ? { transaction } : {}) },
  );
  return row;
}

/** The newest payouts first, at most `limit`, optionally of one status and one driver. */
export async function listPayouts(sequelize: Sequelize, filter: { status?: string; driverId?: string; limit: number }): Promise<PayoutRow[]> {
  return sequelize.query<PayoutRow>(
    `SELECT ${payoutColumns} FROM ${P}.payout_order p JOIN ${S}.driver d ON d.id = p.customer_id
      WHERE ($1::text IS NULL OR p.status = $1) AND ($2::uuid IS NULL OR p.customer_id = $2)
      ORDER BY p.created_at DESC, p.id LIMIT $3`,
    { type: QueryTypes.SELECT, bind: [filter.status ?? null, filter.driverId ?? null, filter.limit] },
  );
}

/** Keeps the gateway's id of a payout (the first answer wins; a repeated create returns the same id). */
export async function recordGatewayOrderId(sequelize: Sequelize, id: string, gatewayOrderId: string): Promise<void> {
  await sequelize.query(
    `UPDATE ${P}.payout_order SET payout_service_order_id = COALESCE(payout_service_order_id, $2), updated_at = now() WHERE id = $1`,
    { type: QueryTypes.UPDATE, bind: [id, gatewayOrderId] },
  );
}

/** Payouts the gateway has not settled, due for a status check. */
export interface UnsettledPayout {
  id: string;
  customer_id: string;
  driver_name: string;
  status: PayoutOrderStatus;
  amount: string;
  currency: string;
  payout_service_order_id: string | null;
  /** Milliseconds since the payout order was created. */
  age_ms: number;
}

/**
 * Checks back off: a payout is due again once the time since its last check
 * is at least its age at that check (so checks come at doubling intervals),
 * never more than `maxGapMs` apart.
 */
const dueSql = `
  SELECT p.id, p.customer_id, d.name AS driver_name, p.status, p.amount::text AS amount, p.currency, p.payout_service_order_id,
         (extract(epoch FROM now() - p.created_at) * 1000)::float8 AS age_ms
    FROM ${P}.payout_order p JOIN ${S}.driver d ON d.id = p.customer_id
   WHERE p.status IN ('INITIATED', 'PENDING')
     AND (p.last_status_checked_at IS NULL
          OR now() - p.last_status_checked_at >= LEAST(p.last_status_checked_at - p.created_at, $1 * interval '1 millisecond'))
   ORDER BY p.last_status_checked_at NULLS FIRST, p.created_at
   LIMIT $2`;

export async function duePayouts(sequelize: Sequelize, maxGapMs: number, limit: number): Promise<UnsettledPayout[]> {
  return sequelize.query<UnsettledPayout>(dueSql, { type: QueryTypes.SELECT, bind: [maxGapMs, limit] });
}

export async function markStatusChecked(sequelize: Sequelize, id: string, transaction: Transaction): Promise<void> {
  await sequelize.query(`UPDATE ${P}.payout_order SET last_status_checked_at = now() WHERE id = $1`, { type: QueryTypes.UPDATE, bind: [id], transaction });
}
