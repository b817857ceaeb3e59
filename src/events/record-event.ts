import { randomUUID } from 'node:crypto';
import type { Sequelize, Transaction } from 'sequelize';
import { EVENT_VERSIONS, type EventInput, type EventType } from './event-catalog.js';

/** The two schemas that keep a business event outbox (migration 0024). */
export type EventSchema = 'atlas_app' | 'atlas_driver_offer_bpp';

export const schemaOfSide = { bap: 'atlas_app', bpp: 'atlas_driver_offer_bpp' } as const satisfies Record<string, EventSchema>;

/**
 * Writes one business event into its side's outbox inside `transaction`, the
 * transaction of the state change it reports: both commit or neither does.
 * Returns the event id.
 */
export async function recordBusinessEvent<T extends EventType>(
  sequelize: Sequelize,
  transaction: Transaction,
  input: EventInput<T>,
): Promise<string> {
  const eventId = randomUUID();
  const schema = schemaOfSide[input.side];
  await sequelize.query(
    `INSERT INTO ${schema}.business_event_outbox
       (event_id, event_type, event_version, occurred_at, side, merchant_id, city, cell, variant, subject_id, payload)
     VALUES (:eventId, :type, :version, :occurredAt, :side, :merchantId, :city, :cell, :variant, :subjectId, CAST(:payload AS jsonb))`,
    {
      transaction,
      replacements: {
        eventId,
        type: input.type,
        version: EVENT_VERSIONS[input.type],
        occurredAt: (input.occurredAt ?? new Date()).toISOString(),
        side: input.side,
        merchantId: input.merchantId,
        city: input.city,
        cell: input.cell,
        variant: input.variant,
        subjectId: input.subjectId,
        payload: JSON.stringify(input.payload),
      },
    },
  );
  return eventId;
}
