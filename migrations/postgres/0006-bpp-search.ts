import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * What the provider answered a search with: the request (route, pickup gate)
 * and one estimate per vehicle variant, its fare breakup line by line. A later
 * select names an estimate by the item id on_search carried, which is the
 * estimate's id.
 */
const S = 'atlas_driver_offer_bpp';

const statements: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${S}.search_request (
    id uuid PRIMARY KEY,
    merchant_id uuid NOT NULL REFERENCES ${S}.merchant (id),
    merchant_operating_city_id uuid NOT NULL REFERENCES ${S}.merchant_operating_city (id),
    bap_id text NOT NULL,
    bap_uri text NOT NULL,
    transaction_id text NOT NULL,
    message_id text NOT NULL,
    domain text NOT NULL,
    from_lat double precision NOT NULL,
    from_lon double precision NOT NULL,
    to_lat double precision NOT NULL,
    to_lon double precision NOT NULL,
    distance_meters integer NOT NULL CHECK (distance_meters >= 0),
    duration_seconds integer NOT NULL CHECK (duration_seconds >= 0),
    special_location_name text,
    pickup_gate_name text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bap_id, transaction_id, message_id)
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.estimate (
    id uuid PRIMARY KEY,
    search_request_id uuid NOT NULL REFERENCES ${S}.search_request (id) ON DELETE CASCADE,
    vehicle_category text NOT NULL,
    vehicle_variant text NOT NULL,
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    value numeric(30, 10) NOT NULL,
    minimum_value numeric(30, 10) NOT NULL,
    maximum_value numeric(30, 10) NOT NULL,
    nearest_driver_meters integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (search_request_id, vehicle_variant),
    CHECK (minimum_value <= value AND value <= maximum_value)
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.estimate_fare_line (
    estimate_id uuid NOT NULL REFERENCES ${S}.estimate (id) ON DELETE CASCADE,
    position integer NOT NULL,
    code text NOT NULL,
    title text NOT NULL,
    amount numeric(30, 10) NOT NULL,
    PRIMARY KEY (estimate_id, position)
  )`,
  `CREATE INDEX IF NOT EXISTS search_request_transaction_idx ON ${S}.search_request (transaction_id)`,
];

export async function up({ context }: MigrationParams): Promise<void> {
  for (const statement of statements) await context.sequelize.query(statement);
}

export async function down({ context }: MigrationParams): Promise<void> {
  for (const table of ['estimate_fare_line', 'estimate', 'search_request']) {
    await context.sequelize.query(`DROP TABLE IF EXISTS ${S}.${table}`);
  }
}
