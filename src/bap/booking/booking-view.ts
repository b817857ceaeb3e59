import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { FieldCipher } from '../../infra/crypto/field-cipher.js';
import { BAP_SCHEMA } from '../bap-deps.js';
import { trimMoney } from '../search/search-store.js';
import { bookingColumns, type BookingRow } from './booking-store.js';

const S = BAP_SCHEMA;

interface RideRow {
  id: string;
  bpp_ride_id: string | null;
  state: string;
  driver_name: string | null;
  driver_phone_encrypted: string | null;
  vehicle_number: string | null;
  vehicle_variant: string | null;
  otp: string | null;
  final_fare: string | null;
  final_fare_breakup: unknown;
  updated_at: Date;
}

interface CancellationRow {
  source: string;
  reason_code: string | null;
  status: string;
  fee: string | null;
  currency: string | null;
  updated_at: Date;
}

/** What the rider app sees of a booking: its state, fare, terms, ride (driver, vehicle, OTP, history), cancellation and error. */
export interface BookingView {
  id: string;
  status: BookingRow['status'];
  /** quoted: the quote the rider booked; confirmed: the fare the BPP confirmed; final: what the ended ride cost. */
  fare: { quoted: string; confirmed: string | null; final: string | null };
  currency: string;
  bppOrderId: string | null;
  /** The provider booked, named as its catalog named it. */
  provider: { id: string; name: string | null };
  paymentTerms: unknown;
  cancellationTerms: unknown;
  ride: {
    state: string;
    /** The provider's id of the ride (the fulfillment id it confirmed). */
    bppRideId: string | null;
    driver: { name: string | null; phone: string | null };
    vehicle: { number: string | null; variant: string | null };
    otp: string | null;
    /** at: when the rider side received the state (the history's order); providerAt: the time the provider gave, as it gave it. */
    history: { state: string; at: string; providerAt: string | null }[];
    finalFare: string | null;
    finalFareBreakup: unknown;
  } | null;
  cancellation: { source: string; reasonCode: string | null; status: string; fee: string | null; currency: string | null } | null;
  error: { code: string; message: string | null } | null;
  updatedAt: string;
}

const query = <T extends object>(sequelize: Sequelize, sql: string, bind: unknown[], transaction?: Transaction) =>
  sequelize.query<T>(sql, { type: QueryTypes.SELECT, bind, ...(transaction ? { transaction } : {}) });

/**
 * A rider's booking as the rider app sees it, or null when it is not this
 * rider's (or does not exist). `updatedAt` is the latest change of the
 * booking, its ride or its cancellation: a stream can key its events on it.
 */
export async function readBookingView(
  deps: { sequelize: Sequelize; cipher: FieldCipher },
  bookingId: string,
  personId: string,
  transaction?: Transaction,
): Promise<BookingView | null> {
  const { sequelize } = deps;
  const [booking] = await query<BookingRow>(sequelize, `SELECT ${bookingColumns} FROM ${S}.booking b WHERE b.id = $1 AND b.person_id = $2`, [bookingId, personId], transaction);
  if (!booking) return null;
  const [provider] = await query<{ provider_id: string; provider_name: string | null }>(
    sequelize,
    `SELECT e.provider_id, e.provider_name FROM ${S}.quote q JOIN ${S}.estimate e ON e.id = q.estimate_id WHERE q.id = $1`,
    [booking.quote_id],
    transaction,
  );
  const [ride] = await query<RideRow>(
    sequelize,
    `SELECT id, bpp_ride_id, state, driver_name, driver_phone_encrypted, vehicle_number, vehicle_variant, otp, final_fare::text AS final_fare, final_fare_breakup, updated_at
       FROM ${S}.ride WHERE booking_id = $1`,
    [booking.id],
    transaction,
  );
  const history = ride
    ? await query<{ state: string; at: Date; provider_at: Date | null }>(
        sequelize,
        `SELECT state, at, provider_at FROM ${S}.ride_state_event WHERE ride_id = $1 ORDER BY position`,
        [ride.id],
        transaction,
      )
    : [];
  const [cancellation] = await query<CancellationRow>(
    sequelize,
    // The reason the rider gave stands when the provider's answer named none.
    `SELECT c.source, COALESCE(c.reason_code, CASE WHEN c.source = 'BY_RIDER' THEN b.rider_cancel_reason END) AS reason_code, c.status,
            c.fee::text AS fee, c.currency, c.updated_at
       FROM ${S}.cancellation c JOIN ${S}.booking b ON b.id = c.booking_id WHERE c.booking_id = $1`,
    [booking.id],
    transaction,
  );
  const changed = [booking.updated_at, ride?.updated_at, cancellation?.updated_at]
    .filter((at): at is Date => at !== undefined && at !== null)
    .map((at) => new Date(at).getTime());
  return {
    id: booking.id,
    status: booking.status,
    fare: { quoted: trimMoney(booking.quoted_fare), confirmed: trimMoney(booking.fare), final: trimMoney(ride?.final_fare ?? null) },
    currency: booking.currency,
    bppOrderId: booking.bpp_order_id,
    provider: { id: booking.provider_id, name: provider?.provider_name ?? null },
    paymentTerms: booking.payment_terms,
    cancellationTerms: booking.cancellation_terms,
    ride: ride
      ? {
          // While a withdrawn driver is being replaced the history ends in RIDE_CONFIRMED: no driver yet.
          state: history.at(-1)?.state === 'RIDE_CONFIRMED' && ride.state !== 'RIDE_CANCELLED' ? 'RIDE_CONFIRMED' : ride.state,
          bppRideId: ride.bpp_ride_id,
          // The rider calls the driver: the one reader that unseals the number.
          driver: { name: ride.driver_name, phone: ride.driver_phone_encrypted === null ? null : deps.cipher.decrypt(ride.driver_phone_encrypted) },
          vehicle: { number: ride.vehicle_number, variant: ride.vehicle_variant },
          otp: ride.otp,
          history: history.map((event) => ({
            state: event.state,
            at: new Date(event.at).toISOString(),
            providerAt: event.provider_at === null ? null : new Date(event.provider_at).toISOString(),
          })),
          finalFare: trimMoney(ride.final_fare),
          finalFareBreakup: ride.final_fare_breakup,
        }
      : null,
    cancellation: cancellation
      ? { source: cancellation.source, reasonCode: cancellation.reason_code, status: cancellation.status, fee: trimMoney(cancellation.fee), currency: cancellation.currency }
      : null,
    error: booking.error_code ? { code: booking.error_code, message: booking.error_message } : null,
    updatedAt: new Date(Math.max(...changed)).toISOString(),
  };
}
