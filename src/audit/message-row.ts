import type { MessageRecord } from '../protocol/message-log/index.js';

/** A row of `beckn_message_log` (migrations/clickhouse/0001): no Nullable, so absent values are '' or 0. */
export interface MessageRow {
  id: string;
  direction: string;
  role: string;
  action: string;
  url: string;
  transaction_id: string;
  message_id: string;
  domain: string;
  city: string;
  bap_id: string;
  bpp_id: string;
  sender: string;
  receiver: string;
  raw_body: string;
  body_encoding: string;
  body_truncated: number;
  body_sha256: string;
  /** -1 when the record carries no body_size (migrations/clickhouse/0003). */
  body_size: number;
  headers: string;
  signature_verdict: string;
  signature_key_id: string;
  gateway_verdict: string;
  gateway_key_id: string;
  ack: string;
  error_code: string;
  error_type: string;
  error_message: string;
  http_status: number;
  duplicate: number;
  attempt: number;
  /** 'YYYY-MM-DD hh:mm:ss' in UTC, the DateTime text form both ClickHouse versions parse. */
  started_at: string;
  started_at_ms: number;
  finished_at_ms: number;
  latency_ms: number;
  /** '' when the record names no trace (migrations/clickhouse/0007). */
  trace_id: string;
}

/** The columns written by the sink, named so omitted ones take their DEFAULT on every ClickHouse version. */
export const messageRowColumns: readonly (keyof MessageRow)[] = [
  'id', 'direction', 'role', 'action', 'url', 'transaction_id', 'message_id', 'domain', 'city', 'bap_id', 'bpp_id',
  'sender', 'receiver', 'raw_body', 'body_encoding', 'body_truncated', 'body_sha256', 'body_size', 'headers', 'signature_verdict',
  'signature_key_id', 'gateway_verdict', 'gateway_key_id', 'ack', 'error_code', 'error_type', 'error_message',
  'http_status', 'duplicate', 'attempt', 'started_at', 'started_at_ms', 'finished_at_ms', 'latency_ms', 'trace_id',
];

const text = (value: string | null) => value ?? '';

function dateTimeText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export function toMessageRow(record: MessageRecord): MessageRow {
  const startedMs = Date.parse(record.started_at);
  return {
    id: record.id,
    direction: record.direction,
    role: record.role,
    action: record.action,
    url: record.url,
    transaction_id: text(record.transaction_id),
    message_id: text(record.message_id),
    domain: text(record.domain),
    city: text(record.city),
    bap_id: text(record.bap_id),
    bpp_id: text(record.bpp_id),
    sender: text(record.sender),
    receiver: text(record.receiver),
    raw_body: record.raw_body,
    body_encoding: record.body_encoding,
    body_truncated: record.body_truncated ? 1 : 0,
    body_sha256: record.body_sha256,
    body_size: record.body_size ?? -1,
    headers: JSON.stringify(record.headers),
    signature_verdict: record.signature.verdict,
    signature_key_id: text(record.signature.key_id),
    gateway_verdict: record.signature.gateway_verdict,
    gateway_key_id: text(record.signature.gateway_key_id),
    ack: text(record.ack),
    error_code: text(record.error_code),
    error_type: text(record.error_type),
    error_message: text(record.error_message),
    http_status: record.http_status ?? 0,
    duplicate: record.duplicate ? 1 : 0,
    attempt: record.attempt,
    started_at: dateTimeText(startedMs),
    started_at_ms: startedMs,
    finished_at_ms: Date.parse(record.finished_at),
    latency_ms: Math.max(0, Math.round(record.latency_ms)),
    trace_id: record.trace_id ?? '',
  };
}

const orNull = (value: string) => (value === '' ? null : value);

/** Back from a row to the record it was made from (ClickHouse returns UInt64 as a string in JSON). */
export function fromMessageRow(row: MessageRow): MessageRecord {
  return {
    id: row.id,
    direction: row.direction as MessageRecord['direction'],
    role: row.role as MessageRecord['role'],
    action: row.action,
    url: row.url,
    transaction_id: orNull(row.transaction_id),
    message_id: orNull(row.message_id),
    domain: orNull(row.domain),
    city: orNull(row.city),
    bap_id: orNull(row.bap_id),
    bpp_id: orNull(row.bpp_id),
    sender: orNull(row.sender),
    receiver: orNull(row.receiver),
    raw_body: row.raw_body,
    body_encoding: row.body_encoding as MessageRecord['body_encoding'],
    body_truncated: Number(row.body_truncated) === 1,
    body_sha256: row.body_sha256,
    headers: JSON.parse(row.headers) as Record<string, string>,
    signature: {
      verdict: row.signature_verdict as MessageRecord['signature']['verdict'],
      key_id: orNull(row.signature_key_id),
      gateway_verdict: row.gateway_verdict as MessageRecord['signature']['gateway_verdict'],
      gateway_key_id: orNull(row.gateway_key_id),
    },
    ack: orNull(row.ack) as MessageRecord['ack'],
    error_code: orNull(row.error_code),
    error_type: orNull(row.error_type),
    error_message: orNull(row.error_message),
    http_status: Number(row.http_status) === 0 ? null : Number(row.http_status),
    duplicate: Number(row.duplicate) === 1,
    attempt: Number(row.attempt),
    started_at: new Date(Number(row.started_at_ms)).toISOString(),
    finished_at: new Date(Number(row.finished_at_ms)).toISOString(),
    latency_ms: Number(row.latency_ms),
    ...(Number(row.body_size) >= 0 ? { body_size: Number(row.body_size) } : {}),
    ...(row.trace_id ? { trace_id: row.trace_id } : {}),
  };
}
