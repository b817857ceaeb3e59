import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * A booking the rider pays before the ride (PRE-ORDER, collected by the
 * rider side) waits in AWAITING_PAYMENT between on_init and the charge:
 * its confirm goes out only once the payment order is CHARGED.
 */
const S = 'atlas_app';
const BEFORE = `'INITIATING', 'CONFIRMING', 'CONFIRMED', 'COMPLETED', 'CANCELLED', 'FAILED'`;

export async function up({ context }: MigrationParams): Promise<void> {
  await context.sequelize.transaction(async (transaction) => {
    const run = (sql: string) => context.sequelize.query(sql, { transaction });
    await run(`ALTER TABLE ${S}.booking DROP CONSTRAINT IF EXISTS booking_status_check`);
    await run(`ALTER TABLE ${S}.booking ADD CONSTRAINT booking_status_check CHECK (status IN (${BEFORE}, 'AWAITING_PAYMENT'))`);
  });
}

export async function down({ context }: MigrationParams): Promise<void> {
  await context.sequelize.transaction(async (transaction) => {
    const run = (sql: string) => context.sequelize.query(sql, { transaction });
    await run(`UPDATE ${S}.booking SET status = 'FAILED', error_code = 'PAYMENT_NOT_RECEIVED', error_message = 'rolled back before payment', updated_at = now() WHERE status = 'AWAITING_PAYMENT'`);
    await run(`ALTER TABLE ${S}.booking DROP CONSTRAINT IF EXISTS booking_status_check`);
    await run(`ALTER TABLE ${S}.booking ADD CONSTRAINT booking_status_check CHECK (status IN (${BEFORE}))`);
  });
}
