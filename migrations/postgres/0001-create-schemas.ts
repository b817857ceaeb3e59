import type { MigrationParams } from '../../src/infra/postgres/index.js';

/** The two sides of the service each own a schema: rider (BAP) and provider (BPP). */
export async function up({ context }: MigrationParams): Promise<void> {
  await context.sequelize.query('CREATE SCHEMA IF NOT EXISTS atlas_app');
  await context.sequelize.query('CREATE SCHEMA IF NOT EXISTS atlas_driver_offer_bpp');
}

export async function down({ context }: MigrationParams): Promise<void> {
  await context.sequelize.query('DROP SCHEMA IF EXISTS atlas_driver_offer_bpp RESTRICT');
  await context.sequelize.query('DROP SCHEMA IF EXISTS atlas_app RESTRICT');
}
