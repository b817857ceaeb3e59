import type { MessageRecord } from '../../protocol/message-log/index.js';
import { leafHash } from './merkle.js';

/** Names the leaf encoding, so a later one can never be mistaken for it. */
const leafFormat = 'beckn-ride/message-record/1';

const isoMs = (time: string) => new Date(Date.parse(time)).toISOString();

/**
 * The bytes a record contributes to its tree: a JSON array of its fields in
 * a fixed order, the body by its SHA-256 only. Every view of the record
 * yields the same bytes, the masked one included (masking changes `raw_body`
 * alone), and so does every store: times to the millisecond, latency rounded
 * to a whole millisecond, an absent body size or trace id as null, as
 * ClickHouse keeps them. The body itself is tied to `body_sha256` by /verify and by the verifier.
 */
export function recordLeafBytes(record: MessageRecord): Buffer {
  const headers = Object.entries(record.headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(
    JSON.stringify([
      leafFormat,
      record.id,
      isoMs(record.started_at),
      isoMs(record.finished_at),
      Math.round(record.latency_ms),
      record.direction,
      record.role,
      record.action,
      record.url,
      record.transaction_id,
      record.message_id,
      record.domain,
      record.city,
      record.bap_id,
      record.bpp_id,
      record.sender,
      record.receiver,
      record.body_encoding,
      record.body_truncated,
      record.body_sha256,
      record.body_size ?? null,
      headers,
      record.signature.verdict,
      record.signature.key_id,
      record.signature.gateway_verdict,
      record.signature.gateway_key_id,
      record.ack,
      record.error_code,
      record.error_type,
      record.error_message,
      record.http_status,
      record.duplicate,
      record.attempt,
      record.trace_id ?? null,
    ]),
    'utf8',
  );
}

export function recordLeafHash(record: MessageRecord): Buffer {
  return leafHash(recordLeafBytes(record));
}
