import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * Re-allocation after a driver cancels before reaching the pickup: the
 * driver's ride is CANCELLED, the booking stays CONFIRMED and its allocation
 * looks for a driver again in a new round; the driver who accepts gets a new
 * ride of the same booking. So:
 * - a booking may have several rides, at most one of them not CANCELLED (the
 *   live one): the UNIQUE (booking_id) of 0009 becomes a partial unique index;
 * - allocation.round counts the searches of an allocation (1: the select's,
 *   2 and on: re-allocations of its confirmed booking), and
 *   allocation.reallocation_reason_code keeps the cancelling driver's reason,
 *   which cancels the booking if nobody accepts within the round's window;
 * - an offer belongs to a round, and a driver may be offered the ride once
 *   per round: UNIQUE (allocation_id, driver_id) becomes (allocation_id,
 *   round, driver_id).
 */
const S = 'atlas_driver_offer_bpp';

const statements: readonly string[] = [
  `ALTER TABLE ${S}.ride DROP CONSTRAINT IF EXISTS ride_booking_id_key`,
  `CREATE UNIQUE INDEX IF NOT EXISTS ride_live_booking_idx ON ${S}.ride (booking_id) WHERE status <> 'CANCELLED'`,
  `CREATE INDEX IF NOT EXISTS ride_booking_idx ON ${S}.ride (booking_id, created_at)`,
  `ALTER TABLE ${S}.allocation
     ADD COLUMN IF NOT EXISTS round integer NOT NULL DEFAULT 1 CHECK (round >= 1),
     ADD COLUMN IF NOT EXISTS reallocation_reason_code text`,
  `ALTER TABLE ${S}.ride_offer ADD COLUMN IF NOT EXISTS round integer NOT NULL DEFAULT 1 CHECK (round >= 1)`,
  `ALTER TABLE ${S}.ride_offer DROP CONSTRAINT IF EXISTS ride_offer_allocation_id_driver_id_key`,
  `CREATE UNIQUE INDEX IF NOT EXISTS ride_offer_round_driver_idx ON ${S}.ride_offer (allocation_id, round, driver_id)`,
];

export async function up({ context }: MigrationParams): Promise<void> {
  for (const statement of statements) await context.sequelize.query(statement);
}

/** Fails while a booking has more than one ride or a driver more than one offer of an allocation: those cannot be undone. */
export async function down({ context }: MigrationParams): Promise<void> {
  const run = (sql: string) => context.sequelize.query(sql);
  await run(`DROP INDEX IF EXISTS ${S}.ride_offer_round_driver_idx`);
  await run(`ALTER TABLE ${S}.ride_offer ADD CONSTRAINT ride_offer_allocation_id_driver_id_key UNIQUE (allocation_id, driver_id)`);
  await run(`ALTER TABLE ${S}.ride_offer DROP COLUMN IF EXISTS round`);
  await run(`ALTER TABLE ${S}.allocation DROP COLUMN IF EXISTS round, DROP COLUMN IF EXISTS reallocation_reason_code`);
  await run(`DROP INDEX IF EXISTS ${S}.ride_booking_idx`);
  await run(`DROP INDEX IF EXISTS ${S}.ride_live_booking_idx`);
  await run(`ALTER TABLE ${S}.ride ADD CONSTRAINT ride_booking_id_key UNIQUE (booking_id)`);
}
