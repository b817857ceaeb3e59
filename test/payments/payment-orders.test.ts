import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createFieldCipher } from '../../src/infra/crypto/field-cipher.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createSequelize, runMigrations } from '../../src/infra/postgres/index.js';
import { PROVIDER_PAYMENTS_SCHEMA, RIDER_PAYMENTS_SCHEMA, createPaymentOrder, recordGatewaySession, recordStatusCheck } from '../../src/payments/index.js';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { providerBooking, riderBooking } from './payment-fixtures.js';

describe('payment orders: one per booking, the client token sealed', function () {
  this.timeout(60_000);
  const logger = createLogger('silent');
  let database: FreshDatabase;
  let sequelize: Sequelize;

  before(async () => {
    database = await freshServerDatabase('payments');
    sequelize = createSequelize({ url: database.url, logger, poolMax: 6 });
    await runMigrations({ sequelize, logger });
  });
  after(async () => {
    await sequelize?.close();
    await database?.dispose();
  });

  it('creates a booking’s order once when several pay requests arrive at once, and returns that order to all of them', async () => {
    const { bookingId, personId } = await riderBooking(sequelize);
    const request = { bookingId, personId, merchantId: 'beckn-ride', amount: '146.50', currency: 'INR' };
    const results = await Promise.all([1, 2, 3].map(() => createPaymentOrder(sequelize, RIDER_PAYMENTS_SCHEMA, request)));
    assert.deepEqual(results.map((result) => result.created).sort(), [false, false, true]);
    assert.equal(new Set(results.map((result) => result.order.id)).size, 1);
    assert.deepEqual(
      { amount: results[0]?.order.amount, status: results[0]?.order.status, currency: results[0]?.order.currency },
      { amount: '146.5', status: 'NEW', currency: 'INR' },
    );
  });

  it('stores the gateway’s client auth token only encrypted and hashed, and counts status checks', async () => {
    const cipher = createFieldCipher(randomBytes(32).toString('base64'));
    const { bookingId, merchantId } = await providerBooking(sequelize);
    const { order } = await createPaymentOrder(sequelize, PROVIDER_PAYMENTS_SCHEMA, { bookingId, personId: null, merchantId, amount: '99', currency: 'INR' });
    const token = `tkn_${randomUUID()}`;
    const expiry = new Date(Date.now() + 15 * 60_000);
    await recordGatewaySession(sequelize, cipher, PROVIDER_PAYMENTS_SCHEMA, {
      orderId: order.id,
      paymentServiceOrderId: `ord_${order.short_id}`,
      paymentLinkWeb: 'https://pay.example/ord',
      clientAuthToken: token,
      clientAuthTokenExpiry: expiry,
    });
    const [raw] = await sequelize.query<Record<string, unknown>>(`SELECT * FROM ${PROVIDER_PAYMENTS_SCHEMA}.payment_order WHERE id = $1`, {
      type: QueryTypes.SELECT,
      bind: [order.id],
    });
    assert.ok(raw && !JSON.stringify(raw).includes(token), 'no column holds the token in clear');
    assert.equal(cipher.decrypt(String(raw.client_auth_token_encrypted)), token);
    assert.equal(raw.client_auth_token_hash, cipher.hash(token));
    assert.equal((raw.client_auth_token_expiry as Date).getTime(), expiry.getTime());

    assert.equal(raw.status_check_attempts, 0);
    assert.equal(await recordStatusCheck(sequelize, PROVIDER_PAYMENTS_SCHEMA, order.id), 1);
    assert.equal(await recordStatusCheck(sequelize, PROVIDER_PAYMENTS_SCHEMA, order.id), 2);
    const [checked] = await sequelize.query<{ last_status_checked_at: Date | null }>(
      `SELECT last_status_checked_at FROM ${PROVIDER_PAYMENTS_SCHEMA}.payment_order WHERE id = $1`,
      { type: QueryTypes.SELECT, bind: [order.id] },
    );
    assert.ok(checked?.last_status_checked_at instanceof Date);
  });
});
