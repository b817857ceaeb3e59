import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * The ride lifecycle the driver app drives: NEW -> ARRIVED -> INPROGRESS ->
 * COMPLETED, the instants of each move, the distance measured from the
 * ride's waypoints and the final fare, stored line by line.
 */
const S = 'atlas_driver_offer_bpp';

const statements: readonly string[] = [
  `ALTER TABLE ${S}.ride DROP CONSTRAINT IF EXISTS ride_status_check`,
  `ALTER TABLE ${S}.ride ADD CONSTRAINT ride_status_check CHECK (status IN ('NEW', 'ARRIVED', 'INPROGRESS', 'COMPLETED', 'CANCELLED'))`,
  `ALTER TABLE ${S}.ride ADD COLUMN IF NOT EXISTS arrived_at timestamptz`,
  `ALTER TABLE ${S}.ride ADD COLUMN IF NOT EXISTS started_at timestamptz`,
  `ALTER TABLE ${S}.ride ADD COLUMN IF NOT EXISTS ended_at timestamptz`,
  `ALTER TABLE ${S}.ride ADD COLUMN IF NOT EXISTS traveled_distance_meters integer CHECK (traveled_distance_meters >= 0)`,
  `ALTER TABLE ${S}.ride ADD COLUMN IF NOT EXISTS final_fare numeric(30, 10)`,
  `CREATE TABLE IF NOT EXISTS ${S}.ride_fare_line (
    ride_id uuid NOT NULL REFERENCES ${S}.ride (id) ON DELETE CASCADE,
    position integer NOT NULL,
    code text NOT NULL,
    title text NOT NULL,
    amount numeric(30, 10) NOT NULL,
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    PRIMARY KEY (ride_id, position)
  )`,
];

export async function up({ context }: MigrationParams): Promise<void> {
  for (const statement of statements) await context.sequelize.query(statement);
}

export async function down({ context }: MigrationParams): Promise<void> {
  await context.sequelize.query(`DROP TABLE IF EXISTS ${S}.ride_fare_line`);
  for (const column of ['final_fare', 'traveled_distance_meters', 'ended_at', 'started_at', 'arrived_at']) {
    await context.sequelize.query(`ALTER TABLE ${S}.ride DROP COLUMN IF EXISTS ${column}`);
  }
  await context.sequelize.query(`ALTER TABLE ${S}.ride DROP CONSTRAINT IF EXISTS ride_status_check`);
  await context.sequelize.query(`ALTER TABLE ${S}.ride ADD CONSTRAINT ride_status_check CHECK (status IN ('NEW', 'INPROGRESS', 'COMPLETED', 'CANCELLED'))`);
}
