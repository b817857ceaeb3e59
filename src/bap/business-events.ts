import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { recordBusinessEvent, type EventPayloads, type EventType } from '../events/index.js';
import { cellOf } from '../infra/geo/index.js';
import { BAP_SCHEMA } from './bap-deps.js';

/*
 * The rider side's business events, recorded by the code that applies each
 * change in that change's transaction (beckn-schemas/events/README.md).
 */

/** Where a rider-side event happened: the provider (BPP merchant) booked, the city code, the pickup's cell, the variant. */
export interface RiderEventPlace {
  merchantId: string | null;
  city: string;
  cell: string | null;
  variant: string | null;
}

/** The place of a booking's events: its search's city and pickup, its estimate's provider and variant. */
export async function riderBookingPlace(sequelize: Sequelize, transaction: Transaction, bookingId: string): Promise<RiderEventPlace> {
  const [row] = await sequelize.query<{ provider_id: string; city_code: string; from_lat: number; from_lon: number; vehicle_variant: string | null }>(
    `SELECT b.provider_id, s.city_code, s.from_lat, s.from_lon, e.vehicle_variant
       FROM ${BAP_SCHEMA}.booking b
       JOIN ${BAP_SCHEMA}.quote q ON q.id = b.quote_id
       JOIN ${BAP_SCHEMA}.estimate e ON e.id = q.estimate_id
       JOIN ${BAP_SCHEMA}.search_request s ON s.id = e.search_request_id
      WHERE b.id = $1`,
    { type: QueryTypes.SELECT, bind: [bookingId], transaction },
  );
  if (!row) throw new Error(`booking ${bookingId} has no search to place a business event`);
  return { merchantId: row.provider_id, city: row.city_code, cell: cellOf(row.from_lat, row.from_lon), variant: row.vehicle_variant };
}

/** Records a rider-side event at `place` in `transaction`. */
export async function recordBapEvent<T extends EventType>(
  sequelize: Sequelize,
  transaction: Transaction,
  type: T,
  place: RiderEventPlace,
  subjectId: string,
  payload: EventPayloads[T],
): Promise<void> {
  await recordBusinessEvent(sequelize, transaction, { type, side: 'bap', ...place, subjectId, payload });
}
