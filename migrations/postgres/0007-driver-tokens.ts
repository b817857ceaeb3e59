import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * Bearer tokens of the driver app. Only a keyed hash of each token is stored,
 * so a copy of the table cannot be replayed against the API; a revoked token
 * keeps its row (revoked_at set) as a record of when it stopped working.
 */
const S = 'atlas_driver_offer_bpp';

const statements: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${S}.driver_token (
    id uuid PRIMARY KEY,
    driver_id uuid NOT NULL REFERENCES ${S}.driver (id),
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
  )`,
  // Revocation finds a driver's active tokens without scanning the table.
  `CREATE INDEX IF NOT EXISTS driver_token_active_idx ON ${S}.driver_token (driver_id) WHERE revoked_at IS NULL`,
];

export async function up({ context }: MigrationParams): Promise<void> {
  for (const statement of statements) await context.sequelize.query(statement);
}

export async function down({ context }: MigrationParams): Promise<void> {
  await context.sequelize.query(`DROP TABLE IF EXISTS ${S}.driver_token`);
}
