import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * The dev registry's on_subscribe challenges: the latest challenge sent for
 * each key record and how it ended (answered, wrong answer, subscriber
 * unreachable), so the operator sees why a subscriber is still INITIATED.
 */
export async function up({ context }: MigrationParams): Promise<void> {
  await context.sequelize.query(`
    CREATE TABLE IF NOT EXISTS beckn_registry.subscribe_challenge (
      subscriber_id text NOT NULL,
      unique_key_id text NOT NULL,
      state text NOT NULL CHECK (state IN ('SENT', 'ANSWERED', 'WRONG_ANSWER', 'UNREACHABLE', 'NOT_SENT')),
      detail text,
      sent_at timestamptz NOT NULL,
      settled_at timestamptz,
      PRIMARY KEY (subscriber_id, unique_key_id),
      FOREIGN KEY (subscriber_id, unique_key_id) REFERENCES beckn_registry.subscriber (subscriber_id, unique_key_id) ON DELETE CASCADE
    )`);
}

export async function down({ context }: MigrationParams): Promise<void> {
  await context.sequelize.query('DROP TABLE IF EXISTS beckn_registry.subscribe_challenge');
}
