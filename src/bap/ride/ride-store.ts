import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { BAP_SCHEMA } from '../bap-deps.js';
import type { RideState } from './ride-state.js';

/** A booking with its ride, as the ride's routes and callbacks see it. */
export interface RideBooking {
  id: string;
  /** The fulfillment booked: the ride an update changes. */
  fulfillment_id: string | null;
  person_id: string;
  transaction_id: string;
  bpp_id: string;
  bpp_uri: string;
  bpp_order_id: string | null;
  status: string;
  currency: string;
  ride_id: string | null;
  ride_state: RideState | null;
  driver_lat: number | null;
  driver_lon: number | null;
  driver_location_at: Date | null;
  /** The domain of the offer booked (else its search's) and the search's city: every request of the booking goes out under them. */
  domain: string;
  city_code: string;
  /** The reason the rider gave when asking to cancel, if it did. */
  rider_cancel_reason: string | null;
}

const columns = `b.id, b.fulfillment_id, b.person_id, b.transaction_id, b.bpp_id, b.bpp_uri, b.bpp_order_id, b.status, b.currency,
  r.id AS ride_id, r.state AS ride_state, r.driver_lat, r.driver_lon, r.driver_location_at, COALESCE(e.domain, s.domain) AS domain, s.city_code, b.rider_cancel_reason`;
const joins = `${BAP_SCHEMA}.booking b
  JOIN ${BAP_SCHEMA}.quote q ON q.id = b.quote_id
  JOIN ${BAP_SCHEMA}.estimate e ON e.id = q.estimate_id
  JOIN ${BAP_SCHEMA}.search_request s ON s.id = e.search_request_id
  LEFT JOIN ${BAP_SCHEMA}.ride r ON r.booking_id = b.id`;

/** A rider's own booking; another rider's is reported missing. */
export async function findRiderBooking(sequelize: Sequelize, bookingId: string, personId: string, transaction?: Transaction): Promise<RideBooking | null> {
  const [row] = await sequelize.query<RideBooking>(
    `SELECT ${columns} FROM ${joins} WHERE b.id = $1 AND b.person_id = $2`,
    { type: QueryTypes.SELECT, bind: [bookingId, personId], ...(transaction ? { transaction } : {}) },
  );
  return row ?? null;
}

/**
 * The booking a callback is about: of its transaction and its BPP, and, when
 * the callback names the order, that order. A transaction that booked more
 * than once (a failed booking, then another) gives its latest booking.
 */
export async function findCallbackBooking(
  sequelize: Sequelize,
  transaction: Transaction,
  input: { transactionId: string; bppId: string; orderId?: string | null },
): Promise<RideBooking | null> {
  const byOrder = input.orderId ? 'AND b.bpp_order_id = $3' : '';
  const [row] = await sequelize.query<RideBooking>(
    `SELECT ${columns} FROM ${joins}
      WHERE b.transaction_id = $1 AND b.bpp_id = $2 ${byOrder}
      ORDER BY (b.bpp_order_id IS NOT NULL) DESC, b.created_at DESC LIMIT 1`,
    { type: QueryTypes.SELECT, bind: input.orderId ? [input.transactionId, input.bppId, input.orderId] : [input.transactionId, input.bppId], transaction },
  );
  return row ?? null;
}

/** Who a cancellation came from. */
export type CancellationSource = 'BY_RIDER' | 'BY_DRIVER' | 'BY_PROVIDER';

/**
 * Records a cancellation's fee. A quote (FEE_QUOTED) never overwrites a
 * confirmed cancellation; a confirmation replaces a quote.
 */
/** Keeps the reason the rider gives when it asks to cancel (the provider's answer may name none). */
export async function keepRiderCancelReason(sequelize: Sequelize, bookingId: string, reasonCode: string): Promise<void> {
  await sequelize.query(`UPDATE ${BAP_SCHEMA}.booking SET rider_cancel_reason = $2 WHERE id = $1`, { bind: [bookingId, reasonCode] });
}

export async function upsertCancellation(
  sequelize: Sequelize,
  transaction: Transaction,
  row: { bookingId: string; source: CancellationSource; reasonCode: string | null; status: 'FEE_QUOTED' | 'CONFIRMED'; fee: string | null; currency: string | null },
): Promise<void> {
  await sequelize.query(
    `INSERT INTO ${BAP_SCHEMA}.cancellation (booking_id, source, reason_code, status, fee, currency)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (booking_id) DO UPDATE SET source = EXCLUDED.source, reason_code = COALESCE(EXCLUDED.reason_code, ${BAP_SCHEMA}.cancellation.reason_code),
       status = EXCLUDED.status, fee = EXCLUDED.fee, currency = EXCLUDED.currency, updated_at = now()
     WHERE ${BAP_SCHEMA}.cancellation.status <> 'CONFIRMED'`,
    { bind: [row.bookingId, row.source, row.reasonCode, row.status, row.fee, row.currency], transaction },
  );
}
