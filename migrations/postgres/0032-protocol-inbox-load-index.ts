import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * The inbox's pending entries of a role in due order, with their lease: the
 * admission check samples the pending depth and the oldest entry waiting for
 * a handler several times a second, and this partial index answers both from
 * the pending rows alone (index-only), however many done rows the table keeps.
 */
export async function up({ context }: MigrationParams): Promise<void> {
  await context.sequelize.query(
    "CREATE INDEX IF NOT EXISTS inbox_pending_load_idx ON beckn_protocol.inbox (role, next_attempt_at) INCLUDE (lease_until) WHERE status = 'pending'",
  );
}

export async function down({ context }: MigrationParams): Promise<void> {
  await context.sequelize.query('DROP INDEX IF EXISTS beckn_protocol.inbox_pending_load_idx');
}
