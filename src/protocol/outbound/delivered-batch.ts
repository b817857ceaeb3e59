import { QueryTypes, type Sequelize } from 'sequelize';
import { createGroupCommit } from '../../infra/group-commit/index.js';

/** A delivered entry waiting for the batch that records it; `ours` is set by that batch. */
export interface DeliveredEntry {
  id: string;
  owner: string;
  httpStatus: number;
  at: Date;
  ours?: boolean;
}

/**
 * Deliveries finished while one update runs are recorded together by the
 * next, one UPDATE (one commit) for the batch instead of one per callback.
 * Each row changes only while its worker still holds the lease, as the
 * single-row transition does; `ours` tells each caller whether it did.
 */
export function createDeliveredBatch(sequelize: Sequelize) {
  return createGroupCommit<DeliveredEntry>(async (batch) => {
    const changed = await sequelize.query<{ id: string }>(
      `UPDATE beckn_protocol.outbox AS o
          SET status = 'delivered', delivered_at = d.at, last_http_status = d.http_status, last_error = NULL,
              lease_owner = NULL, lease_until = NULL, updated_at = d.at
         FROM unnest($1::uuid[], $2::text[], $3::integer[], $4::timestamptz[]) AS d(id, owner, http_status, at)
        WHERE o.id = d.id AND o.lease_owner = d.owner AND o.status = 'pending'
        RETURNING o.id`,
      {
        bind: [batch.map((e) => e.id), batch.map((e) => e.owner), batch.map((e) => e.httpStatus), batch.map((e) => e.at)],
        type: QueryTypes.SELECT,
      },
    );
    const ours = new Set(changed.map((row) => row.id));
    for (const entry of batch) entry.ours = ours.has(entry.id);
  });
}
