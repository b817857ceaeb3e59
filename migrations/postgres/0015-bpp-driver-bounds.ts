import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * Bounds on what one driver holds at once:
 * - open ride offers: allocation.max_driver_offers is the most open offers
 *   (over every allocation) a driver may hold for this allocation to offer
 *   him its ride too. It is tuning kept on the allocation like the batch
 *   size (DRIVER_MAX_PARALLEL_OFFERS when the select created it), so every
 *   step of the allocation offers the same way; allocations made before
 *   this migration get the setting's default.
 * - live rides: a driver has at most one ride that is neither COMPLETED nor
 *   CANCELLED (NEW, ARRIVED or INPROGRESS), whatever path creates it
 *   (confirm, a re-allocation's accept). A ride ending or cancelled leaves
 *   the index, so the driver's next ride and a booking's re-allocation to
 *   another driver are unaffected. Creating the index fails, naming the
 *   driver, if one already holds two live rides: that must be settled by
 *   hand before the migration can run.
 */
const S = 'atlas_driver_offer_bpp';

const statements: readonly string[] = [
  `ALTER TABLE ${S}.allocation ADD COLUMN IF NOT EXISTS max_driver_offers integer NOT NULL DEFAULT 3 CHECK (max_driver_offers >= 1)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS ride_live_driver_idx ON ${S}.ride (driver_id) WHERE status IN ('NEW', 'ARRIVED', 'INPROGRESS')`,
];

export async function up({ context }: MigrationParams): Promise<void> {
  for (const statement of statements) await context.sequelize.query(statement);
}

export async function down({ context }: MigrationParams): Promise<void> {
  await context.sequelize.query(`DROP INDEX IF EXISTS ${S}.ride_live_driver_idx`);
  await context.sequelize.query(`ALTER TABLE ${S}.allocation DROP COLUMN IF EXISTS max_driver_offers`);
}
