import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { BAP_SCHEMA } from '../bap-deps.js';
import type { SealedPhone } from '../ride/driver-phone.js';

const S = BAP_SCHEMA;

export type QuoteStatus = 'PENDING' | 'RECEIVED' | 'FAILED';
export type BookingStatus = 'INITIATING' | 'AWAITING_PAYMENT' | 'CONFIRMING' | 'CONFIRMED' | 'COMPLETED' | 'CANCELLED' | 'FAILED';

export interface QuoteRow {
  id: string;
  estimate_id: string;
  select_message_id: string;
  status: QuoteStatus;
  price: string | null;
  currency: string | null;
  breakup: unknown;
  fulfillment_id: string | null;
  driver_name: string | null;
  vehicle_number: string | null;
  valid_until: Date | null;
  error_code: string | null;
  error_message: string | null;
  order_json: unknown;
  created_at: Date;
  updated_at: Date;
}

/** A quote with what it was asked for: the estimate's BPP, provider, item and fare ceiling, and the search's rider and transaction. */
export interface SelectedQuote extends QuoteRow {
  search_request_id: string;
  person_id: string;
  transaction_id: string;
  domain: string;
  city_code: string;
  bpp_id: string;
  bpp_uri: string;
  provider_id: string;
  item_id: string;
  vehicle_category: string | null;
  vehicle_variant: string | null;
  max_fare: string;
  estimate_currency: string;
}

export interface BookingRow {
  id: string;
  person_id: string;
  quote_id: string;
  transaction_id: string;
  bpp_id: string;
  bpp_uri: string;
  provider_id: string;
  item_id: string;
  fulfillment_id: string | null;
  bpp_order_id: string | null;
  status: BookingStatus;
  quoted_fare: string;
  fare: string | null;
  currency: string;
  payment_terms: unknown;
  cancellation_terms: unknown;
  init_message_id: string | null;
  confirm_message_id: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: Date;
  updated_at: Date;
}

const quoteColumns = `q.id, q.estimate_id, q.select_message_id, q.status, q.price::text AS price, q.currency, q.breakup, q.fulfillment_id,
  q.driver_name, q.vehicle_number, q.valid_until, q.error_code, q.error_message, q.order_json, q.created_at, q.updated_at`;
const selectedQuoteSql = `
  SELECT ${quoteColumns}, e.search_request_id, s.person_id, s.transaction_id, COALESCE(e.domain, s.domain) AS domain, s.city_code, e.bpp_id, e.bpp_uri, e.provider_id, e.item_id,
         e.vehicle_category, e.vehicle_variant, e.max_fare::text AS max_fare, e.currency AS estimate_currency
    FROM ${S}.quote q
    JOIN ${S}.estimate e ON e.id = q.estimate_id
    JOIN ${S}.search_request s ON s.id = e.search_request_id`;

export const bookingColumns = `b.id, b.person_id, b.quote_id, b.transaction_id, b.bpp_id, b.bpp_uri, b.provider_id, b.item_id, b.fulfillment_id,
  b.bpp_order_id, b.status, b.quoted_fare::text AS quoted_fare, b.fare::text AS fare, b.currency, b.payment_terms, b.cancellation_terms,
  b.init_message_id, b.confirm_message_id, b.error_code, b.error_message, b.created_at, b.updated_at`;

const one = async <T extends object>(sequelize: Sequelize, sql: string, bind: unknown[], transaction?: Transaction): Promise<T | null> => {
  const [row] = await sequelize.query<T>(sql, { type: QueryTypes.SELECT, bind, ...(transaction ? { transaction } : {}) });
  return row ?? null;
};

export async function insertQuote(
  sequelize: Sequelize,
  transaction: Transaction,
  row: { id: string; estimateId: string; selectMessageId: string },
): Promise<void> {
  await sequelize.query(`INSERT INTO ${S}.quote (id, estimate_id, select_message_id, status) VALUES ($1, $2, $3, 'PENDING')`, {
    bind: [row.id, row.estimateId, row.selectMessageId],
    transaction,
  });
}

/** The quote a select with this message_id asked for, locked for the callback that answers it. */
export function lockQuoteBySelect(sequelize: Sequelize, transaction: Transaction, selectMessageId: string): Promise<SelectedQuote | null> {
  return one<SelectedQuote>(sequelize, `${selectedQuoteSql} WHERE q.select_message_id = $1 FOR UPDATE OF q`, [selectMessageId], transaction);
}

/** A rider's own quote (another rider's is reported missing), locked when booking it. */
export function findQuoteOf(sequelize: Sequelize, quoteId: string, personId: string, transaction?: Transaction): Promise<SelectedQuote | null> {
  return one<SelectedQuote>(
    sequelize,
    `${selectedQuoteSql} WHERE q.id = $1 AND s.person_id = $2${transaction ? ' FOR UPDATE OF q' : ''}`,
    [quoteId, personId],
    transaction,
  );
}

export function quotesOfSearch(sequelize: Sequelize, searchId: string): Promise<SelectedQuote[]> {
  return sequelize.query<SelectedQuote>(`${selectedQuoteSql} WHERE e.search_request_id = $1 ORDER BY q.created_at, q.id`, {
    type: QueryTypes.SELECT,
    bind: [searchId],
  });
}

export async function receiveQuote(
  sequelize: Sequelize,
  transaction: Transaction,
  quoteId: string,
  quote: {
    price: string;
    currency: string;
    breakup: unknown;
    fulfillmentId: string | null;
    driverName: string | null;
    vehicleNumber: string | null;
    validUntil: Date | null;
    order: unknown;
  },
): Promise<void> {
  await sequelize.query(
    `UPDATE ${S}.quote SET status = 'RECEIVED', price = $2, currency = $3, breakup = $4, fulfillment_id = $5, driver_name = $6,
            vehicle_number = $7, valid_until = $8, order_json = $9, error_code = NULL, error_message = NULL, updated_at = now()
      WHERE id = $1`,
    {
      bind: [
        quoteId,
        quote.price,
        quote.currency,
        quote.breakup === undefined ? null : JSON.stringify(quote.breakup),
        quote.fulfillmentId,
        quote.driverName,
        quote.vehicleNumber,
        quote.validUntil,
        JSON.stringify(quote.order),
      ],
      transaction,
    },
  );
}

export async function failQuote(sequelize: Sequelize, transaction: Transaction, quoteId: string, error: { code: string; message: string }): Promise<void> {
  await sequelize.query(`UPDATE ${S}.quote SET status = 'FAILED', error_code = $2, error_message = $3, updated_at = now() WHERE id = $1`, {
    bind: [quoteId, error.code, error.message],
    transaction,
  });
}

export async function findBookingOfQuote(sequelize: Sequelize, transaction: Transaction, quoteId: string): Promise<BookingRow | null> {
  return one<BookingRow>(sequelize, `SELECT ${bookingColumns} FROM ${S}.booking b WHERE b.quote_id = $1`, [quoteId], transaction);
}

export async function insertBooking(
  sequelize: Sequelize,
  transaction: Transaction,
  row: Pick<BookingRow, 'id' | 'person_id' | 'quote_id' | 'transaction_id' | 'bpp_id' | 'bpp_uri' | 'provider_id' | 'item_id' | 'fulfillment_id' | 'quoted_fare' | 'currency' | 'init_message_id'>,
): Promise<void> {
  await sequelize.query(
    `INSERT INTO ${S}.booking (id, person_id, quote_id, transaction_id, bpp_id, bpp_uri, provider_id, item_id, fulfillment_id, status,
       quoted_fare, currency, init_message_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'INITIATING', $10, $11, $12)`,
    {
      bind: [
        row.id,
        row.person_id,
        row.quote_id,
        row.transaction_id,
        row.bpp_id,
        row.bpp_uri,
        row.provider_id,
        row.item_id,
        row.fulfillment_id,
        row.quoted_fare,
        row.currency,
        row.init_message_id,
      ],
      transaction,
    },
  );
}

/** The booking whose init (or confirm) had this message_id, locked for the callback that answers it. */
export function lockBookingByMessage(
  sequelize: Sequelize,
  transaction: Transaction,
  column: 'init_message_id' | 'confirm_message_id',
  messageId: string,
): Promise<BookingRow | null> {
  return one<BookingRow>(sequelize, `SELECT ${bookingColumns} FROM ${S}.booking b WHERE b.${column} = $1 FOR UPDATE`, [messageId], transaction);
}

/** Who collects the booking's payment, as on_init agreed (null before on_init). */
export async function paymentCollectorOf(sequelize: Sequelize, bookingId: string): Promise<string | null> {
  const row = await one<{ collected_by: string | null }>(sequelize, `SELECT payment_terms->>'collected_by' AS collected_by FROM ${S}.booking WHERE id = $1`, [bookingId]);
  return row?.collected_by ?? null;
}

/** The booking, locked for the rest of `transaction`. */
export function lockBooking(sequelize: Sequelize, transaction: Transaction, bookingId: string): Promise<BookingRow | null> {
  return one<BookingRow>(sequelize, `SELECT ${bookingColumns} FROM ${S}.booking b WHERE b.id = $1 FOR UPDATE`, [bookingId], transaction);
}

export async function updateBooking(
  sequelize: Sequelize,
  transaction: Transaction,
  bookingId: string,
  changes: Partial<Pick<BookingRow, 'status' | 'bpp_order_id' | 'fare' | 'payment_terms' | 'cancellation_terms' | 'confirm_message_id' | 'error_code' | 'error_message'>>,
): Promise<void> {
  const json = new Set(['payment_terms', 'cancellation_terms']);
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  const sets = entries.map(([column], i) => `${column} = $${i + 2}`);
  await sequelize.query(`UPDATE ${S}.booking SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1`, {
    bind: [bookingId, ...entries.map(([column, value]) => (json.has(column) && value !== null ? JSON.stringify(value) : value))],
    transaction,
  });
}

export interface NewRide {
  id: string;
  bookingId: string;
  bppRideId: string | null;
  state: string;
  driverName: string | null;
  driverPhone: SealedPhone | null;
  vehicleNumber: string | null;
  vehicleVariant: string | null;
  otp: string | null;
  /** The history's first state: `state`, or RIDE_CONFIRMED while no driver is assigned yet (the ride then waits as RIDE_ASSIGNED without driver). */
  firstEvent: string;
  messageId: string;
  /** When the rider side received the confirmation. */
  at: Date;
  /** When the provider says the order changed (its updated_at), if it said. */
  providerAt: Date | null;
}

/** The ride of a confirmed booking, with its first state in the history (position 0). */
export async function insertRide(sequelize: Sequelize, transaction: Transaction, ride: NewRide): Promise<void> {
  await sequelize.query(
    `INSERT INTO ${S}.ride (id, booking_id, bpp_ride_id, state, driver_name, driver_phone_encrypted, driver_phone_hash, vehicle_number, vehicle_variant, otp)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    {
      bind: [
        ride.id,
        ride.bookingId,
        ride.bppRideId,
        ride.state,
        ride.driverName,
        ride.driverPhone?.encrypted ?? null,
        ride.driverPhone?.hash ?? null,
        ride.vehicleNumber,
        ride.vehicleVariant,
        ride.otp,
      ],
      transaction,
    },
  );
  await sequelize.query(`INSERT INTO ${S}.ride_state_event (ride_id, position, state, message_id, at, provider_at) VALUES ($1, 0, $2, $3, $4, $5)`, {
    bind: [ride.id, ride.firstEvent, ride.messageId, ride.at, ride.providerAt],
    transaction,
  });
}

export async function findPerson(sequelize: Sequelize, transaction: Transaction, personId: string): Promise<{ name: string; mobile_number_encrypted: string } | null> {
  return one(sequelize, `SELECT name, mobile_number_encrypted FROM ${S}.person WHERE id = $1`, [personId], transaction);
}
