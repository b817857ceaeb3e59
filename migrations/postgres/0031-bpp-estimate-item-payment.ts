import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * The payment on_search offered for an estimate (who collects, the buyer
 * finder fee and settlement amounts on that estimate), kept so a status that
 * names the transaction before init answers the selected quote with the
 * payment terms it was offered with.
 */
const S = 'atlas_driver_offer_bpp';

export async function up({ context }: MigrationParams): Promise<void> {
  await context.sequelize.query(`ALTER TABLE ${S}.estimate ADD COLUMN IF NOT EXISTS item_payment jsonb`);
}

export async function down({ context }: MigrationParams): Promise<void> {
  await context.sequelize.query(`ALTER TABLE ${S}.estimate DROP COLUMN IF EXISTS item_payment`);
}
