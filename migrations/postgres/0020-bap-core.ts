import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * The rider side (BAP): riders and their tokens, searches and the estimates
 * BPPs answered them with, quotes from on_select, bookings and their rides
 * (state history, final fare), cancellations, ratings, every callback we
 * applied or refused, and the results of idempotent rider requests.
 */
const S = 'atlas_app';

const money = (name: string, nullable = true) => `${name} numeric(30, 10)${nullable ? '' : ' NOT NULL'}`;

const statements: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${S}.person (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    mobile_number_encrypted text NOT NULL,
    mobile_number_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.rider_token (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL REFERENCES ${S}.person (id),
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.search_request (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL REFERENCES ${S}.person (id),
    transaction_id text NOT NULL UNIQUE,
    message_id text NOT NULL,
    domain text NOT NULL,
    city_code text NOT NULL,
    from_lat double precision NOT NULL,
    from_lon double precision NOT NULL,
    to_lat double precision NOT NULL,
    to_lon double precision NOT NULL,
    valid_until timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.estimate (
    id uuid PRIMARY KEY,
    search_request_id uuid NOT NULL REFERENCES ${S}.search_request (id),
    bpp_id text NOT NULL,
    bpp_uri text NOT NULL,
    provider_id text NOT NULL,
    provider_name text,
    item_id text NOT NULL,
    fulfillment_id text,
    vehicle_category text,
    vehicle_variant text,
    ${money('min_fare', false)},
    ${money('max_fare', false)},
    currency char(3) NOT NULL,
    on_search_message_id text NOT NULL,
    offer jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (search_request_id, bpp_id, provider_id, item_id)
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.quote (
    id uuid PRIMARY KEY,
    estimate_id uuid NOT NULL REFERENCES ${S}.estimate (id),
    select_message_id text NOT NULL UNIQUE,
    status text NOT NULL CHECK (status IN ('PENDING', 'RECEIVED', 'FAILED')),
    ${money('price')},
    currency char(3),
    breakup jsonb,
    fulfillment_id text,
    driver_name text,
    vehicle_number text,
    valid_until timestamptz,
    error_code text,
    error_message text,
    order_json jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.booking (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL REFERENCES ${S}.person (id),
    quote_id uuid NOT NULL UNIQUE REFERENCES ${S}.quote (id),
    transaction_id text NOT NULL,
    bpp_id text NOT NULL,
    bpp_uri text NOT NULL,
    provider_id text NOT NULL,
    item_id text NOT NULL,
    fulfillment_id text,
    bpp_order_id text,
    status text NOT NULL CHECK (status IN ('INITIATING', 'CONFIRMING', 'CONFIRMED', 'COMPLETED', 'CANCELLED', 'FAILED')),
    ${money('quoted_fare', false)},
    ${money('fare')},
    currency char(3) NOT NULL,
    payment_terms jsonb,
    cancellation_terms jsonb,
    init_message_id text,
    confirm_message_id text,
    error_code text,
    error_message text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.ride (
    id uuid PRIMARY KEY,
    booking_id uuid NOT NULL UNIQUE REFERENCES ${S}.booking (id),
    bpp_ride_id text,
    state text NOT NULL CHECK (state IN ('RIDE_ASSIGNED', 'RIDE_ENROUTE_PICKUP', 'RIDE_ARRIVED_PICKUP', 'RIDE_STARTED', 'RIDE_ENDED', 'RIDE_CANCELLED')),
    driver_name text,
    driver_phone text,
    vehicle_number text,
    vehicle_variant text,
    otp text,
    ${money('final_fare')},
    final_fare_breakup jsonb,
    driver_lat double precision,
    driver_lon double precision,
    driver_location_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.ride_state_event (
    ride_id uuid NOT NULL REFERENCES ${S}.ride (id),
    position integer NOT NULL,
    state text NOT NULL,
    message_id text,
    at timestamptz NOT NULL,
    PRIMARY KEY (ride_id, position)
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.cancellation (
    booking_id uuid PRIMARY KEY REFERENCES ${S}.booking (id),
    source text NOT NULL CHECK (source IN ('BY_RIDER', 'BY_DRIVER', 'BY_PROVIDER')),
    reason_code text,
    status text NOT NULL CHECK (status IN ('FEE_QUOTED', 'REQUESTED', 'CONFIRMED')),
    ${money('fee')},
    currency char(3),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.rating (
    booking_id uuid PRIMARY KEY REFERENCES ${S}.booking (id),
    value smallint NOT NULL CHECK (value BETWEEN 1 AND 5),
    comment text,
    message_id text NOT NULL,
    acknowledged_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  // Every callback the rider side judged: applied, or refused with the code it was NACKed with.
  `CREATE TABLE IF NOT EXISTS ${S}.callback_record (
    id uuid PRIMARY KEY,
    bpp_id text NOT NULL,
    action text NOT NULL,
    transaction_id text NOT NULL,
    message_id text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('APPLIED', 'REFUSED')),
    error_code text,
    reason text,
    received_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE UNIQUE INDEX IF NOT EXISTS callback_record_applied_idx ON ${S}.callback_record (bpp_id, action, message_id) WHERE outcome = 'APPLIED'`,
  `CREATE INDEX IF NOT EXISTS callback_record_transaction_idx ON ${S}.callback_record (transaction_id)`,
  `CREATE TABLE IF NOT EXISTS ${S}.idempotent_request (
    person_id uuid NOT NULL REFERENCES ${S}.person (id),
    key text NOT NULL,
    method text NOT NULL,
    path text NOT NULL,
    request_sha256 text NOT NULL,
    status integer,
    response jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, key)
  )`,
  `CREATE INDEX IF NOT EXISTS bap_booking_transaction_idx ON ${S}.booking (transaction_id)`,
  `CREATE INDEX IF NOT EXISTS bap_estimate_search_idx ON ${S}.estimate (search_request_id)`,
];

const tables = [
  'idempotent_request',
  'callback_record',
  'rating',
  'cancellation',
  'ride_state_event',
  'ride',
  'booking',
  'quote',
  'estimate',
  'search_request',
  'rider_token',
  'person',
];

export async function up({ context }: MigrationParams): Promise<void> {
  for (const statement of statements) await context.sequelize.query(statement);
}

export async function down({ context }: MigrationParams): Promise<void> {
  for (const table of tables) await context.sequelize.query(`DROP TABLE IF EXISTS ${S}.${table}`);
}
