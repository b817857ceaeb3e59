import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * The outbound Beckn outbox: every message we owe the network is written here
 * before anything is acknowledged, then delivered by the delivery worker.
 * `body` holds the exact bytes to send (signatures cover bytes, so the body is
 * never re-serialised). Dead letters stay in the table with status 'dead';
 * the view lists them for operators.
 */
export async function up({ context }: MigrationParams): Promise<void> {
  const { sequelize } = context;
  await sequelize.query('CREATE SCHEMA IF NOT EXISTS beckn_protocol');
  await sequelize.query(`
    CREATE TABLE IF NOT EXISTS beckn_protocol.outbox (
      id uuid PRIMARY KEY,
      role text NOT NULL CHECK (role IN ('bap', 'bpp', 'gateway')),
      action text NOT NULL,
      target_url text NOT NULL,
      transaction_id text,
      message_id text,
      body bytea NOT NULL,
      extra_headers jsonb NOT NULL DEFAULT '{}'::jsonb,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
      attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      max_attempts integer NOT NULL CHECK (max_attempts > 0),
      next_attempt_at timestamptz NOT NULL,
      lease_owner text,
      lease_until timestamptz,
      last_error text,
      last_http_status integer,
      dead_reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      delivered_at timestamptz
    )`);
  // Serves the claim query (status = 'pending' AND next_attempt_at <= now ORDER BY next_attempt_at).
  await sequelize.query(
    'CREATE INDEX IF NOT EXISTS outbox_due_idx ON beckn_protocol.outbox (status, next_attempt_at)',
  );
  await sequelize.query(
    'CREATE INDEX IF NOT EXISTS outbox_transaction_idx ON beckn_protocol.outbox (transaction_id)',
  );
  await sequelize.query(`
    CREATE OR REPLACE VIEW beckn_protocol.outbox_dead_letters AS
      SELECT id, role, action, target_url, transaction_id, message_id, attempts, max_attempts,
             dead_reason, last_error, last_http_status, created_at, updated_at AS died_at
        FROM beckn_protocol.outbox
       WHERE status = 'dead'`);
}

export async function down({ context }: MigrationParams): Promise<void> {
  const { sequelize } = context;
  await sequelize.query('DROP VIEW IF EXISTS beckn_protocol.outbox_dead_letters');
  await sequelize.query('DROP TABLE IF EXISTS beckn_protocol.outbox');
  // Other migrations may keep tables in this schema; it goes only once empty.
  await sequelize.query(`
    DO $$
    BEGIN
      IF NOT EXISTS (
        SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'beckn_protocol'
      ) THEN
        DROP SCHEMA IF EXISTS beckn_protocol;
      END IF;
    END
    $$`);
}
