import type { TraceCarrier } from '../../infra/tracing/index.js';

/** Which of our roles sends the message, and so whose key signs it. */
export type OutboundRole = 'bap' | 'bpp' | 'gateway';

export const outboundRoles: readonly OutboundRole[] = ['bap', 'bpp', 'gateway'];

export type OutboxStatus = 'pending' | 'delivered' | 'dead';

export interface OutboxEntryInput {
  role: OutboundRole;
  /** The Beckn action, e.g. `search` or `on_confirm`; callbacks start with `on_`. */
  action: string;
  /** Full URL to POST to: the receiver's subscriber URL plus the action. */
  targetUrl: string;
  /** The exact bytes to send; stored and sent as is. */
  body: Uint8Array;
  /** Taken from the body's context when omitted. */
  transactionId?: string | null;
  messageId?: string | null;
  /**
   * Headers sent with every attempt besides our signature, lower-cased on
   * storage. An `authorization` here (a BAP's, forwarded by the gateway) is
   * sent unchanged and our signature goes into `x-gateway-authorization`.
   */
  extraHeaders?: Record<string, string>;
  /** Defaults to the outbox's `defaultMaxAttempts`. */
  maxAttempts?: number;
  /** First attempt no earlier than this; now when omitted. */
  notBefore?: Date;
}

export interface OutboxEntry {
  id: string;
  role: OutboundRole;
  action: string;
  targetUrl: string;
  transactionId: string | null;
  messageId: string | null;
  body: Buffer;
  extraHeaders: Record<string, string>;
  status: OutboxStatus;
  /** Attempts started so far; a claimed entry carries the number of the attempt it is for. */
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: Date;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  lastError: string | null;
  lastHttpStatus: number | null;
  deadReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
  /** The trace context active when the message was queued; its deliveries continue that trace. */
  traceContext: TraceCarrier | null;
}

/** A row of `beckn_protocol.outbox` as the pg driver returns it. */
export interface OutboxRow {
  id: string;
  role: OutboundRole;
  action: string;
  target_url: string;
  transaction_id: string | null;
  message_id: string | null;
  body: Buffer;
  extra_headers: Record<string, string> | null;
  status: OutboxStatus;
  attempts: number;
  max_attempts: number;
  next_attempt_at: Date;
  lease_owner: string | null;
  lease_until: Date | null;
  last_error: string | null;
  last_http_status: number | null;
  dead_reason: string | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
  trace_context: TraceCarrier | null;
}

export function entryFromRow(row: OutboxRow): OutboxEntry {
  return {
    id: row.id,
    role: row.role,
    action: row.action,
    targetUrl: row.target_url,
    transactionId: row.transaction_id,
    messageId: row.message_id,
    body: row.body,
    extraHeaders: row.extra_headers ?? {},
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    nextAttemptAt: row.next_attempt_at,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
    lastError: row.last_error,
    lastHttpStatus: row.last_http_status,
    deadReason: row.dead_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deliveredAt: row.delivered_at,
    traceContext: row.trace_context ?? null,
  };
}
