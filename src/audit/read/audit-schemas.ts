import type { JsonSchema } from '../../infra/validation/index.js';
import { becknActions } from '../../protocol/schemas/index.js';
import { ruleIds } from './conformance-facts.js';

/** Subscriber ids are keyId parts: visible ASCII without '|' or '"' (signing/key-id.ts). */
const subscriberId = { type: 'string', pattern: '^[\\x21\\x23-\\x7b\\x7d\\x7e]{1,255}$' };
const time = { type: 'string', format: 'date-time', description: 'RFC 3339 time with a zone, e.g. 2025-01-31T23:00:00Z' };
const filterProperties = {
  action: { enum: [...becknActions] },
  subscriberId: { ...subscriberId, description: 'Sender or receiver' },
  direction: { enum: ['inbound', 'outbound'] },
  status: { enum: ['ACK', 'NACK'] },
  from: { ...time, description: 'Started at or after (inclusive)' },
  to: { ...time, description: 'Started before (exclusive)' },
};

export const messagesQuerySchema = {
  $id: 'beckn-ride/audit-messages-query',
  type: 'object',
  additionalProperties: false,
  properties: {
    ...filterProperties,
    limit: { type: 'integer', minimum: 1, maximum: 500, description: '50 unless given' },
    cursor: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,256}$', description: 'next_cursor of the previous page' },
  },
} satisfies JsonSchema;

export const exportQuerySchema = {
  $id: 'beckn-ride/audit-export-query',
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to'],
  properties: { ...filterProperties, format: { enum: ['ndjson', 'csv'], description: 'ndjson unless given' } },
} satisfies JsonSchema;

export const statsQuerySchema = {
  $id: 'beckn-ride/audit-stats-query',
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to'],
  properties: { from: filterProperties.from, to: filterProperties.to },
} satisfies JsonSchema;

export const rawQuerySchema = {
  $id: 'beckn-ride/audit-raw-query',
  type: 'object',
  additionalProperties: false,
  properties: { format: { enum: ['bytes', 'json'], description: 'bytes unless given' } },
} satisfies JsonSchema;

const nullableString = { type: ['string', 'null'] };
const verdict = { enum: ['valid', 'invalid', 'missing', 'not_checked'] };

/** Inlined where used: OpenAPI components are made from top-level response schemas only. */
const auditRecordSchema = {
  type: 'object',
  description: 'One message as stored (src/protocol/message-log/message-record.ts); raw_body as the role may see it.',
  properties: {
    id: { type: 'string', format: 'uuid' },
    direction: { enum: ['inbound', 'outbound'] },
    role: { enum: ['bap', 'bpp', 'gateway'] },
    action: { type: 'string' },
    url: { type: 'string' },
    transaction_id: nullableString,
    message_id: nullableString,
    domain: nullableString,
    city: nullableString,
    bap_id: nullableString,
    bpp_id: nullableString,
    sender: nullableString,
    receiver: nullableString,
    raw_body: { type: 'string' },
    body_encoding: { enum: ['utf8', 'base64'] },
    body_truncated: { type: 'boolean' },
    body_sha256: { type: 'string' },
    body_size: { type: 'integer', description: 'inbound: bytes of the whole body as received (raw_body may keep only a prefix of them)' },
    body_view: {
      enum: ['raw', 'masked', 'withheld', 'over_budget'],
      description:
        'masked: re-serialised JSON with PII hidden; withheld: not JSON, not shown; over_budget: the masking budget of the ' +
        'response was spent, not shown (read the record alone at /audit/messages/{id}/raw)',
    },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    signature: {
      type: 'object',
      properties: { verdict, key_id: nullableString, gateway_verdict: verdict, gateway_key_id: nullableString },
    },
    ack: { enum: ['ACK', 'NACK', null] },
    error_code: nullableString,
    error_type: nullableString,
    error_message: nullableString,
    http_status: { type: ['integer', 'null'] },
    duplicate: { type: 'boolean' },
    attempt: { type: 'integer' },
    started_at: { type: 'string', format: 'date-time' },
    finished_at: { type: 'string', format: 'date-time' },
    latency_ms: { type: 'number' },
    trace_id: { type: 'string', description: 'W3C trace id of the span that received or sent the message; absent when nothing was traced' },
  },
};

export const transactionResponseSchema = {
  $id: 'beckn-ride/audit-transaction',
  type: 'object',
  properties: { transaction_id: { type: 'string' }, records: { type: 'array', items: auditRecordSchema } },
} satisfies JsonSchema;

export const messagePageSchema = {
  $id: 'beckn-ride/audit-message-page',
  type: 'object',
  properties: { records: { type: 'array', items: auditRecordSchema }, next_cursor: nullableString },
} satisfies JsonSchema;

const signatureCheck = {
  type: 'object',
  properties: {
    header: { type: 'string' },
    verdict: { enum: ['valid', 'invalid', 'missing', 'unverifiable'] },
    reason: nullableString,
    detail: nullableString,
    key_id: nullableString,
    key: { type: ['object', 'null'] },
    expected_signer: nullableString,
    signer_matches: { type: ['boolean', 'null'] },
  },
};

export const verifyReportSchema = {
  $id: 'beckn-ride/audit-verify-report',
  type: 'object',
  description: 'Signatures re-verified over the stored bytes with the registry key valid at message_time.',
  properties: {
    record_id: { type: 'string' },
    direction: { type: 'string' },
    action: { type: 'string' },
    message_time: { type: 'string', format: 'date-time' },
    body: {
      type: 'object',
      properties: {
        stored_sha256: { type: 'string' },
        computed_sha256: { type: 'string' },
        sha256_matches: { type: 'boolean' },
        truncated: { type: 'boolean' },
        digest: { type: 'string' },
      },
    },
    authorization: signatureCheck,
    gateway_authorization: { anyOf: [signatureCheck, { type: 'null' }] },
    recorded: { type: 'object' },
    ok: { type: 'boolean' },
  },
} satisfies JsonSchema;

export const conformanceReportSchema = {
  $id: 'beckn-ride/audit-conformance-report',
  type: 'object',
  properties: {
    transaction_id: { type: 'string' },
    checked_at: { type: 'string', format: 'date-time' },
    conforms: { type: 'boolean' },
    records: { type: 'integer' },
    counted: { type: 'integer' },
    rules: { type: 'array', items: { type: 'object', properties: { id: { enum: [...ruleIds] }, passed: { type: 'boolean' } } } },
    findings: {
      type: 'array',
      items: {
        type: 'object',
        properties: { rule: { enum: [...ruleIds] }, message: { type: 'string' }, record_ids: { type: 'array', items: { type: 'string' } } },
      },
    },
    pending: { type: 'array' },
    nacked: { type: 'array' },
  },
} satisfies JsonSchema;

const percentiles = { type: 'object', properties: { p50: { type: 'number' }, p90: { type: 'number' }, p99: { type: 'number' } } };

export const statsSchema = {
  $id: 'beckn-ride/audit-stats',
  type: 'object',
  properties: {
    from: { type: 'string' },
    to: { type: 'string' },
    total: { type: 'integer' },
    transactions: { type: 'integer' },
    by_action: { type: 'array', items: { type: 'object', properties: { action: { type: 'string' }, status: { enum: ['ACK', 'NACK', 'NONE'] }, count: { type: 'integer' } } } },
    nack_codes: { type: 'array', items: { type: 'object', properties: { code: nullableString, count: { type: 'integer' } } } },
    counterparts: {
      type: 'array',
      items: { type: 'object', properties: { counterpart: nullableString, count: { type: 'integer' }, latency_ms: percentiles } },
    },
  },
} satisfies JsonSchema;
