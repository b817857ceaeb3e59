import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { PaymentsSchema } from './payment-schemas.js';

/**
 * Notes a gateway's webhook event as seen. True the first time; false for a
 * replay, which must change nothing. Called in the transaction that applies
 * the event, so an event whose effect rolled back is not remembered either.
 */
export async function recordWebhookEvent(
  sequelize: Sequelize,
  schema: PaymentsSchema,
  event: { gateway: string; eventId: string; transaction?: Transaction },
): Promise<boolean> {
  const inserted = await sequelize.query(
    `INSERT INTO ${schema}.payment_event_seen (gateway, event_id) VALUES ($1, $2) ON CONFLICT (gateway, event_id) DO NOTHING RETURNING event_id`,
    { type: QueryTypes.SELECT, bind: [event.gateway, event.eventId], ...(event.transaction ? { transaction: event.transaction } : {}) },
  );
  return inserted.length > 0;
}
