import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * The queue maintenance (src/protocol/queue-maintenance.ts) deletes handled
 * inbox and delivered outbox entries past their retention: these partial
 * indexes find them without reading the pending ones. Both tables turn over
 * every row several times a message, so autovacuum (where it runs) is told
 * to visit them after a fixed number of dead rows rather than a fifth of
 * the table, as it would by default.
 */
export async function up({ context }: MigrationParams): Promise<void> {
  const run = (sql: string) => context.sequelize.query(sql);
  await run("CREATE INDEX IF NOT EXISTS inbox_done_idx ON beckn_protocol.inbox (updated_at) WHERE status = 'done'");
  await run("CREATE INDEX IF NOT EXISTS outbox_delivered_idx ON beckn_protocol.outbox (delivered_at) WHERE status = 'delivered'");
  for (const table of ['inbox', 'outbox']) {
    await run(
      `ALTER TABLE beckn_protocol.${table} SET (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 5000, autovacuum_analyze_scale_factor = 0.0, autovacuum_analyze_threshold = 5000, autovacuum_vacuum_insert_scale_factor = 0.0, autovacuum_vacuum_insert_threshold = 20000)`,
    );
  }
}

export async function down({ context }: MigrationParams): Promise<void> {
  const run = (sql: string) => context.sequelize.query(sql);
  for (const table of ['inbox', 'outbox']) {
    await run(
      `ALTER TABLE beckn_protocol.${table} RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, autovacuum_analyze_scale_factor, autovacuum_analyze_threshold, autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_insert_threshold)`,
    );
  }
  await run('DROP INDEX IF EXISTS beckn_protocol.outbox_delivered_idx');
  await run('DROP INDEX IF EXISTS beckn_protocol.inbox_done_idx');
}
