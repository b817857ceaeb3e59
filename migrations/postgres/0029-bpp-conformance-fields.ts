import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * What the provider's Beckn messages carry beyond the fare: the vehicle's make
 * and model, the driver's masked mobile number (the only form a message
 * shows), the rider the init named (echoed as `fulfillments[].customer`), and
 * the FARE_POLICY and INFO item tags on_search sent for an estimate (repeated
 * by on_select and every order after it), and when the driver set off to
 * the pickup (RIDE_ENROUTE_PICKUP; the ride stays NEW until it arrives).
 */
const S = 'atlas_driver_offer_bpp';

export async function up({ context }: MigrationParams): Promise<void> {
  await context.sequelize.transaction(async (transaction) => {
    const run = (sql: string) => context.sequelize.query(sql, { transaction });
    await run(`ALTER TABLE ${S}.vehicle ADD COLUMN IF NOT EXISTS make text, ADD COLUMN IF NOT EXISTS model text`);
    await run(`ALTER TABLE ${S}.driver ADD COLUMN IF NOT EXISTS mobile_number_masked text`);
    await run(`ALTER TABLE ${S}.booking ADD COLUMN IF NOT EXISTS customer jsonb`);
    await run(`ALTER TABLE ${S}.estimate ADD COLUMN IF NOT EXISTS item_tags jsonb`);
    await run(`ALTER TABLE ${S}.ride ADD COLUMN IF NOT EXISTS enroute_at timestamptz`);
  });
}

export async function down({ context }: MigrationParams): Promise<void> {
  const run = (sql: string) => context.sequelize.query(sql);
  await run(`ALTER TABLE ${S}.ride DROP COLUMN IF EXISTS enroute_at`);
  await run(`ALTER TABLE ${S}.estimate DROP COLUMN IF EXISTS item_tags`);
  await run(`ALTER TABLE ${S}.booking DROP COLUMN IF EXISTS customer`);
  await run(`ALTER TABLE ${S}.driver DROP COLUMN IF EXISTS mobile_number_masked`);
  await run(`ALTER TABLE ${S}.vehicle DROP COLUMN IF EXISTS make, DROP COLUMN IF EXISTS model`);
}
