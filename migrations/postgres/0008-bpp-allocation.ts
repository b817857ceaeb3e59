import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * Allocation of a selected estimate to a driver. A select creates one
 * allocation per estimate (it keeps the quoted fare and what a later
 * callback needs to reach the BAP) and offers the ride to nearby drivers;
 * the first accept assigns it, the deadline fails it.
 */
const S = 'atlas_driver_offer_bpp';

const statements: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${S}.allocation (
    id uuid PRIMARY KEY,
    estimate_id uuid NOT NULL UNIQUE REFERENCES ${S}.estimate (id) ON DELETE CASCADE,
    search_request_id uuid NOT NULL REFERENCES ${S}.search_request (id) ON DELETE CASCADE,
    transaction_id text NOT NULL,
    select_context jsonb NOT NULL,
    status text NOT NULL CHECK (status IN ('SEARCHING', 'ASSIGNED', 'FAILED')),
    driver_id uuid REFERENCES ${S}.driver (id),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    quoted_value numeric(30, 10) NOT NULL,
    deadline timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'ASSIGNED') = (driver_id IS NOT NULL))
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.ride_offer (
    id uuid PRIMARY KEY,
    allocation_id uuid NOT NULL REFERENCES ${S}.allocation (id) ON DELETE CASCADE,
    estimate_id uuid NOT NULL REFERENCES ${S}.estimate (id) ON DELETE CASCADE,
    search_request_id uuid NOT NULL REFERENCES ${S}.search_request (id) ON DELETE CASCADE,
    driver_id uuid NOT NULL REFERENCES ${S}.driver (id),
    distance_meters integer NOT NULL CHECK (distance_meters >= 0),
    status text NOT NULL CHECK (status IN ('OFFERED', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'TAKEN')),
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (allocation_id, driver_id)
  )`,
  // The driver app lists a driver's open offers on every poll.
  `CREATE INDEX IF NOT EXISTS ride_offer_open_idx ON ${S}.ride_offer (driver_id, expires_at) WHERE status = 'OFFERED'`,
  `CREATE INDEX IF NOT EXISTS allocation_transaction_idx ON ${S}.allocation (transaction_id)`,
];

export async function up({ context }: MigrationParams): Promise<void> {
  for (const statement of statements) await context.sequelize.query(statement);
}

export async function down({ context }: MigrationParams): Promise<void> {
  for (const table of ['ride_offer', 'allocation']) {
    await context.sequelize.query(`DROP TABLE IF EXISTS ${S}.${table}`);
  }
}
