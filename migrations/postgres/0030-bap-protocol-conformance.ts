import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * What the rider side keeps to show a ride as the provider reported it
 * without trusting the provider's clock or forgetting what the rider said:
 *
 * - ride_state_event.provider_at: the time the provider gave for a state
 *   (the order's updated_at), kept beside `at`, which from now on is when
 *   the rider side received the state (a provider with a wrong clock cannot
 *   make the history run backwards);
 * - booking.rider_cancel_reason: the reason the rider gave when asking to
 *   cancel, kept when the provider's answer names none;
 * - estimate.domain: the domain of the on_search an estimate came from
 *   (ONDC:TRV10 or nic2004:60221), under which its booking then talks;
 *   null on estimates from before, which follow their search's domain.
 */
const S = 'atlas_app';

export async function up({ context }: MigrationParams): Promise<void> {
  await context.sequelize.transaction(async (transaction) => {
    const run = (sql: string) => context.sequelize.query(sql, { transaction });
    await run(`ALTER TABLE ${S}.ride_state_event ADD COLUMN IF NOT EXISTS provider_at timestamptz`);
    await run(`ALTER TABLE ${S}.booking ADD COLUMN IF NOT EXISTS rider_cancel_reason text`);
    await run(`ALTER TABLE ${S}.estimate ADD COLUMN IF NOT EXISTS domain text`);
  });
}

export async function down({ context }: MigrationParams): Promise<void> {
  await context.sequelize.transaction(async (transaction) => {
    const run = (sql: string) => context.sequelize.query(sql, { transaction });
    await run(`ALTER TABLE ${S}.estimate DROP COLUMN IF EXISTS domain`);
    await run(`ALTER TABLE ${S}.booking DROP COLUMN IF EXISTS rider_cancel_reason`);
    await run(`ALTER TABLE ${S}.ride_state_event DROP COLUMN IF EXISTS provider_at`);
  });
}
