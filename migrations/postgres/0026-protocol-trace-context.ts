import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * The W3C trace context (`traceparent`, `tracestate`) of the work that queued
 * an outbound message or accepted an inbound one, so the delivery or the
 * handler that runs later, on any replica, continues the same trace. Null
 * when nothing was traced.
 */
export async function up({ context }: MigrationParams): Promise<void> {
  const { sequelize } = context;
  await sequelize.query('ALTER TABLE beckn_protocol.outbox ADD COLUMN IF NOT EXISTS trace_context jsonb');
  await sequelize.query('ALTER TABLE beckn_protocol.inbox ADD COLUMN IF NOT EXISTS trace_context jsonb');
}

export async function down({ context }: MigrationParams): Promise<void> {
  const { sequelize } = context;
  await sequelize.query('ALTER TABLE beckn_protocol.inbox DROP COLUMN IF EXISTS trace_context');
  await sequelize.query('ALTER TABLE beckn_protocol.outbox DROP COLUMN IF EXISTS trace_context');
}
