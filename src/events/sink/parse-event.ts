import { isUtf8 } from 'node:buffer';
import { describeSchemaErrors, SchemaRegistry, type JsonSchema } from '../../infra/validation/index.js';
import type { BusinessEvent } from '../event-catalog.js';
import { toBusinessEventRow, UnstorableMeasureError, type BusinessEventRow } from './event-row.js';

const id = { type: 'string', minLength: 1, maxLength: 256 };
const textOrNull = { anyOf: [{ type: 'string', maxLength: 256 }, { type: 'null' }] };

/**
 * The envelope every business event shares (event-catalog.ts, BusinessEvent).
 * Payloads are checked against their own schemas where events are recorded
 * (beckn-schemas/events); here the sink needs only what becomes columns and
 * the sorting key, so unknown event types and extra fields of a newer
 * producer still land. Ranges follow the column types: an accepted event is
 * one ClickHouse accepts, since a refused insert would stall its partition.
 */
const envelopeSchema: JsonSchema = {
  $id: 'beckn-ride/events/business-event-envelope',
  type: 'object',
  required: ['event_id', 'event_type', 'event_version', 'occurred_at', 'side', 'merchant_id', 'city', 'cell', 'variant', 'subject_id', 'payload'],
  properties: {
    event_id: id,
    event_type: { type: 'string', pattern: '^[a-z0-9_]+(\\.[a-z0-9_]+)+$', maxLength: 128 },
    event_version: { type: 'integer', minimum: 1, maximum: 65535 },
    occurred_at: { type: 'string', format: 'date-time' },
    side: { type: 'string', enum: ['bap', 'bpp'] },
    merchant_id: textOrNull,
    city: id,
    cell: textOrNull,
    variant: textOrNull,
    subject_id: id,
    payload: { type: 'object' },
  },
};

const registry = new SchemaRegistry();
const validate = registry.validator(registry.add(envelopeSchema));

/** ClickHouse `DateTime` covers 1970 to early 2106. */
const LATEST_STORABLE_MS = Date.UTC(2105, 11, 31);

// A lone surrogate has no UTF-8 form; the aggregate recompute puts the city in SQL text, which refuses one.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const textFields = ['event_id', 'event_type', 'merchant_id', 'city', 'cell', 'variant', 'subject_id'] as const;

export type ParsedEvent = { ok: true; event: BusinessEvent; row: BusinessEventRow } | { ok: false; error: string };

/** Reads one Kafka message value as a business event and its `business_events` row, or says why it is not one. */
export function parseEventValue(value: Buffer | null): ParsedEvent {
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
    return { ok: false, error: `not a business event: ${issues.join('; ')}` };
  }
  const event = parsed as BusinessEvent;
  const occurredMs = Date.parse(event.occurred_at);
  if (!(occurredMs >= 0 && occurredMs <= LATEST_STORABLE_MS)) {
    return { ok: false, error: `not a business event: occurred_at ${event.occurred_at} is outside 1970..2105` };
  }
  const broken = textFields.find((field) => loneSurrogate.test(event[field] ?? ''));
  if (broken) return { ok: false, error: `not a business event: ${broken} holds a lone surrogate` };
  try {
    return { ok: true, event, row: toBusinessEventRow(event) };
  } catch (error) {
    if (error instanceof UnstorableMeasureError) return { ok: false, error: `unstorable business event: ${error.message}` };
    throw error;
  }
}
