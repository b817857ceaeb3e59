import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * The provider side's reference data: operators (merchants) and their cities,
 * drivers and vehicles, fare policies, special locations with their gates and
 * priorities. Money is numeric beside its currency, never float. Geometry uses
 * the native `polygon`/`point` types so PGlite runs it too (no PostGIS).
 */
const S = 'atlas_driver_offer_bpp';

const tables: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${S}.merchant (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    subscriber_id text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.merchant_operating_city (
    id uuid PRIMARY KEY,
    merchant_id uuid NOT NULL REFERENCES ${S}.merchant (id),
    city_code text NOT NULL,
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (merchant_id, city_code)
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.driver (
    id uuid PRIMARY KEY,
    merchant_id uuid NOT NULL REFERENCES ${S}.merchant (id),
    name text NOT NULL,
    mobile_number_encrypted text NOT NULL,
    mobile_number_hash text NOT NULL,
    status text NOT NULL DEFAULT 'OFFLINE' CHECK (status IN ('OFFLINE', 'ONLINE', 'ON_RIDE')),
    rating numeric(3, 2) CHECK (rating BETWEEN 0 AND 5),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (merchant_id, mobile_number_hash)
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.vehicle (
    id uuid PRIMARY KEY,
    driver_id uuid NOT NULL UNIQUE REFERENCES ${S}.driver (id),
    registration_no text NOT NULL UNIQUE,
    category text NOT NULL CHECK (category IN ('AUTO_RICKSHAW', 'CAB')),
    variant text NOT NULL CHECK (variant IN ('SEDAN', 'SUV', 'HATCHBACK', 'AUTO_RICKSHAW')),
    capacity integer NOT NULL CHECK (capacity > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.fare_policy (
    id uuid PRIMARY KEY,
    merchant_operating_city_id uuid NOT NULL REFERENCES ${S}.merchant_operating_city (id),
    vehicle_variant text NOT NULL CHECK (vehicle_variant IN ('SEDAN', 'SUV', 'HATCHBACK', 'AUTO_RICKSHAW')),
    base_distance_meters integer NOT NULL CHECK (base_distance_meters >= 0),
    base_fare numeric(30, 10) NOT NULL CHECK (base_fare >= 0),
    per_km numeric(30, 10) NOT NULL CHECK (per_km >= 0),
    per_minute numeric(30, 10) NOT NULL CHECK (per_minute >= 0),
    night_shift_start time,
    night_shift_end time,
    night_shift_multiplier numeric(10, 4) NOT NULL DEFAULT 1 CHECK (night_shift_multiplier >= 1),
    waiting_free_minutes integer NOT NULL DEFAULT 0 CHECK (waiting_free_minutes >= 0),
    waiting_charge_per_minute numeric(30, 10) NOT NULL DEFAULT 0 CHECK (waiting_charge_per_minute >= 0),
    pickup_charge numeric(30, 10) NOT NULL DEFAULT 0 CHECK (pickup_charge >= 0),
    cancellation_fees jsonb NOT NULL DEFAULT '{}'::jsonb,
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (merchant_operating_city_id, vehicle_variant),
    CHECK ((night_shift_start IS NULL) = (night_shift_end IS NULL))
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.special_location (
    id uuid PRIMARY KEY,
    merchant_operating_city_id uuid NOT NULL REFERENCES ${S}.merchant_operating_city (id),
    name text NOT NULL,
    category text NOT NULL,
    geom polygon NOT NULL,
    linked_location_ids text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.gate_info (
    id uuid PRIMARY KEY,
    special_location_id uuid NOT NULL REFERENCES ${S}.special_location (id) ON DELETE CASCADE,
    name text NOT NULL,
    point point NOT NULL,
    geom polygon,
    can_queue_up_on_gate boolean NOT NULL DEFAULT false,
    default_driver_extra numeric(30, 10) CHECK (default_driver_extra >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.special_location_priority (
    id uuid PRIMARY KEY,
    merchant_id uuid NOT NULL REFERENCES ${S}.merchant (id),
    merchant_operating_city_id uuid NOT NULL REFERENCES ${S}.merchant_operating_city (id),
    category text NOT NULL,
    pickup_priority integer NOT NULL,
    drop_priority integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (merchant_id, merchant_operating_city_id, category)
  )`,
];

const indexes: readonly string[] = [
  // The built-in GiST poly_ops class indexes polygon-contains-polygon, not
  // polygon-contains-point: lookups ask `geom @> <one-point polygon>` to use it.
  `CREATE INDEX IF NOT EXISTS special_location_geom_idx ON ${S}.special_location USING gist (geom)`,
  `CREATE INDEX IF NOT EXISTS special_location_city_idx ON ${S}.special_location (merchant_operating_city_id)`,
  `CREATE INDEX IF NOT EXISTS gate_info_special_location_idx ON ${S}.gate_info (special_location_id)`,
];

export async function up({ context }: MigrationParams): Promise<void> {
  const { sequelize } = context;
  await sequelize.query(`CREATE SCHEMA IF NOT EXISTS ${S}`);
  for (const statement of [...tables, ...indexes]) await sequelize.query(statement);
}

export async function down({ context }: MigrationParams): Promise<void> {
  const { sequelize } = context;
  for (const table of [
    'special_location_priority',
    'gate_info',
    'special_location',
    'fare_policy',
    'vehicle',
    'driver',
    'merchant_operating_city',
    'merchant',
  ]) {
    await sequelize.query(`DROP TABLE IF EXISTS ${S}.${table}`);
  }
}
