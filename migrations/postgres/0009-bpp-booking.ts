import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * Bookings and rides. init turns an assigned allocation into a NEW booking
 * (one per allocation, its quote and the agreed payment and cancellation
 * terms); confirm makes it CONFIRMED and creates the ride with its OTP.
 */
const S = 'atlas_driver_offer_bpp';

const statements: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${S}.booking (
    id uuid PRIMARY KEY,
    allocation_id uuid NOT NULL UNIQUE REFERENCES ${S}.allocation (id),
    transaction_id text NOT NULL,
    bap_id text NOT NULL,
    bap_uri text NOT NULL,
    status text NOT NULL CHECK (status IN ('NEW', 'CONFIRMED', 'CANCELLED')),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    quote_value numeric(30, 10) NOT NULL,
    payment_collected_by text NOT NULL CHECK (payment_collected_by IN ('BAP', 'BPP')),
    payment_terms jsonb NOT NULL,
    cancellation_terms jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.booking_fare_line (
    booking_id uuid NOT NULL REFERENCES ${S}.booking (id) ON DELETE CASCADE,
    position integer NOT NULL,
    code text NOT NULL,
    title text NOT NULL,
    amount numeric(30, 10) NOT NULL,
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    PRIMARY KEY (booking_id, position)
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.ride (
    id uuid PRIMARY KEY,
    booking_id uuid NOT NULL UNIQUE REFERENCES ${S}.booking (id),
    driver_id uuid NOT NULL REFERENCES ${S}.driver (id),
    otp char(4) NOT NULL CHECK (otp ~ '^[0-9]{4}$'),
    status text NOT NULL CHECK (status IN ('NEW', 'INPROGRESS', 'COMPLETED', 'CANCELLED')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX IF NOT EXISTS booking_transaction_idx ON ${S}.booking (transaction_id)`,
  `CREATE INDEX IF NOT EXISTS ride_driver_idx ON ${S}.ride (driver_id)`,
];

export async function up({ context }: MigrationParams): Promise<void> {
  for (const statement of statements) await context.sequelize.query(statement);
}

export async function down({ context }: MigrationParams): Promise<void> {
  for (const table of ['ride', 'booking_fare_line', 'booking']) {
    await context.sequelize.query(`DROP TABLE IF EXISTS ${S}.${table}`);
  }
}
