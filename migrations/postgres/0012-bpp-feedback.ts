import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * What happens around a confirmed ride besides the driver's moves:
 * - ride_rating: the rider's rating of a completed ride, one per ride (a later
 *   rating replaces the earlier one; the driver's average is recomputed from
 *   these rows, so a repeated rating changes nothing).
 * - ride_drop_update: the drop the rider changed to with an update, and the
 *   fare estimate recomputed for the new route; one row per ride, the latest.
 * - merchant support contact: what on_support answers with.
 */
const S = 'atlas_driver_offer_bpp';

const statements: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${S}.ride_rating (
    ride_id uuid PRIMARY KEY REFERENCES ${S}.ride (id),
    value smallint NOT NULL CHECK (value BETWEEN 1 AND 5),
    category text NOT NULL,
    feedback text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.ride_drop_update (
    ride_id uuid PRIMARY KEY REFERENCES ${S}.ride (id),
    to_lat double precision NOT NULL CHECK (to_lat BETWEEN -90 AND 90),
    to_lon double precision NOT NULL CHECK (to_lon BETWEEN -180 AND 180),
    distance_meters integer NOT NULL CHECK (distance_meters >= 0),
    duration_seconds integer NOT NULL CHECK (duration_seconds >= 0),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    value numeric(30, 10) NOT NULL,
    minimum_value numeric(30, 10) NOT NULL,
    maximum_value numeric(30, 10) NOT NULL,
    fare_lines jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (minimum_value <= value AND value <= maximum_value)
  )`,
  `ALTER TABLE ${S}.merchant ADD COLUMN IF NOT EXISTS support_phone text`,
  `ALTER TABLE ${S}.merchant ADD COLUMN IF NOT EXISTS support_email text`,
  `ALTER TABLE ${S}.merchant ADD COLUMN IF NOT EXISTS support_url text`,
];

export async function up({ context }: MigrationParams): Promise<void> {
  for (const statement of statements) await context.sequelize.query(statement);
}

export async function down({ context }: MigrationParams): Promise<void> {
  for (const column of ['support_url', 'support_email', 'support_phone']) {
    await context.sequelize.query(`ALTER TABLE ${S}.merchant DROP COLUMN IF EXISTS ${column}`);
  }
  for (const table of ['ride_drop_update', 'ride_rating']) {
    await context.sequelize.query(`DROP TABLE IF EXISTS ${S}.${table}`);
  }
}
