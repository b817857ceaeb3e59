import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * Accepted inbound Beckn messages waiting for their domain handler. A row is
 * written before the ACK is sent, so what we acknowledged is handled (and a
 * request's callback sent) even if the process dies right after answering.
 */
export async function up({ context }: MigrationParams): Promise<void> {
  const { sequelize } = context;
  await sequelize.query('CREATE SCHEMA IF NOT EXISTS beckn_protocol');
  await sequelize.query(`
    CREATE TABLE IF NOT EXISTS beckn_protocol.inbox (
      id uuid PRIMARY KEY,
      role text NOT NULL CHECK (role IN ('bap', 'bpp')),
      action text NOT NULL,
      transaction_id text,
      message_id text,
      sender text,
      body bytea NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
      attempts integer NOT NULL DEFAULT 0,
      max_attempts integer NOT NULL CHECK (max_attempts > 0),
      next_attempt_at timestamptz NOT NULL,
      lease_owner text,
      lease_until timestamptz,
      last_error text,
      received_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`);
  await sequelize.query('CREATE INDEX IF NOT EXISTS inbox_due_idx ON beckn_protocol.inbox (status, next_attempt_at)');
  await sequelize.query('CREATE INDEX IF NOT EXISTS inbox_transaction_idx ON beckn_protocol.inbox (transaction_id)');
}

export async function down({ context }: MigrationParams): Promise<void> {
  await context.sequelize.query('DROP TABLE IF EXISTS beckn_protocol.inbox');
}
