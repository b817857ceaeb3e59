import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { BecknContext } from '../../protocol/inbound/index.js';
import { BPP_SCHEMA } from '../models/index.js';
import type { Candidate, SelectedEstimate } from './allocation-data.js';
import { recordOfferAnswers } from '../business-events.js';

export type AllocationStatus = 'SEARCHING' | 'ASSIGNED' | 'FAILED';

/** How an allocation offers its ride; kept on the allocation so every step offers the same way. */
export interface AllocationTuning {
  /** Drivers offered the ride at once. */
  batchSize: number;
  /** How long the offers of a batch stay open. */
  offerExpiryMs: number;
  /** Drivers farther than this from the pickup get no offer. */
  offerRadiusMeters: number;
  /** A driver holding this many open offers (of any allocation) gets no more. */
  maxOffersPerDriver: number;
}

export interface NewAllocation {
  id: string;
  estimate: SelectedEstimate;
  transactionId: string;
  selectContext: BecknContext;
  /** The allocation fails when nobody accepted this long after the transaction's clock. */
  windowMs: number;
  tuning: AllocationTuning;
}

/** An allocation under its row lock, as the steps of allocation see it. */
export interface LockedAllocation {
  id: string;
  estimateId: string;
  status: AllocationStatus;
  driverId: string | null;
  /** The current batch (1 for the select's); batches count on across rounds. */
  batch: number;
  /** 1 while the select's search runs; 2 and on once its confirmed booking looks for a driver again after a driver cancelled. */
  round: number;
  /** The reason the driver whose cancel started this round gave (null in round 1). */
  reallocationReasonCode: string | null;
  tuning: AllocationTuning;
  /** The end of the allocation window. */
  deadline: Date;
  /** True when the window ended by the database clock. */
  windowEnded: boolean;
  /** The select being answered: the eventual on_select carries its message_id. */
  selectContext: BecknContext;
}

interface AllocationRow {
  id: string;
  estimate_id: string;
  status: AllocationStatus;
  driver_id: string | null;
  batch: number;
  round: number;
  reallocation_reason_code: string | null;
  batch_size: number;
  offer_expiry_ms: number;
  offer_radius_meters: number;
  max_driver_offers: number;
  deadline: Date;
  window_ended: boolean;
  select_context: BecknContext;
}

const lockColumns = `id, estimate_id, status, driver_id, batch, round, reallocation_reason_code, batch_size, offer_expiry_ms, offer_radius_meters,
  max_driver_offers, deadline, deadline <= now() AS window_ended, select_context`;

const toLocked = (row: AllocationRow): LockedAllocation => ({
  id: row.id,
  estimateId: row.estimate_id,
  status: row.status,
  driverId: row.driver_id,
  batch: row.batch,
  round: row.round,
  reallocationReasonCode: row.reallocation_reason_code,
  tuning: {
    batchSize: row.batch_size,
    offerExpiryMs: row.offer_expiry_ms,
    offerRadiusMeters: row.offer_radius_meters,
    maxOffersPerDriver: row.max_driver_offers,
  },
  deadline: new Date(row.deadline),
  windowEnded: row.window_ended,
  selectContext: row.select_context,
});

/** The allocation (row locked), or null when there is none. */
export async function lockAllocation(sequelize: Sequelize, transaction: Transaction, allocationId: string): Promise<LockedAllocation | null> {
  const [row] = await sequelize.query<AllocationRow>(`SELECT ${lockColumns} FROM ${BPP_SCHEMA}.allocation WHERE id = $1 FOR UPDATE`, {
    type: QueryTypes.SELECT,
    bind: [allocationId],
    transaction,
  });
  return row ? toLocked(row) : null;
}

/** The allocation of an estimate (row locked), if a select created one already. */
export async function lockExistingAllocation(sequelize: Sequelize, transaction: Transaction, estimateId: string): Promise<LockedAllocation | null> {
  const [row] = await sequelize.query<AllocationRow>(`SELECT ${lockColumns} FROM ${BPP_SCHEMA}.allocation WHERE estimate_id = $1 FOR UPDATE`, {
    type: QueryTypes.SELECT,
    bind: [estimateId],
    transaction,
  });
  return row ? toLocked(row) : null;
}

export async function deleteAllocation(sequelize: Sequelize, transaction: Transaction, id: string): Promise<void> {
  await sequelize.query(`DELETE FROM ${BPP_SCHEMA}.allocation WHERE id = $1`, { bind: [id], transaction });
}

/** A repeated select is the one the eventual on_select answers. */
export async function updateSelectContext(sequelize: Sequelize, transaction: Transaction, id: string, context: BecknContext): Promise<void> {
  await sequelize.query(`UPDATE ${BPP_SCHEMA}.allocation SET select_context = $2::jsonb, updated_at = now() WHERE id = $1`, {
    bind: [id, JSON.stringify(context)],
    transaction,
  });
}

/** Stores a SEARCHING allocation before its first batch is offered; its window ends `windowMs` after the transaction's clock. */
export async function createAllocation(sequelize: Sequelize, transaction: Transaction, input: NewAllocation): Promise<void> {
  await sequelize.query(
    `INSERT INTO ${BPP_SCHEMA}.allocation (
       id, estimate_id, search_request_id, transaction_id, select_context, status, currency, quoted_value, deadline,
       batch, batch_size, offer_expiry_ms, offer_radius_meters, max_driver_offers
     ) VALUES ($1, $2, $3, $4, $5::jsonb, 'SEARCHING', $6, $7, now() + make_interval(secs => $8::double precision / 1000), 1, $9, $10, $11, $12)`,
    {
      bind: [
        input.id,
        input.estimate.id,
        input.estimate.searchRequestId,
        input.transactionId,
        JSON.stringify(input.selectContext),
        input.estimate.currency,
        input.estimate.value,
        input.windowMs,
        input.tuning.batchSize,
        input.tuning.offerExpiryMs,
        input.tuning.offerRadiusMeters,
        input.tuning.maxOffersPerDriver,
      ],
      transaction,
    },
  );
}

/**
 * Offers the ride to a batch: each offer stays open `offerExpiryMs`, never
 * past the allocation window. Makes `batch` the allocation's current batch
 * and returns when its offers expire.
 */
export async function offerBatch(
  sequelize: Sequelize,
  transaction: Transaction,
  input: { allocationId: string; estimate: SelectedEstimate; batch: number; round: number; offerExpiryMs: number; offers: (Candidate & { id: string })[] },
): Promise<Date> {
  const [row] = await sequelize.query<{ expires_at: Date }>(
    `UPDATE ${BPP_SCHEMA}.allocation SET batch = $2, updated_at = now() WHERE id = $1
     RETURNING least(deadline, now() + make_interval(secs => $3::double precision / 1000)) AS expires_at`,
    { type: QueryTypes.SELECT, bind: [input.allocationId, input.batch, input.offerExpiryMs], transaction },
  );
  if (!row) throw new Error(`allocation ${input.allocationId} not found`);
  for (const offer of input.offers) {
    await sequelize.query(
      `INSERT INTO ${BPP_SCHEMA}.ride_offer (id, allocation_id, estimate_id, search_request_id, driver_id, distance_meters, status, expires_at, batch, round)
       VALUES ($1, $2, $3, $4, $5, $6, 'OFFERED', $7, $8, $9)`,
      {
        bind: [
          offer.id,
          input.allocationId,
          input.estimate.id,
          input.estimate.searchRequestId,
          offer.driverId,
          Math.round(offer.distanceMeters),
          row.expires_at,
          input.batch,
          input.round,
        ],
        transaction,
      },
    );
  }
  return new Date(row.expires_at);
}

/** Marks offers EXPIRED (those `where` picks among the allocation's open ones) and records quote.declined_by_driver EXPIRED for each. */
async function expireOffers(sequelize: Sequelize, transaction: Transaction, allocationId: string, where: string): Promise<void> {
  const expired = await sequelize.query<{ id: string; driver_id: string }>(
    `UPDATE ${BPP_SCHEMA}.ride_offer SET status = 'EXPIRED', updated_at = now()
      WHERE allocation_id = $1 AND status = 'OFFERED'${where} RETURNING id, driver_id`,
    { type: QueryTypes.SELECT, bind: [allocationId], transaction },
  );
  await recordOfferAnswers(sequelize, transaction, allocationId, expired.map((o) => ({ offerId: o.id, driverId: o.driver_id })), 'EXPIRED');
}

/** Marks the allocation's offers that expired by now as EXPIRED. */
export async function expireDueOffers(sequelize: Sequelize, transaction: Transaction, allocationId: string): Promise<void> {
  await expireOffers(sequelize, transaction, allocationId, ' AND expires_at <= now()');
}

/** When the last still-open offer of the allocation expires, or null when none is open. */
export async function openOffersUntil(sequelize: Sequelize, transaction: Transaction, allocationId: string): Promise<Date | null> {
  const [row] = await sequelize.query<{ until: Date | null }>(
    `SELECT max(expires_at) AS until FROM ${BPP_SCHEMA}.ride_offer WHERE allocation_id = $1 AND status = 'OFFERED' AND expires_at > now()`,
    { type: QueryTypes.SELECT, bind: [allocationId], transaction },
  );
  return row?.until ? new Date(row.until) : null;
}

/** Fails the allocation and expires whatever offer is still open. */
export async function markFailed(sequelize: Sequelize, transaction: Transaction, allocationId: string): Promise<void> {
  await sequelize.query(`UPDATE ${BPP_SCHEMA}.allocation SET status = 'FAILED', updated_at = now() WHERE id = $1`, { bind: [allocationId], transaction });
  await expireOffers(sequelize, transaction, allocationId, '');
}

/**
 * Starts a new round of a confirmed booking's allocation after its driver
 * cancelled: SEARCHING again with no driver, the round's window ending
 * `windowMs` after the database clock, and the driver's reason kept for the
 * cancellation should nobody accept. Returns the round.
 */
export async function startReallocationRound(
  sequelize: Sequelize,
  transaction: Transaction,
  input: { allocationId: string; windowMs: number; reasonCode: string },
): Promise<number> {
  const [row] = await sequelize.query<{ round: number }>(
    `UPDATE ${BPP_SCHEMA}.allocation
        SET status = 'SEARCHING', driver_id = NULL, round = round + 1, reallocation_reason_code = $3,
            deadline = now() + make_interval(secs => $2::double precision / 1000), updated_at = now()
      WHERE id = $1
      RETURNING round`,
    { type: QueryTypes.SELECT, bind: [input.allocationId, input.windowMs, input.reasonCode], transaction },
  );
  if (!row) throw new Error(`allocation ${input.allocationId} not found`);
  return row.round;
}
