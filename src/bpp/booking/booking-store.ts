import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { farePolicyColumns, toFarePolicy, type FarePolicyRow } from '../fare-policy-row.js';
import type { FarePolicy } from '../domain/index.js';
import { BPP_SCHEMA, type VehicleCategory, type VehicleVariant } from '../models/index.js';
import type { AllocationStatus } from '../allocation/index.js';
import { offeredDriverColumns, offeredDriverJoins, toOfferedDriver, type OfferedDriver, type SelectedEstimate } from '../allocation/allocation-data.js';

export type BookingStatus = 'NEW' | 'CONFIRMED' | 'CANCELLED';

export interface StoredBooking {
  id: string;
  allocationId: string;
  status: BookingStatus;
  /** The quoted total, a decimal string without trailing fraction zeros (e.g. "146.5"). */
  quoteValue: string;
  currency: string;
  paymentCollectedBy: 'BAP' | 'BPP';
  paymentTerms: Record<string, unknown>;
  cancellationTerms: unknown[];
  /** The rider as init (or confirm) named them; null when neither did. */
  customer: Record<string, unknown> | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface AssignedDriver extends OfferedDriver {
  driverId: string;
}

/** The allocation of an estimate (row locked) with its driver once assigned. */
export async function lockAllocationOf(
  sequelize: Sequelize,
  transaction: Transaction,
  estimateId: string,
): Promise<{ id: string; status: AllocationStatus; driverId: string | null } | null> {
  const [row] = await sequelize.query<{ id: string; status: AllocationStatus; driver_id: string | null }>(
    `SELECT id, status, driver_id FROM ${BPP_SCHEMA}.allocation WHERE estimate_id = $1 FOR UPDATE`,
    { type: QueryTypes.SELECT, bind: [estimateId], transaction },
  );
  return row ? { id: row.id, status: row.status, driverId: row.driver_id } : null;
}

interface BookingRow {
  id: string;
  allocation_id: string;
  status: BookingStatus;
  quote_value: string;
  currency: string;
  payment_collected_by: 'BAP' | 'BPP';
  payment_terms: Record<string, unknown>;
  cancellation_terms: unknown[];
  customer: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
}

const toBooking = (row: BookingRow): StoredBooking => ({
  id: row.id,
  allocationId: row.allocation_id,
  status: row.status,
  quoteValue: row.quote_value,
  currency: row.currency.trim(),
  paymentCollectedBy: row.payment_collected_by,
  paymentTerms: row.payment_terms,
  cancellationTerms: row.cancellation_terms,
  customer: row.customer,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const bookingColumns =
  'id, allocation_id, status, trim_scale(quote_value)::text AS quote_value, currency, payment_collected_by, payment_terms, cancellation_terms, customer, created_at, updated_at';

/** The booking of an allocation (row locked), if an init created one. */
export async function lockBookingOf(sequelize: Sequelize, transaction: Transaction, allocationId: string): Promise<StoredBooking | null> {
  const [row] = await sequelize.query<BookingRow>(
    `SELECT ${bookingColumns} FROM ${BPP_SCHEMA}.booking WHERE allocation_id = $1 FOR UPDATE`,
    { type: QueryTypes.SELECT, bind: [allocationId], transaction },
  );
  return row ? toBooking(row) : null;
}

export interface BookingDraft {
  id: string;
  allocationId: string;
  transactionId: string;
  bapId: string;
  bapUri: string;
  estimate: SelectedEstimate;
  paymentCollectedBy: 'BAP' | 'BPP';
  paymentTerms: Record<string, unknown>;
  cancellationTerms: unknown[];
  customer: Record<string, unknown> | null;
}

/** Creates the NEW booking of an allocation, or rewrites the terms of the NEW one a previous init created. */
export async function saveNewBooking(sequelize: Sequelize, transaction: Transaction, draft: BookingDraft): Promise<StoredBooking> {
  const [row] = await sequelize.query<BookingRow>(
    `INSERT INTO ${BPP_SCHEMA}.booking (
       id, allocation_id, transaction_id, bap_id, bap_uri, status, currency, quote_value,
       payment_collected_by, payment_terms, cancellation_terms, customer
     ) VALUES ($1, $2, $3, $4, $5, 'NEW', $6, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb)
     ON CONFLICT (allocation_id) DO UPDATE SET
       transaction_id = EXCLUDED.transaction_id, bap_uri = EXCLUDED.bap_uri,
       payment_collected_by = EXCLUDED.payment_collected_by, payment_terms = EXCLUDED.payment_terms,
       cancellation_terms = EXCLUDED.cancellation_terms, customer = EXCLUDED.customer, updated_at = now()
     RETURNING ${bookingColumns}`,
    {
      type: QueryTypes.SELECT,
      bind: [
        draft.id,
        draft.allocationId,
        draft.transactionId,
        draft.bapId,
        draft.bapUri,
        draft.estimate.currency,
        draft.estimate.value,
        draft.paymentCollectedBy,
        JSON.stringify(draft.paymentTerms),
        JSON.stringify(draft.cancellationTerms),
        draft.customer ? JSON.stringify(draft.customer) : null,
      ],
      transaction,
    },
  );
  if (!row) throw new Error('booking upsert returned no row');
  await sequelize.query(`DELETE FROM ${BPP_SCHEMA}.booking_fare_line WHERE booking_id = $1`, { bind: [row.id], transaction });
  for (const [position, line] of draft.estimate.lines.entries()) {
    await sequelize.query(
      `INSERT INTO ${BPP_SCHEMA}.booking_fare_line (booking_id, position, code, title, amount, currency) VALUES ($1, $2, $3, $4, $5, $6)`,
      { bind: [row.id, position, line.code, line.title, line.amount, draft.estimate.currency], transaction },
    );
  }
  return toBooking(row);
}

/**
 * Marks a NEW booking CONFIRMED and creates its ride; returns the confirmed
 * booking. `paymentTerms`, when given, replace the booking's payment terms
 * in the same statement (a PRE-ORDER payment the confirm reports PAID).
 */
export async function confirmBooking(
  sequelize: Sequelize,
  transaction: Transaction,
  input: { bookingId: string; rideId: string; driverId: string; otp: string; paymentTerms?: Record<string, unknown>; customer?: Record<string, unknown> | null },
): Promise<StoredBooking> {
  const [row] = await sequelize.query<BookingRow>(
    `UPDATE ${BPP_SCHEMA}.booking SET status = 'CONFIRMED', payment_terms = COALESCE($2::jsonb, payment_terms),
            customer = COALESCE($3::jsonb, customer), updated_at = now()
      WHERE id = $1 AND status = 'NEW'
     RETURNING ${bookingColumns}`,
    {
      type: QueryTypes.SELECT,
      bind: [input.bookingId, input.paymentTerms ? JSON.stringify(input.paymentTerms) : null, input.customer ? JSON.stringify(input.customer) : null],
      transaction,
    },
  );
  if (!row) throw new Error(`booking ${input.bookingId} is not NEW`);
  await sequelize.query(`INSERT INTO ${BPP_SCHEMA}.ride (id, booking_id, driver_id, otp, status) VALUES ($1, $2, $3, $4, 'NEW')`, {
    bind: [input.rideId, input.bookingId, input.driverId, input.otp],
    transaction,
  });
  return toBooking(row);
}

/** Replaces the payment terms of a booking (a payment collected at the ride end); returns the booking. */
export async function savePaymentTerms(
  sequelize: Sequelize,
  transaction: Transaction,
  bookingId: string,
  paymentTerms: Record<string, unknown>,
): Promise<StoredBooking> {
  const [row] = await sequelize.query<BookingRow>(
    `UPDATE ${BPP_SCHEMA}.booking SET payment_terms = $2::jsonb, updated_at = now() WHERE id = $1 RETURNING ${bookingColumns}`,
    { type: QueryTypes.SELECT, bind: [bookingId, JSON.stringify(paymentTerms)], transaction },
  );
  if (!row) throw new Error(`booking ${bookingId} not found`);
  return toBooking(row);
}

/**
 * The id of the current ride of the booking aliased `booking` in a query: its
 * live ride (at most one is not CANCELLED), else the latest cancelled one. A
 * booking has several rides when drivers cancelled and others took it over.
 */
export const currentRideIdSql = (booking: string): string => `(
  SELECT cr.id FROM ${BPP_SCHEMA}.ride cr WHERE cr.booking_id = ${booking}.id
   ORDER BY (cr.status <> 'CANCELLED') DESC, cr.created_at DESC, cr.id DESC LIMIT 1)`;

/** The booking's current ride (see currentRideIdSql). */
export async function findRideOf(sequelize: Sequelize, transaction: Transaction, bookingId: string): Promise<{ id: string; driverId: string; otp: string } | null> {
  const [row] = await sequelize.query<{ id: string; driver_id: string; otp: string }>(
    `SELECT id, driver_id, otp FROM ${BPP_SCHEMA}.ride WHERE booking_id = $1
      ORDER BY (status <> 'CANCELLED') DESC, created_at DESC, id DESC LIMIT 1`,
    { type: QueryTypes.SELECT, bind: [bookingId], transaction },
  );
  return row ? { id: row.id, driverId: row.driver_id, otp: row.otp } : null;
}

export async function findAssignedDriver(sequelize: Sequelize, transaction: Transaction, driverId: string): Promise<AssignedDriver | null> {
  const [row] = await sequelize.query<Parameters<typeof toOfferedDriver>[0] & { id: string }>(
    `SELECT d.id, ${offeredDriverColumns} FROM ${offeredDriverJoins} WHERE d.id = $1`,
    { type: QueryTypes.SELECT, bind: [driverId], transaction },
  );
  return row ? { driverId: row.id, ...toOfferedDriver(row) } : null;
}

/** The fare policy an estimate was priced with (the night window read in `timeZone`). */
export async function findEstimatePolicy(
  sequelize: Sequelize,
  transaction: Transaction,
  estimate: SelectedEstimate,
  timeZone: string,
): Promise<FarePolicy | null> {
  const [row] = await sequelize.query<FarePolicyRow>(
    `SELECT ${farePolicyColumns}
       FROM ${BPP_SCHEMA}.search_request s
       JOIN ${BPP_SCHEMA}.fare_policy f ON f.merchant_operating_city_id = s.merchant_operating_city_id AND f.vehicle_variant = $2
      WHERE s.id = $1`,
    { type: QueryTypes.SELECT, bind: [estimate.searchRequestId, estimate.variant], transaction },
  );
  return row ? toFarePolicy(row, timeZone) : null;
}
