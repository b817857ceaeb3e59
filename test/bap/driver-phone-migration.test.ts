import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createFieldCipher } from '../../src/infra/crypto/field-cipher.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createSequelize, DEFAULT_MIGRATIONS_DIR, runMigrations } from '../../src/infra/postgres/index.js';
import { riderBooking } from '../payments/payment-fixtures.js';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';

const logger = createLogger('silent');
const PHONE = '9856798567';

/** The ride columns as the database has them now. */
async function rideColumns(sequelize: Sequelize): Promise<string[]> {
  const rows = await sequelize.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = 'atlas_app' AND table_name = 'ride' AND column_name LIKE 'driver_phone%' ORDER BY column_name`,
    { type: QueryTypes.SELECT },
  );
  return rows.map((row) => row.column_name);
}

/** A confirmed booking's ride as the rider side stored it before migration 0021: the driver's number in plain text, or none. */
async function plainRide(sequelize: Sequelize, phone: string | null): Promise<string> {
  const { bookingId } = await riderBooking(sequelize, 'CONFIRMED');
  const ride = randomUUID();
  await sequelize.query(`INSERT INTO atlas_app.ride (id, booking_id, state, driver_name, driver_phone) VALUES ($1, $2, 'RIDE_ASSIGNED', 'Jason Roy', $3)`, {
    bind: [ride, bookingId, phone],
  });
  return ride;
}

describe("BAP migration 0021: the driver's phone number sealed in place", function () {
  this.timeout(60_000);
  let database: FreshDatabase;
  let sequelize: Sequelize;
  let before0021: string;

  before(async () => {
    database = await freshServerDatabase('bap-phone');
    sequelize = createSequelize({ url: database.url, logger, poolMax: 2, applicationName: 'beckn-ride-test' });
    // The database as a deployment left it: every migration before 0021.
    before0021 = await mkdtemp(join(tmpdir(), 'beckn-ride-migrations-'));
    for (const file of await readdir(DEFAULT_MIGRATIONS_DIR)) {
      if (/^\d{4}-/.test(file) && file < '0021') await copyFile(join(DEFAULT_MIGRATIONS_DIR, file), join(before0021, file));
    }
    await runMigrations({ sequelize, logger, dir: before0021 });
  });
  after(async () => {
    await sequelize?.close();
    await database?.dispose();
    if (before0021) await rm(before0021, { recursive: true, force: true });
  });

  it('refuses to run without the key while a plain number is stored, then encrypts and hashes every number and drops the plain column', async () => {
    const withPhone = await plainRide(sequelize, PHONE);
    const withoutPhone = await plainRide(sequelize, null);

    await assert.rejects(runMigrations({ sequelize, logger }), /encryption key/);
    assert.deepEqual(await rideColumns(sequelize), ['driver_phone'], 'nothing changed');

    const cipher = createFieldCipher(randomBytes(32).toString('base64'));
    const applied = await runMigrations({ sequelize, logger, cipher });
    assert.ok(applied.some((name) => name.startsWith('0021-')), applied.join(', '));
    assert.deepEqual(await rideColumns(sequelize), ['driver_phone_encrypted', 'driver_phone_hash']);

    const rides = await sequelize.query<Record<string, unknown>>('SELECT * FROM atlas_app.ride WHERE id = ANY($1)', { bind: [[withPhone, withoutPhone]], type: QueryTypes.SELECT });
    const sealed = rides.find((row) => row.id === withPhone);
    assert.ok(sealed && !JSON.stringify(sealed).includes(PHONE), JSON.stringify(sealed));
    assert.equal(cipher.decrypt(String(sealed.driver_phone_encrypted)), PHONE);
    assert.equal(sealed.driver_phone_hash, cipher.hash(PHONE));
    const none = rides.find((row) => row.id === withoutPhone);
    assert.equal(none?.driver_phone_encrypted, null);
    assert.equal(none?.driver_phone_hash, null);
  });
});
