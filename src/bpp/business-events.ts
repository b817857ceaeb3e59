import { createHash } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { recordBusinessEvent, type EventPayloads, type EventType, type Money as EventMoney } from '../events/index.js';
import { cellOf } from '../infra/geo/index.js';
import { formatMoney, type Money } from './domain/index.js';
import { BPP_SCHEMA } from './models/index.js';

/*
 * The provider side's business events: each is recorded by the code that
 * applies its state change, in that change's transaction (see
 * beckn-schemas/events/README.md for who records what). The helpers here
 * find where an event happened (merchant, city code, pickup cell, variant)
 * from the rows the change touched.
 */

/** Where a demand or ride event happened: the merchant, the Beckn city code, the pickup's cell and the vehicle variant. */
export interface EventPlace {
  merchantId: string;
  city: string;
  cell: string | null;
  variant: string | null;
}

/** A place with the search it started from (search id, pickup). */
export interface SearchPlace extends EventPlace {
  searchId: string;
}

interface PlaceRow {
  merchant_id: string;
  city_code: string;
  from_lat: number;
  from_lon: number;
  vehicle_variant: string | null;
  search_id: string;
}

const toPlace = (row: PlaceRow): SearchPlace => ({
  merchantId: row.merchant_id,
  city: row.city_code,
  cell: cellOf(row.from_lat, row.from_lon),
  variant: row.vehicle_variant,
  searchId: row.search_id,
});

const placeColumns = 's.merchant_id, c.city_code, s.from_lat, s.from_lon, e.vehicle_variant, s.id AS search_id';

async function placeBy(sequelize: Sequelize, transaction: Transaction, sql: string, id: string): Promise<SearchPlace> {
  const [row] = await sequelize.query<PlaceRow>(sql, { type: QueryTypes.SELECT, bind: [id], transaction });
  if (!row) throw new Error(`no search behind ${id} to place a business event`);
  return toPlace(row);
}

/** The place of an allocation's events: its search's merchant, city and pickup, its estimate's variant. */
export function allocationPlace(sequelize: Sequelize, transaction: Transaction, allocationId: string): Promise<SearchPlace> {
  return placeBy(
    sequelize,
    transaction,
    `SELECT ${placeColumns}
       FROM ${BPP_SCHEMA}.allocation a
       JOIN ${BPP_SCHEMA}.estimate e ON e.id = a.estimate_id
       JOIN ${BPP_SCHEMA}.search_request s ON s.id = a.search_request_id
       JOIN ${BPP_SCHEMA}.merchant_operating_city c ON c.id = s.merchant_operating_city_id
      WHERE a.id = $1`,
    allocationId,
  );
}

/** The place of a booking's events (through its allocation). */
export function bookingPlace(sequelize: Sequelize, transaction: Transaction, bookingId: string): Promise<SearchPlace> {
  return placeBy(
    sequelize,
    transaction,
    `SELECT ${placeColumns}
       FROM ${BPP_SCHEMA}.booking b
       JOIN ${BPP_SCHEMA}.allocation a ON a.id = b.allocation_id
       JOIN ${BPP_SCHEMA}.estimate e ON e.id = a.estimate_id
       JOIN ${BPP_SCHEMA}.search_request s ON s.id = a.search_request_id
       JOIN ${BPP_SCHEMA}.merchant_operating_city c ON c.id = s.merchant_operating_city_id
      WHERE b.id = $1`,
    bookingId,
  );
}

/**
 * Where a driver is, for driver events: their merchant, their vehicle's
 * variant, and the city of the merchant's first operating city (a driver
 * belongs to a merchant, not to a city). Null when the driver is gone.
 */
export async function driverPlace(sequelize: Sequelize, transaction: Transaction, driverId: string): Promise<EventPlace | null> {
  const [row] = await sequelize.query<{ merchant_id: string; city_code: string | null; variant: string | null }>(
    `SELECT d.merchant_id, v.variant,
            (SELECT c.city_code FROM ${BPP_SCHEMA}.merchant_operating_city c WHERE c.merchant_id = d.merchant_id ORDER BY c.city_code, c.id LIMIT 1) AS city_code
       FROM ${BPP_SCHEMA}.driver d LEFT JOIN ${BPP_SCHEMA}.vehicle v ON v.driver_id = d.id
      WHERE d.id = $1`,
    { type: QueryTypes.SELECT, bind: [driverId], transaction },
  );
  if (!row?.city_code) return null;
  return { merchantId: row.merchant_id, city: row.city_code, cell: null, variant: row.variant };
}

/** Money as an event carries it: decimal text at the currency's scale. */
export const eventMoney = (money: Money): EventMoney => ({ value: formatMoney(money), currency: money.currency });

/**
 * A UUID-shaped id derived from `parts` (SHA-256): the same change recorded
 * twice (a handler run again, a retried job) gets the same event id, and
 * the outbox keeps the first.
 */
export function deterministicEventId(...parts: string[]): string {
  const hex = createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Records a provider-side event at `place` in `transaction` (once per `eventId` when given). */
export async function recordBppEvent<T extends EventType>(
  sequelize: Sequelize,
  transaction: Transaction,
  type: T,
  place: EventPlace,
  subjectId: string,
  payload: EventPayloads[T],
  occurredAt?: Date,
  eventId?: string,
): Promise<void> {
  await recordBusinessEvent(
    sequelize,
    transaction,
    {
    type,
    side: 'bpp',
    merchantId: place.merchantId,
    city: place.city,
    cell: place.cell,
    variant: place.variant,
    subjectId,
    payload,
    ...(occurredAt ? { occurredAt } : {}),
    },
    eventId ? { eventId } : {},
  );
}

/** An offer a driver answered or let lapse. */
export interface AnsweredOffer {
  offerId: string;
  driverId: string;
}

/** quote.accepted_by_driver or quote.declined_by_driver for each offer, at the allocation's place. */
export async function recordOfferAnswers(
  sequelize: Sequelize,
  transaction: Transaction,
  allocationId: string,
  offers: readonly AnsweredOffer[],
  answer: 'ACCEPTED' | 'DECLINED' | 'EXPIRED',
): Promise<void> {
  if (offers.length === 0) return;
  const place = await allocationPlace(sequelize, transaction, allocationId);
  for (const offer of offers) {
    const ids = { search_id: place.searchId, driver_id: offer.driverId, offer_id: offer.offerId };
    if (answer === 'ACCEPTED') await recordBppEvent(sequelize, transaction, 'quote.accepted_by_driver', place, offer.offerId, ids);
    else await recordBppEvent(sequelize, transaction, 'quote.declined_by_driver', place, offer.offerId, { ...ids, reason: answer });
  }
}

/**
 * driver.assigned for the ride just bound to a booking. time_to_assign_ms
 * runs from the start of the allocation round the driver accepted in (the
 * select for round 1, the first offer of a re-allocation round) to their
 * accept.
 */
export async function recordDriverAssigned(
  sequelize: Sequelize,
  transaction: Transaction,
  input: { bookingId: string; rideId: string; driverId: string },
): Promise<void> {
  const place = await bookingPlace(sequelize, transaction, input.bookingId);
  const [row] = await sequelize.query<{ ms: number | null }>(
    `SELECT (extract(epoch FROM o.updated_at - CASE WHEN o.round = 1 THEN a.created_at
              ELSE (SELECT min(f.created_at) FROM ${BPP_SCHEMA}.ride_offer f WHERE f.allocation_id = a.id AND f.round = o.round) END) * 1000)::float8 AS ms
       FROM ${BPP_SCHEMA}.booking b
       JOIN ${BPP_SCHEMA}.allocation a ON a.id = b.allocation_id
       JOIN ${BPP_SCHEMA}.ride_offer o ON o.allocation_id = a.id AND o.driver_id = $2 AND o.status = 'ACCEPTED'
      WHERE b.id = $1`,
    { type: QueryTypes.SELECT, bind: [input.bookingId, input.driverId], transaction },
  );
  const ms = Math.max(0, Math.round(row?.ms ?? 0));
  await recordBppEvent(sequelize, transaction, 'driver.assigned', place, input.bookingId, {
    booking_id: input.bookingId,
    ride_id: input.rideId,
    driver_id: input.driverId,
    time_to_assign_ms: ms,
  });
}
