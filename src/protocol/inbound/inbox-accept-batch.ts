import { QueryTypes, type Sequelize } from 'sequelize';
import { createGroupCommit } from '../../infra/group-commit/index.js';

/** One accepted message waiting for the batch that stores it; `stored` is set by that batch. */
export interface PendingAccept {
  id: string;
  role: 'bap' | 'bpp';
  action: string;
  transactionId: string;
  messageId: string;
  sender: string | null;
  body: Buffer;
  receivedAt: Date;
  traceContext: string | null;
  stored?: boolean;
}

const table = 'beckn_protocol.inbox';

/**
 * Inbox inserts of concurrent requests committed together: whatever arrives
 * while one statement runs goes into the next, as one multi-row INSERT (one
 * commit, one WAL flush) instead of one per message. Each message is stored
 * unless the inbox already holds it (same role, sender, action, transaction
 * and message_id) or an earlier message of the same batch is it, exactly as
 * the single-row insert decided; `stored` tells each caller which it was.
 */
export function createInboxAcceptBatch(options: { sequelize: Sequelize; clock: () => Date; maxAttempts: number }) {
  const { sequelize, clock } = options;
  return createGroupCommit<PendingAccept>(async (batch) => {
    const now = clock();
    const column = <K extends keyof PendingAccept>(key: K) => batch.map((entry) => entry[key]);
    // DISTINCT ON keeps the first of identical messages within the batch; NOT EXISTS skips those held already.
    const inserted = await sequelize.query<{ id: string }>(
      `INSERT INTO ${table} (id, role, action, transaction_id, message_id, sender, body, max_attempts, next_attempt_at, received_at, updated_at, trace_context)
       SELECT DISTINCT ON (i.transaction_id, i.message_id, i.role, i.action, i.sender)
              i.id, i.role, i.action, i.transaction_id, i.message_id, i.sender, i.body, $9::integer, $10::timestamptz, i.received_at, $10::timestamptz, i.trace_context::jsonb
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[], $8::timestamptz[], $11::text[])
              WITH ORDINALITY AS i(id, role, action, transaction_id, message_id, sender, body, received_at, trace_context, position)
        WHERE NOT EXISTS (SELECT 1 FROM ${table} AS held
                           WHERE held.transaction_id = i.transaction_id AND held.message_id = i.message_id AND held.role = i.role
                             AND held.action = i.action AND held.sender IS NOT DISTINCT FROM i.sender)
        ORDER BY i.transaction_id, i.message_id, i.role, i.action, i.sender, i.position
       RETURNING id`,
      {
        bind: [
          column('id'),
          column('role'),
          column('action'),
          column('transactionId'),
          column('messageId'),
          column('sender'),
          column('body'),
          column('receivedAt'),
          options.maxAttempts,
          now,
          column('traceContext'),
        ],
        type: QueryTypes.SELECT,
      },
    );
    const stored = new Set(inserted.map((row) => row.id));
    for (const entry of batch) entry.stored = stored.has(entry.id);
  });
}
