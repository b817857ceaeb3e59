import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createSequelize, runMigrations } from '../../src/infra/postgres/index.js';
import { RIDER_PAYMENTS_SCHEMA, createPayoutOrder, createRefund, transitionPayoutOrder, transitionRefund } from '../../src/payments/index.js';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { waitUntil } from '../support/wait-until.js';
import { paymentOrder, providerDriver } from './payment-fixtures.js';

const S = RIDER_PAYMENTS_SCHEMA;

async function lockWaiters(sequelize: Sequelize): Promise<number> {
  const [row] = await sequelize.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    { type: QueryTypes.SELECT },
  );
  return row?.n ?? 0;
}

async function refundedSum(sequelize: Sequelize, orderId: string): Promise<string> {
  const [row] = await sequelize.query<{ total: string }>(
    `SELECT coalesce(sum(refund_amount), 0)::text AS total FROM ${S}.refunds WHERE order_id = $1 AND status <> 'FAILURE'`,
    { type: QueryTypes.SELECT, bind: [orderId] },
  );
  return row?.total ?? '';
}

describe('refunds capped by the charge, and driver payouts paying each ride once', function () {
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

  it('takes partial refunds up to the charge exactly, refuses a cent more, and does not count failed refunds', async () => {
    const orderId = await paymentOrder(sequelize, S, 'CHARGED', '100.10');
    const refund = (amount: string) => createRefund(sequelize, logger, S, { orderId, amount, idempotencyKey: randomUUID() });
    const first = await refund('30.05');
    assert.equal(first.outcome, 'created');
    assert.equal((await refund('70.05')).outcome, 'created');
    assert.deepEqual(await refund('0.01'), { outcome: 'refused', reason: 'EXCEEDS_CHARGE' });
    assert.equal(await refundedSum(sequelize, orderId), '100.1000000000');

    assert.ok(first.outcome === 'created');
    assert.equal(first.refund.refund_amount, '30.05');
    assert.deepEqual(await transitionRefund(sequelize, logger, S, { id: first.refund.id, to: 'FAILURE' }), { outcome: 'applied' });
    assert.equal((await refund('30.05')).outcome, 'created', 'a failed refund gives its amount back');
    assert.equal(await refundedSum(sequelize, orderId), '100.1000000000');
  });

  it('returns the first refund for a repeated idempotency key, and refuses the key for another amount', async () => {
    const orderId = await paymentOrder(sequelize, S, 'CHARGED', '50');
    const idempotencyKey = randomUUID();
    const first = await createRefund(sequelize, logger, S, { orderId, amount: '20', idempotencyKey });
    const again = await createRefund(sequelize, logger, S, { orderId, amount: '20.00', idempotencyKey });
    assert.ok(first.outcome === 'created' && again.outcome === 'replayed');
    assert.deepEqual(again.refund, first.refund);
    assert.deepEqual(await createRefund(sequelize, logger, S, { orderId, amount: '25', idempotencyKey }), { outcome: 'refused', reason: 'KEY_REUSED' });
    assert.equal(await refundedSum(sequelize, orderId), '20.0000000000');
  });

  it('refunds only a charged order', async () => {
    const orderId = await paymentOrder(sequelize, S, 'PENDING_VBV', '50');
    assert.deepEqual(await createRefund(sequelize, logger, S, { orderId, amount: '1', idempotencyKey: randomUUID() }), { outcome: 'refused', reason: 'NOT_CHARGED' });
    assert.deepEqual(await createRefund(sequelize, logger, S, { orderId: randomUUID(), amount: '1', idempotencyKey: randomUUID() }), {
      outcome: 'refused',
      reason: 'ORDER_NOT_FOUND',
    });
    await assert.rejects(createRefund(sequelize, logger, S, { orderId, amount: '1e2', idempotencyKey: randomUUID() }), RangeError);
  });

  it('lets only one of two concurrent refunds through when together they exceed the charge', async () => {
    const orderId = await paymentOrder(sequelize, S, 'CHARGED', '100');
    let racing: Promise<{ outcome: string }[]> | undefined;
    // Both refunds start while another transaction holds the order, so they contend for it at once.
    await sequelize.transaction(async (transaction) => {
      await sequelize.query(`SELECT 1 FROM ${S}.payment_order WHERE id = $1 FOR UPDATE`, { bind: [orderId], transaction });
      const waitersBefore = await lockWaiters(sequelize);
      racing = Promise.all(['60', '60'].map((amount) => createRefund(sequelize, logger, S, { orderId, amount, idempotencyKey: randomUUID() })));
      await waitUntil('both refunds wait on the order row', async () => (await lockWaiters(sequelize)) >= waitersBefore + 2);
    });
    const outcomes = await (racing as Promise<{ outcome: string }[]>);
    assert.deepEqual(outcomes.map((result) => result.outcome).sort(), ['created', 'refused']);
    assert.equal(await refundedSum(sequelize, orderId), '60.0000000000');
  });

  it('refuses a second payout order claiming a ride already being paid, also when both run at once', async () => {
    const { driverId } = await providerDriver(sequelize);
    const [shared, other1, other2] = [randomUUID(), randomUUID(), randomUUID()];
    const payout = (rideIds: string[]) => createPayoutOrder(sequelize, logger, { customerId: driverId, rideIds, amount: '240.75', currency: 'INR' });
    const outcomes = await Promise.all([payout([shared, other1]), payout([other2, shared])]);
    assert.deepEqual(outcomes.map((result) => result.outcome).sort(), ['created', 'refused']);
    const [row] = await sequelize.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM atlas_driver_offer_bpp.payout_order WHERE customer_id = $1`,
      { type: QueryTypes.SELECT, bind: [driverId] },
    );
    assert.equal(row?.n, 1, 'the refused payout left no row');
  });

  it('lets a retry batch claim the rides of a failed payout, but not those of a payout still in flight or paid', async () => {
    const { driverId } = await providerDriver(sequelize);
    const rides = [randomUUID(), randomUUID()];
    const payout = (retriedOrderId?: string) =>
      createPayoutOrder(sequelize, logger, { customerId: driverId, rideIds: rides, amount: '400', currency: 'INR', ...(retriedOrderId ? { retriedOrderId } : {}) });
    const first = await payout();
    assert.ok(first.outcome === 'created');
    assert.deepEqual(await transitionPayoutOrder(sequelize, logger, { id: first.id, to: 'PENDING' }), { outcome: 'applied' });
    assert.deepEqual(await payout(first.id), { outcome: 'refused', reason: 'RIDE_ALREADY_CLAIMED' });

    assert.deepEqual(await transitionPayoutOrder(sequelize, logger, { id: first.id, to: 'FAILURE' }), { outcome: 'applied' });
    const retry = await payout(first.id);
    assert.ok(retry.outcome === 'created');
    assert.deepEqual(await transitionPayoutOrder(sequelize, logger, { id: retry.id, to: 'SUCCESS' }), { outcome: 'applied' });
    assert.deepEqual(await payout(retry.id), { outcome: 'refused', reason: 'RIDE_ALREADY_CLAIMED' }, 'a paid ride is never claimed again');
  });

  it('keeps a caller’s transaction usable after a refused payout', async () => {
    const { driverId } = await providerDriver(sequelize);
    const ride = randomUUID();
    await sequelize.transaction(async (transaction) => {
      const request = { customerId: driverId, rideIds: [ride], amount: '90', currency: 'INR', transaction };
      assert.equal((await createPayoutOrder(sequelize, logger, request)).outcome, 'created');
      assert.deepEqual(await createPayoutOrder(sequelize, logger, request), { outcome: 'refused', reason: 'RIDE_ALREADY_CLAIMED' });
      await sequelize.query('SELECT 1', { transaction });
    });
  });
});
