import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { BPP_SCHEMA } from '../models/index.js';
import type { SelectedEstimate } from './allocation-data.js';

export type AllocationStatus = 'SEARCHING' | 'ASSIGNED' | 'FAILED';

export interface NewAllocation {
  id: string;
  estimate: SelectedEstimate;
  transactionId: string;
  selectContext: unknown;
  offerExpiryMs: number;
  offers: { id: string; driverId: string; distanceMeters: number }[];
}

const existingSql = `SELECT id, status FROM ${BPP_SCHEMA}.allocation WHERE estimate_id = $1 FOR UPDATE`;

/** The allocation of an estimate (row locked), if a select created one already. */
export async function lockExistingAllocation(
  sequelize: Sequelize,
  transaction: Transaction,
  estimateId: string,
): Promise<{ id: string; status: AllocationStatus } | null> {
  const [row] = await sequelize.query<{ id: string; status: AllocationStatus }>(existingSql, { type: QueryTypes.SELECT, bind: [estimateId], transaction });
  return row ?? null;
}

export async function deleteAllocation(sequelize: Sequelize, transaction: Transaction, id: string): Promise<void> {
  await sequelize.query(`DELETE FROM ${BPP_SCHEMA}.allocation WHERE id = $1`, { bind: [id], transaction });
}

/** Stores the allocation and its offers; both expire `offerExpiryMs` after the transaction's clock. Returns the deadline. */
export async function createAllocation(sequelize: Sequelize, transaction: Transaction, input: NewAllocation): Promise<Date> {
  const [row] = await sequelize.query<{ deadline: Date }>(
    `INSERT INTO ${BPP_SCHEMA}.allocation (
       id, estimate_id, search_request_id, transaction_id, select_context, status, currency, quoted_value, deadline
     ) VALUES ($1, $2, $3, $4, $5::jsonb, 'SEARCHING', $6, $7, now() + make_interval(secs => $8::double precision / 1000))
     RETURNING deadline`,
    {
      type: QueryTypes.SELECT,
      bind: [
        input.id,
        input.estimate.id,
        input.estimate.searchRequestId,
        input.transactionId,
        JSON.stringify(input.selectContext),
        input.estimate.currency,
        input.estimate.value,
        input.offerExpiryMs,
      ],
      transaction,
    },
  );
  if (!row) throw new Error('allocation insert returned no row');
  for (const offer of input.offers) {
    await sequelize.query(
      `INSERT INTO ${BPP_SCHEMA}.ride_offer (id, allocation_id, estimate_id, search_request_id, driver_id, distance_meters, status, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'OFFERED', $7)`,
      {
        bind: [offer.id, input.id, input.estimate.id, input.estimate.searchRequestId, offer.driverId, Math.round(offer.distanceMeters), row.deadline],
        transaction,
      },
    );
  }
  return row.deadline;
}

/**
 * Fails an allocation nobody accepted and expires its open offers. Settled
 * allocations (assigned, failed already, or gone) are left as they are, so
 * the timeout job may run any number of times.
 */
export async function expireAllocation(sequelize: Sequelize, allocationId: string): Promise<boolean> {
  return sequelize.transaction(async (transaction) => {
    const [row] = await sequelize.query<{ status: AllocationStatus }>(`SELECT status FROM ${BPP_SCHEMA}.allocation WHERE id = $1 FOR UPDATE`, {
      type: QueryTypes.SELECT,
      bind: [allocationId],
      transaction,
    });
    if (row?.status !== 'SEARCHING') return false;
    await sequelize.query(`UPDATE ${BPP_SCHEMA}.allocation SET status = 'FAILED', updated_at = now() WHERE id = $1`, { bind: [allocationId], transaction });
    await sequelize.query(`UPDATE ${BPP_SCHEMA}.ride_offer SET status = 'EXPIRED', updated_at = now() WHERE allocation_id = $1 AND status = 'OFFERED'`, {
      bind: [allocationId],
      transaction,
    });
    return true;
  });
}
