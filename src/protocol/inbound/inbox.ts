import { createHash, randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { currentTraceCarrier, type TraceCarrier } from '../../infra/tracing/index.js';
import type { InboundMessage } from './inbound-message.js';
import { createInboxAcceptBatch, type PendingAccept } from './inbox-accept-batch.js';

export interface InboxEntry {
  id: string;
  role: 'bap' | 'bpp';
  action: string;
  transactionId: string | null;
  messageId: string | null;
  sender: string | null;
  body: Buffer;
  attempts: number;
  maxAttempts: number;
  receivedAt: Date;
  /** The trace context of the request that delivered the message; its handler continues that trace. */
  traceContext?: TraceCarrier | null;
}

interface InboxRow {
  id: string;
  role: 'bap' | 'bpp';
  action: string;
  transaction_id: string | null;
  message_id: string | null;
  sender: string | null;
  body: Buffer;
  attempts: number;
  max_attempts: number;
  received_at: Date;
  trace_context: TraceCarrier | null;
}

export interface Inbox {
  enqueue(entry: Omit<InboxEntry, 'id' | 'attempts' | 'maxAttempts' | 'traceContext'>): Promise<string>;
  /**
   * Stores an accepted inbound message for its handler, unless the inbox
   * holds it already (same role, sender, action, transaction and
   * message_id): then nothing is stored and the held body's SHA-256 is
   * answered, so a retry whose duplicate claim was lost runs no second time.
   */
  accept(role: 'bap' | 'bpp', message: InboundMessage): Promise<{ stored: true } | { stored: false; heldBodySha256: string }>;
  /** SHA-256 (hex) of the body of this message (same role, sender, action, message_id) when the inbox holds it, else null. */
  acceptedBodySha256(message: InboundMessage): Promise<string | null>;
  /** Leases due entries to `owner` and counts the attempt; a dead worker's entries come back after the lease. */
  claimDue(owner: string, limit: number, leaseMs: number): Promise<InboxEntry[]>;
  markDone(id: string, owner: string, transaction: Transaction): Promise<boolean>;
  reschedule(id: string, owner: string, error: string, nextAttemptAt: Date): Promise<boolean>;
  markDead(id: string, owner: string, error: string, transaction?: Transaction): Promise<boolean>;
  depth(): Promise<number>;
}

const table = 'beckn_protocol.inbox';

function traceJson(): string | null {
  const carrier = currentTraceCarrier();
  return carrier ? JSON.stringify(carrier) : null;
}

function fromRow(row: InboxRow): InboxEntry {
  return {
    id: row.id,
    role: row.role,
    action: row.action,
    transactionId: row.transaction_id,
    messageId: row.message_id,
    sender: row.sender,
    body: row.body,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    receivedAt: new Date(row.received_at),
    traceContext: row.trace_context ?? null,
  };
}

/** The inbox table; time comes from `clock` (never the database's now()) so leases compare on one clock. */
export function createInbox(options: { sequelize: Sequelize; clock: () => Date; maxAttempts: number }): Inbox {
  const { sequelize, clock } = options;
  const query = <T extends object>(sql: string, bind: unknown[], transaction?: Transaction) =>
    sequelize.query<T>(sql, { bind, type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) });
  const leased = async (sql: string, bind: unknown[], transaction?: Transaction) =>
    (await query<{ id: string }>(sql, bind, transaction)).length > 0;
  const accepts = createInboxAcceptBatch(options);

  const inbox: Inbox = {
    async accept(role, message) {
      const { transaction_id: transactionId, message_id: messageId } = message.context ?? {};
      const sender = message.signer?.subscriberId ?? null;
      const entry = { role, action: message.action, transactionId: transactionId ?? null, messageId: messageId ?? null, sender, body: message.raw, receivedAt: message.startedAt };
      if (!transactionId || !messageId) {
        await inbox.enqueue(entry);
        return { stored: true };
      }
      // Grouped with the inserts of concurrent requests; the insert itself looks for the message (by the indexed transaction_id).
      const pending: PendingAccept = { ...entry, id: randomUUID(), transactionId, messageId, traceContext: traceJson() };
      await accepts.add(pending);
      if (pending.stored) return { stored: true };
      return { stored: false, heldBodySha256: (await inbox.acceptedBodySha256(message)) ?? '' };
    },

    async acceptedBodySha256(message) {
      const { transaction_id: transactionId, message_id: messageId } = message.context ?? {};
      if (message.role === 'gateway' || !transactionId || !messageId) return null;
      // By transaction_id, which is indexed and holds few messages.
      const [row] = await query<{ body: Buffer }>(
        `SELECT body FROM ${table}
          WHERE transaction_id = $1 AND message_id = $2 AND role = $3 AND action = $4 AND sender IS NOT DISTINCT FROM $5
          LIMIT 1`,
        [transactionId, messageId, message.role, message.action, message.signer?.subscriberId ?? null],
      );
      return row ? createHash('sha256').update(row.body).digest('hex') : null;
    },

    async enqueue(entry) {
      const id = randomUUID();
      const now = clock();
      await query(
        `INSERT INTO ${table} (id, role, action, transaction_id, message_id, sender, body, max_attempts, next_attempt_at, received_at, updated_at, trace_context)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $11::jsonb) RETURNING id`,
        [id, entry.role, entry.action, entry.transactionId, entry.messageId, entry.sender, entry.body, options.maxAttempts, now, entry.receivedAt, traceJson()],
      );
      return id;
    },

    async claimDue(owner, limit, leaseMs) {
      const now = clock();
      const rows = await query<InboxRow>(
        `UPDATE ${table} SET attempts = attempts + 1, lease_owner = $1, lease_until = $2, updated_at = $3
          WHERE id IN (SELECT id FROM ${table}
                        WHERE status = 'pending' AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
                        ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED)
          RETURNING id, role, action, transaction_id, message_id, sender, body, attempts, max_attempts, received_at, trace_context`,
        [owner, new Date(now.getTime() + leaseMs), now, limit],
      );
      return rows.map(fromRow).sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
    },

    markDone: (id, owner, transaction) =>
      leased(
        `UPDATE ${table} SET status = 'done', lease_owner = NULL, lease_until = NULL, last_error = NULL, updated_at = $3
          WHERE id = $1 AND lease_owner = $2 AND status = 'pending' RETURNING id`,
        [id, owner, clock()],
        transaction,
      ),

    reschedule: (id, owner, error, nextAttemptAt) =>
      leased(
        `UPDATE ${table} SET next_attempt_at = $4, last_error = $5, lease_owner = NULL, lease_until = NULL, updated_at = $3
          WHERE id = $1 AND lease_owner = $2 AND status = 'pending' RETURNING id`,
        [id, owner, clock(), nextAttemptAt, error],
      ),

    markDead: (id, owner, error, transaction) =>
      leased(
        `UPDATE ${table} SET status = 'dead', last_error = $4, lease_owner = NULL, lease_until = NULL, updated_at = $3
          WHERE id = $1 AND lease_owner = $2 AND status = 'pending' RETURNING id`,
        [id, owner, clock(), error],
        transaction,
      ),

    async depth() {
      const [row] = await query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE status = 'pending'`, []);
      return Number(row?.n ?? 0);
    },
  };
  return inbox;
}
