import type { MigrationParams } from '../../src/infra/postgres/index.js';
import { paymentTables } from './0016-bpp-payments.js';

/**
 * Money on the rider side (the BAP collects before the order, PRE-ORDER):
 * the same payment_order, payment_transaction, refunds and
 * payment_event_seen tables the provider side has (migration 0016 defines
 * them once), owned by the rider who pays and the booking paid for. The
 * rider side has no merchant table: merchant_id names the operator as the
 * gateway account knows it.
 */
const S = 'atlas_app';

const statements = paymentTables(S, {
  personId: `uuid NOT NULL REFERENCES ${S}.person (id)`,
  merchantId: 'text NOT NULL',
  bookingId: `uuid NOT NULL REFERENCES ${S}.booking (id)`,
});

export async function up({ context }: MigrationParams): Promise<void> {
  for (const statement of statements) await context.sequelize.query(statement);
}

export async function down({ context }: MigrationParams): Promise<void> {
  for (const table of ['payment_event_seen', 'refunds', 'payment_transaction', 'payment_order']) {
    await context.sequelize.query(`DROP TABLE IF EXISTS ${S}.${table}`);
  }
}
