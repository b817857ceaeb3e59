import { isUtf8 } from 'node:buffer';
import { describeSchemaErrors, SchemaRegistry, type JsonSchema } from '../../infra/validation/index.js';
import type { MessageRecord } from '../../protocol/message-log/index.js';

const text = { type: 'string' };
const textOrNull = { type: 'string', nullable: true };
const verdict = { type: 'string', enum: ['valid', 'invalid', 'missing', 'not_checked'] };
const instant = { type: 'string', format: 'date-time' };

/**
 * What a message of the log topic must hold to become a `beckn_message_log`
 * row. Ranges follow the column types (UInt16 status and attempt, UInt32
 * latency), so every record accepted here is one ClickHouse accepts: a
 * record it refused would stall its partition forever. Unknown fields are
 * tolerated so a newer producer's records still land with the known columns.
 */
const messageRecordSchema: JsonSchema = {
  $id: 'beckn-ride/audit/message-record',
  type: 'object',
  required: [
    'id', 'direction', 'role', 'action', 'url', 'transaction_id', 'message_id', 'domain', 'city', 'bap_id', 'bpp_id',
    'sender', 'receiver', 'raw_body', 'body_encoding', 'body_truncated', 'body_sha256', 'headers', 'signature', 'ack',
    'error_code', 'error_type', 'error_message', 'http_status', 'duplicate', 'attempt', 'started_at', 'finished_at',
    'latency_ms',
  ],
  properties: {
    id: { type: 'string', minLength: 1 },
    direction: { type: 'string', enum: ['inbound', 'outbound'] },
    role: { type: 'string', enum: ['bap', 'bpp', 'gateway'] },
    action: text,
    url: text,
    transaction_id: textOrNull,
    message_id: textOrNull,
    domain: textOrNull,
    city: textOrNull,
    bap_id: textOrNull,
    bpp_id: textOrNull,
    sender: textOrNull,
    receiver: textOrNull,
    raw_body: text,
    body_encoding: { type: 'string', enum: ['utf8', 'base64'] },
    body_truncated: { type: 'boolean' },
    body_sha256: text,
    body_size: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    headers: { type: 'object', additionalProperties: text },
    signature: {
      type: 'object',
      required: ['verdict', 'key_id', 'gateway_verdict', 'gateway_key_id'],
      properties: { verdict, key_id: textOrNull, gateway_verdict: verdict, gateway_key_id: textOrNull },
    },
    ack: { type: 'string', nullable: true, enum: ['ACK', 'NACK', null] },
    error_code: textOrNull,
    error_type: textOrNull,
    error_message: textOrNull,
    http_status: { type: 'integer', nullable: true, minimum: 0, maximum: 65535 },
    duplicate: { type: 'boolean' },
    attempt: { type: 'integer', minimum: 0, maximum: 65535 },
    started_at: instant,
    finished_at: instant,
    latency_ms: { type: 'number', minimum: 0, maximum: 4294967295 },
    trace_id: { type: 'string', pattern: '^[0-9a-f]{32}$' },
  },
};

const registry = new SchemaRegistry();
const validate = registry.validator(registry.add(messageRecordSchema));

/** ClickHouse `DateTime` covers 1970 to early 2106; the sorting key needs a real instant. */
const LATEST_STORABLE_MS = Date.UTC(2105, 11, 31);

export type ParsedMessage = { ok: true; record: MessageRecord } | { ok: false; error: string };

function checkInstants(record: MessageRecord): string | null {
  for (const field of ['started_at', 'finished_at'] as const) {
    const ms = Date.parse(record[field]);
    if (!(ms >= 0 && ms <= LATEST_STORABLE_MS)) return `${field} ${record[field]} is outside 1970..2105`;
  }
  return null;
}

/** Reads one Kafka message value as a message record, or says why it is not one. */
export function parseMessageValue(value: Buffer | null): ParsedMessage {
  if (value === null || value.length === 0) return { ok: false, error: 'empty message value' };
  if (!isUtf8(value)) return { ok: false, error: 'message value is not UTF-8' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` };
  }
  if (!validate(parsed)) {
    const issues = describeSchemaErrors(validate.errors).map((issue) => `${issue.path} ${issue.message}`);
    return { ok: false, error: `not a message record: ${issues.join('; ')}` };
  }
  const record = parsed as MessageRecord;
  const outOfRange = checkInstants(record);
  return outOfRange ? { ok: false, error: `not a message record: ${outOfRange}` } : { ok: true, record };
}
