import type { MessageRecord } from '../../protocol/message-log/index.js';

/**
 * Which records to read. Times bound `started_at`: `from` inclusive, `to`
 * exclusive. `subscriberId` matches the sender or the receiver.
 */
export interface RecordFilter {
  action?: string;
  subscriberId?: string;
  direction?: MessageRecord['direction'];
  status?: 'ACK' | 'NACK';
  from?: Date;
  to?: Date;
}

export interface MessagesQuery extends RecordFilter {
  limit: number;
  /** `nextCursor` of the previous page; an invalid one is refused with VALIDATION_FAILED. */
  cursor?: string;
}

export interface MessagePage {
  records: MessageRecord[];
  /** Null on the last page. */
  nextCursor: string | null;
}

export interface LatencyPercentiles {
  p50: number;
  p90: number;
  p99: number;
}

/**
 * Aggregates over the records started in [from, to). Latency percentiles
 * interpolate linearly over at most 8192 samples per counterpart (exact below
 * that; a uniform sample above), which is what ClickHouse's `quantiles` does.
 */
export interface AuditStats {
  from: string;
  to: string;
  total: number;
  /** Distinct non-empty transaction ids. */
  transactions: number;
  /** status NONE: no answer was recorded (an outbound attempt that failed in transit). */
  by_action: { action: string; status: 'ACK' | 'NACK' | 'NONE'; count: number }[];
  /** NACKs by error code; null for a NACK without a code. Most frequent first. */
  nack_codes: { code: string | null; count: number }[];
  /** The other party: the sender of inbound records, the receiver of outbound ones; null when unknown. */
  counterparts: { counterpart: string | null; count: number; latency_ms: LatencyPercentiles }[];
}

/**
 * Read access to the message log for the compliance API. Every listing is
 * ordered by (started_at, id), the keyset the cursor carries, except export
 * on the file store, which yields the log in the order it was written.
 */
export interface AuditStore {
  /** Every record of the transaction, by started time; empty when there is none. */
  transaction(transactionId: string): Promise<MessageRecord[]>;
  /**
   * One page after the cursor. The cursor is a keyset position, so rows
   * stored later never shift a page: nothing is repeated or skipped.
   */
  messages(query: MessagesQuery): Promise<MessagePage>;
  byId(recordId: string): Promise<MessageRecord | null>;
  /** Records one by one, read from storage as the consumer pulls them. */
  export(filter: RecordFilter): AsyncIterable<MessageRecord>;
  /**
   * As `export`, but `raw_body` may be left empty: for reads that need the
   * records without their bodies (the Merkle leaves, which hash body_sha256).
   */
  exportWithoutBodies(filter: RecordFilter): AsyncIterable<MessageRecord>;
  stats(from: Date, to: Date): Promise<AuditStats>;
}
