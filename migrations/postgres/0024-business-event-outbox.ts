import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * Business events (ride ended, payment charged, ...): one transactional
 * outbox per side. A row is inserted in the same transaction as the state
 * change it reports, so an event exists exactly when its change committed.
 * The event relay publishes rows in `seq` order and stamps `relayed_at`;
 * relayed rows are deleted after a retention window.
 */
const SCHEMAS = ['atlas_app', 'atlas_driver_offer_bpp'] as const;

export async function up({ context }: MigrationParams): Promise<void> {
  await context.sequelize.transaction(async (transaction) => {
    const run = (sql: string) => context.sequelize.query(sql, { transaction });
    for (const s of SCHEMAS) {
      await run(`
        CREATE TABLE IF NOT EXISTS ${s}.business_event_outbox (
          seq bigserial PRIMARY KEY,
          event_id uuid NOT NULL UNIQUE,
          event_type text NOT NULL,
          event_version integer NOT NULL CHECK (event_version > 0),
          occurred_at timestamptz NOT NULL,
          side text NOT NULL CHECK (side IN ('bap', 'bpp')),
          merchant_id text,
          city text NOT NULL,
          cell text,
          variant text,
          subject_id text NOT NULL,
          payload jsonb NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          relayed_at timestamptz
        )`);
      // The relay's claim: unrelayed rows in seq order.
      await run(`CREATE INDEX IF NOT EXISTS business_event_outbox_pending_idx ON ${s}.business_event_outbox (seq) WHERE relayed_at IS NULL`);
      await run(`CREATE INDEX IF NOT EXISTS business_event_outbox_relayed_idx ON ${s}.business_event_outbox (relayed_at) WHERE relayed_at IS NOT NULL`);
    }
  });
}

export async function down({ context }: MigrationParams): Promise<void> {
  for (const s of SCHEMAS) await context.sequelize.query(`DROP TABLE IF EXISTS ${s}.business_event_outbox`);
}
