import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * How a booking was cancelled: who cancelled it, the reason code, the fee
 * charged to the rider and the fulfillment state the ride was in. One row
 * per booking, so a repeated cancel cannot charge twice.
 */
const S = 'atlas_driver_offer_bpp';

const statements: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${S}.booking_cancellation (
    booking_id uuid PRIMARY KEY REFERENCES ${S}.booking (id),
    source text NOT NULL CHECK (source IN ('BY_RIDER', 'BY_DRIVER', 'BY_PROVIDER')),
    reason_code text NOT NULL,
    fee numeric(30, 10) NOT NULL CHECK (fee >= 0),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    fulfillment_state text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
];

export async function up({ context }: MigrationParams): Promise<void> {
  for (const statement of statements) await context.sequelize.query(statement);
}

export async function down({ context }: MigrationParams): Promise<void> {
  await context.sequelize.query(`DROP TABLE IF EXISTS ${S}.booking_cancellation`);
}
