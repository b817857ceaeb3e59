import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { describeSchemaErrors, SchemaRegistry, type JsonSchema } from '../infra/validation/index.js';
import { sourceTreePath } from '../source-tree.js';
import { EVENT_TYPES, EVENT_VERSIONS, type BusinessEvent, type EventInput, type EventType } from './event-catalog.js';

/** The two schemas that keep a business event outbox (migration 0024). */
export type EventSchema = 'atlas_app' | 'atlas_driver_offer_bpp';

export const schemaOfSide = { bap: 'atlas_app', bpp: 'atlas_driver_offer_bpp' } as const satisfies Record<string, EventSchema>;

/** Where the JSON Schema of every event version lives: `<type>.v<version>.json`. */
export const eventSchemasDir = sourceTreePath(new URL('../../beckn-schemas/events', import.meta.url));

export const eventSchemaFile = (type: EventType, version: number = EVENT_VERSIONS[type]): string => `${type}.v${version}.json`;

/**
 * Every catalog type's schema, read and compiled once when this module
 * loads: a missing or broken schema file stops the process at start, not a
 * state change later.
 */
const validators: ReadonlyMap<EventType, ValidateFunction> = (() => {
  const registry = new SchemaRegistry();
  const ids = new Map<EventType, string>();
  for (const type of EVENT_TYPES) {
    const file = eventSchemaFile(type);
    let schema: JsonSchema;
    try {
      schema = JSON.parse(readFileSync(`${eventSchemasDir}/${file}`, 'utf8')) as JsonSchema;
    } catch (error) {
      throw new Error(`business event schema ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    ids.set(type, registry.add(schema));
  }
  registry.compileAll();
  return new Map([...ids].map(([type, id]) => [type, registry.validator(id)]));
})();

/** Thrown for an event that does not match its schema: a bug in the code that records it, never a rider's or driver's mistake. */
export class InvalidBusinessEventError extends Error {
  constructor(
    readonly eventType: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`business event ${eventType} does not match its schema ${eventType}.v${EVENT_VERSIONS[eventType as EventType] ?? '?'}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
    this.name = 'InvalidBusinessEventError';
  }
}

/** The issues of an event envelope against its type's schema (empty when valid). */
export function businessEventIssues(event: BusinessEvent | Record<string, unknown>): { path: string; message: string }[] {
  const type = (event as { event_type?: unknown }).event_type;
  const validate = typeof type === 'string' ? validators.get(type as EventType) : undefined;
  if (!validate) return [{ path: '/event_type', message: `is not a catalog event type: ${String(type)}` }];
  return validate(event) ? [] : describeSchemaErrors(validate.errors);
}

export interface RecordOptions {
  /**
   * A deterministic id (a UUID): when an event of this id is in the outbox
   * already, nothing is written. For producers that may run twice for the
   * same change (a periodic job's retried slot).
   */
  eventId?: string;
}

/**
 * Writes one business event into its side's outbox inside `transaction`, the
 * transaction of the state change it reports: both commit or neither does.
 * The envelope is checked against the type's JSON Schema first; an invalid
 * one throws InvalidBusinessEventError (and so fails the change with it).
 * Returns the event id, or null when `options.eventId` was recorded already.
 */
export async function recordBusinessEvent<T extends EventType>(
  sequelize: Sequelize,
  transaction: Transaction,
  input: EventInput<T>,
  options: RecordOptions = {},
): Promise<string | null> {
  const event: BusinessEvent = {
    event_id: options.eventId ?? randomUUID(),
    event_type: input.type,
    event_version: EVENT_VERSIONS[input.type],
    occurred_at: (input.occurredAt ?? new Date()).toISOString(),
    side: input.side,
    merchant_id: input.merchantId,
    city: input.city,
    cell: input.cell,
    variant: input.variant,
    subject_id: input.subjectId,
    payload: input.payload as unknown as Record<string, unknown>,
  };
  const issues = businessEventIssues(event);
  if (issues.length > 0) throw new InvalidBusinessEventError(input.type, issues);
  const schema = schemaOfSide[input.side];
  const inserted = await sequelize.query<{ event_id: string }>(
    `INSERT INTO ${schema}.business_event_outbox
       (event_id, event_type, event_version, occurred_at, side, merchant_id, city, cell, variant, subject_id, payload)
     VALUES (:eventId, :type, :version, :occurredAt, :side, :merchantId, :city, :cell, :variant, :subjectId, CAST(:payload AS jsonb))
     ON CONFLICT (event_id) DO NOTHING
     RETURNING event_id`,
    {
      type: QueryTypes.SELECT,
      transaction,
      replacements: {
        eventId: event.event_id,
        type: event.event_type,
        version: event.event_version,
        occurredAt: event.occurred_at,
        side: event.side,
        merchantId: event.merchant_id,
        city: event.city,
        cell: event.cell,
        variant: event.variant,
        subjectId: event.subject_id,
        payload: JSON.stringify(event.payload),
      },
    },
  );
  return inserted.length > 0 ? event.event_id : null;
}
