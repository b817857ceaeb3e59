import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * Allocation in batches: an allocation offers the ride to a batch of the
 * nearest eligible drivers at a time and moves on to the next batch when
 * every offer of the current one was declined or expired, until its window
 * (allocation.deadline) ends. The allocation keeps its current batch number
 * and the tuning it was created with, so whoever advances it (the batch job,
 * a driver declining) offers the same way; each offer records its batch.
 */
const S = 'atlas_driver_offer_bpp';

const statements: readonly string[] = [
  `ALTER TABLE ${S}.allocation
     ADD COLUMN IF NOT EXISTS batch integer NOT NULL DEFAULT 1 CHECK (batch >= 1),
     ADD COLUMN IF NOT EXISTS batch_size integer NOT NULL DEFAULT 5 CHECK (batch_size >= 1),
     ADD COLUMN IF NOT EXISTS offer_expiry_ms integer NOT NULL DEFAULT 20000 CHECK (offer_expiry_ms > 0),
     ADD COLUMN IF NOT EXISTS offer_radius_meters integer NOT NULL DEFAULT 5000 CHECK (offer_radius_meters > 0)`,
  `ALTER TABLE ${S}.ride_offer ADD COLUMN IF NOT EXISTS batch integer NOT NULL DEFAULT 1 CHECK (batch >= 1)`,
];

export async function up({ context }: MigrationParams): Promise<void> {
  for (const statement of statements) await context.sequelize.query(statement);
}

export async function down({ context }: MigrationParams): Promise<void> {
  await context.sequelize.query(`ALTER TABLE ${S}.ride_offer DROP COLUMN IF EXISTS batch`);
  await context.sequelize.query(
    `ALTER TABLE ${S}.allocation DROP COLUMN IF EXISTS batch, DROP COLUMN IF EXISTS batch_size,
       DROP COLUMN IF EXISTS offer_expiry_ms, DROP COLUMN IF EXISTS offer_radius_meters`,
  );
}
