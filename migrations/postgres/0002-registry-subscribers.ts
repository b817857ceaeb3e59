import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * The dev registry's subscriber records (core 1.1 `Subscription`): one row
 * per key of a participant, so a key rotation adds a row. Statuses follow
 * the registry spec's enum.
 */
export async function up({ context }: MigrationParams): Promise<void> {
  const { sequelize } = context;
  await sequelize.query('CREATE SCHEMA IF NOT EXISTS beckn_registry');
  await sequelize.query(`
    CREATE TABLE IF NOT EXISTS beckn_registry.subscriber (
      subscriber_id text NOT NULL,
      unique_key_id text NOT NULL,
      type text NOT NULL CHECK (type IN ('BAP', 'BPP', 'BG', 'BREG')),
      domain text,
      city text,
      country text,
      subscriber_url text NOT NULL,
      signing_public_key text NOT NULL,
      encr_public_key text,
      valid_from timestamptz NOT NULL,
      valid_until timestamptz NOT NULL,
      status text NOT NULL CHECK (status IN ('INITIATED', 'UNDER_SUBSCRIPTION', 'SUBSCRIBED', 'EXPIRED', 'UNSUBSCRIBED', 'INVALID_SSL')),
      created timestamptz NOT NULL DEFAULT now(),
      updated timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (subscriber_id, unique_key_id),
      CHECK (valid_until > valid_from)
    )`);
  // The gateway's fan-out lookup filters by type and domain, often city; subscriber_id lookups use the primary key.
  await sequelize.query(
    'CREATE INDEX IF NOT EXISTS subscriber_type_domain_city_idx ON beckn_registry.subscriber (type, domain, city)',
  );
  await sequelize.query('CREATE INDEX IF NOT EXISTS subscriber_domain_city_idx ON beckn_registry.subscriber (domain, city)');
  await sequelize.query('CREATE INDEX IF NOT EXISTS subscriber_country_idx ON beckn_registry.subscriber (country)');
}

export async function down({ context }: MigrationParams): Promise<void> {
  await context.sequelize.query('DROP TABLE IF EXISTS beckn_registry.subscriber');
  await context.sequelize.query('DROP SCHEMA IF EXISTS beckn_registry RESTRICT');
}
