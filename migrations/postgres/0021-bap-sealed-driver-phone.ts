import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { FieldCipher } from '../../src/infra/crypto/field-cipher.js';
import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * The rider side keeps the driver's phone number like every other one:
 * encrypted under the field key plus a keyed hash (`driver_phone_encrypted`,
 * `driver_phone_hash`), never in plain text. Numbers stored plain before
 * are sealed in place, which needs the key: the runner hands the cipher in
 * the context, and without it the migration refuses while any plain number
 * is left, changing nothing. One transaction: a failure leaves the plain
 * column as it was.
 *
 * Also indexes the waits the rider side's answer sweep looks for (quotes
 * PENDING, bookings INITIATING or CONFIRMING, by the time they began).
 */
const S = 'atlas_app';
/** Rows sealed per statement: bounded memory, few round trips. */
const BATCH = 500;

async function hasColumn(sequelize: Sequelize, transaction: Transaction, column: string): Promise<boolean> {
  const rows = await sequelize.query(
    `SELECT 1 FROM information_schema.columns WHERE table_schema = '${S}' AND table_name = 'ride' AND column_name = $1`,
    { bind: [column], type: QueryTypes.SELECT, transaction },
  );
  return rows.length > 0;
}

function requireCipher(cipher: FieldCipher | undefined, count: number, what: string): FieldCipher {
  if (cipher) return cipher;
  throw new Error(`migration 0021 needs the field encryption key (ENCRYPTION_KEY) to ${what} ${count} stored driver phone number(s); run it through the service (npm run migrate) with the key set`);
}

export async function up({ context }: MigrationParams): Promise<void> {
  const { sequelize } = context;
  await sequelize.transaction(async (transaction) => {
    const run = (sql: string, bind: unknown[] = []) => sequelize.query(sql, { bind, transaction });
    await run(`ALTER TABLE ${S}.ride ADD COLUMN IF NOT EXISTS driver_phone_encrypted text`);
    await run(`ALTER TABLE ${S}.ride ADD COLUMN IF NOT EXISTS driver_phone_hash text`);
    if (await hasColumn(sequelize, transaction, 'driver_phone')) {
      const [{ n } = { n: 0 }] = await sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${S}.ride WHERE driver_phone IS NOT NULL`, { type: QueryTypes.SELECT, transaction });
      const cipher = n > 0 ? requireCipher(context.cipher, n, 'seal') : null;
      for (;;) {
        const plain = await sequelize.query<{ id: string; driver_phone: string }>(
          `SELECT id, driver_phone FROM ${S}.ride WHERE driver_phone IS NOT NULL LIMIT ${BATCH}`,
          { type: QueryTypes.SELECT, transaction },
        );
        if (plain.length === 0 || !cipher) break;
        await run(
          `UPDATE ${S}.ride r SET driver_phone_encrypted = v.sealed, driver_phone_hash = v.hash, driver_phone = NULL
             FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, sealed, hash) WHERE r.id = v.id`,
          [plain.map((row) => row.id), plain.map((row) => cipher.encrypt(row.driver_phone)), plain.map((row) => cipher.hash(row.driver_phone))],
        );
      }
      await run(`ALTER TABLE ${S}.ride DROP COLUMN driver_phone`);
    }
    await run(`CREATE INDEX IF NOT EXISTS bap_quote_pending_idx ON ${S}.quote (created_at) WHERE status = 'PENDING'`);
    await run(`CREATE INDEX IF NOT EXISTS bap_booking_waiting_idx ON ${S}.booking (status, updated_at) WHERE status IN ('INITIATING', 'CONFIRMING')`);
  });
}

export async function down({ context }: MigrationParams): Promise<void> {
  const { sequelize } = context;
  await sequelize.transaction(async (transaction) => {
    const run = (sql: string, bind: unknown[] = []) => sequelize.query(sql, { bind, transaction });
    await run(`DROP INDEX IF EXISTS ${S}.bap_booking_waiting_idx`);
    await run(`DROP INDEX IF EXISTS ${S}.bap_quote_pending_idx`);
    if (!(await hasColumn(sequelize, transaction, 'driver_phone_encrypted'))) return;
    await run(`ALTER TABLE ${S}.ride ADD COLUMN IF NOT EXISTS driver_phone text`);
    const [{ n } = { n: 0 }] = await sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${S}.ride WHERE driver_phone_encrypted IS NOT NULL`, { type: QueryTypes.SELECT, transaction });
    const cipher = n > 0 ? requireCipher(context.cipher, n, 'unseal') : null;
    for (;;) {
      const sealed = await sequelize.query<{ id: string; driver_phone_encrypted: string }>(
        `SELECT id, driver_phone_encrypted FROM ${S}.ride WHERE driver_phone_encrypted IS NOT NULL LIMIT ${BATCH}`,
        { type: QueryTypes.SELECT, transaction },
      );
      if (sealed.length === 0 || !cipher) break;
      await run(
        `UPDATE ${S}.ride r SET driver_phone = v.phone, driver_phone_encrypted = NULL FROM unnest($1::uuid[], $2::text[]) AS v(id, phone) WHERE r.id = v.id`,
        [sealed.map((row) => row.id), sealed.map((row) => cipher.decrypt(row.driver_phone_encrypted))],
      );
    }
    await run(`ALTER TABLE ${S}.ride DROP COLUMN driver_phone_encrypted`);
    await run(`ALTER TABLE ${S}.ride DROP COLUMN driver_phone_hash`);
  });
}
