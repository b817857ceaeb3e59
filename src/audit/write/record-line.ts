import type { MessageRecord } from '../../protocol/message-log/index.js';

/**
 * Largest spool line, hence Kafka message value. Kafka's default
 * `message.max.bytes` (1,048,588) bounds a whole record batch; this leaves
 * room for the key, the header and the batch framing.
 */
export const MAX_RECORD_BYTES = 1_000_000;

export interface RecordLine {
  line: Buffer;
  /** Set when the raw body was cut to fit: its length before. */
  bodyCutFrom?: number;
}

function lineOf(record: MessageRecord): Buffer {
  return Buffer.from(`${JSON.stringify(record)}\n`);
}

/** Bytes `text` takes inside a JSON line, escapes included. */
function jsonBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text)) - 2;
}

/** A cut point that leaves a decodable body: whole base64 quads, no half of a surrogate pair. */
function cutPoint(body: string, encoding: MessageRecord['body_encoding'], keep: number): number {
  if (encoding === 'base64') return keep - (keep % 4);
  return keep > 0 && /[\uD800-\uDBFF]/.test(body.charAt(keep - 1)) ? keep - 1 : keep;
}

/**
 * A record as one JSON line. A record too large for Kafka keeps everything
 * but the tail of its raw body and is marked `body_truncated` (body_sha256
 * still names the full body), so it is stored instead of blocking the relay.
 */
export function toRecordLine(record: MessageRecord, maxBytes = MAX_RECORD_BYTES): RecordLine {
  const line = lineOf(record);
  if (line.length <= maxBytes) return { line };
  const bodyless = lineOf({ ...record, raw_body: '', body_truncated: true });
  if (bodyless.length > maxBytes) throw new Error(`message record ${record.id} is ${bodyless.length} bytes without its body, more than ${maxBytes}`);
  const budget = maxBytes - bodyless.length;
  const body = record.raw_body;
  // Escapes make bytes per character uneven, so shrink by the measured ratio until it fits.
  let keep = body.length;
  for (let bytes = jsonBytes(body); bytes > budget; bytes = jsonBytes(body.slice(0, keep))) {
    keep = cutPoint(body, record.body_encoding, Math.floor((keep * budget) / bytes));
  }
  return { line: lineOf({ ...record, raw_body: body.slice(0, keep), body_truncated: true }), bodyCutFrom: body.length };
}
