import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import * as bapPayments from '../../migrations/postgres/0022-bap-payments.js';
import * as bppPayments from '../../migrations/postgres/0016-bpp-payments.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createSequelize, runMigrations } from '../../src/infra/postgres/index.js';
import { LIVE_PAYOUT_ORDER_STATUSES, PAYOUT_ORDER_STATUSES, REFUND_STATUSES, TRANSACTION_STATUSES } from '../../src/payments/index.js';
import { embeddedBackend, serverBackend, type FreshDatabase } from '../infra/postgres-backends.js';
import { paymentOrder, providerDriver } from './payment-fixtures.js';

const logger = createLogger('silent');
const RIDER = 'atlas_app';
const PROVIDER = 'atlas_driver_offer_bpp';

const ORDER_COLUMNS = [
  'amount', 'booking_id', 'client_auth_token_encrypted', 'client_auth_token_expiry', 'client_auth_token_hash', 'created_at', 'currency', 'id',
  'last_status_checked_at', 'mandate_end_date', 'mandate_frequency', 'mandate_id', 'mandate_max_amount', 'mandate_start_date', 'mandate_status',
  'merchant_id', 'payment_link_deep_link', 'payment_link_web', 'payment_service_order_id', 'person_id', 'short_id', 'status', 'status_check_attempts', 'updated_at',
];
const TRANSACTION_COLUMNS = [
  'amount', 'bank_error_code', 'bank_error_message', 'created_at', 'currency', 'gateway_reference_id', 'id', 'juspay_response', 'order_id',
  'payment_method', 'payment_method_type', 'retry_count', 'status', 'txn_id', 'txn_uuid', 'updated_at',
];
const REFUND_COLUMNS = [
  'created_at', 'error_code', 'error_message', 'id', 'id_assigned_by_service_provider', 'idempotency_key', 'order_id', 'refund_amount', 'short_id', 'status', 'updated_at',
];
const PAYOUT_COLUMNS = [
  'amount', 'created_at', 'currency', 'customer_id', 'entity_ids', 'entity_name', 'id', 'last_status_checked_at', 'payout_service_order_id', 'retried_order_id', 'status', 'updated_at',
];

async function columns(sequelize: Sequelize, schema: string, table: string): Promise<Record<string, string>> {
  const rows = await sequelize.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY column_name`,
    { type: QueryTypes.SELECT, bind: [schema, table] },
  );
  return Object.fromEntries(rows.map((row) => [row.column_name, row.data_type]));
}

/** Matches a database error naming `constraint`, or any CHECK violation for 'check'. */
function violates(constraint: string): (error: { original?: { code?: string; constraint?: string } }) => boolean {
  return (error) => (constraint === 'check' ? error.original?.code === '23514' : error.original?.constraint === constraint);
}

async function payoutTables(sequelize: Sequelize): Promise<string[]> {
  const rows = await sequelize.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = $1 AND (tablename LIKE 'pay%' OR tablename = 'refunds') ORDER BY tablename`,
    { type: QueryTypes.SELECT, bind: [PROVIDER] },
  );
  return rows.map((row) => row.tablename);
}

for (const backend of [serverBackend(), embeddedBackend(logger)]) {
  describe(`payment migrations 0016 and 0022 on ${backend.name}`, function () {
    this.timeout(180_000);
    let database: FreshDatabase;
    let sequelize: Sequelize;

    before(async () => {
      await backend.setUp();
      database = await backend.freshDatabase();
      sequelize = createSequelize({ url: database.url, logger, poolMax: 2 });
      await runMigrations({ sequelize, logger });
    });
    after(async () => {
      await sequelize?.close();
      await database?.dispose();
      await backend.tearDown();
    });

    it('creates the money tables with the seed fields on both sides, amounts numeric and the gateway answer jsonb', async () => {
      for (const schema of [RIDER, PROVIDER]) {
        const order = await columns(sequelize, schema, 'payment_order');
        assert.deepEqual(Object.keys(order), ORDER_COLUMNS, `${schema}.payment_order`);
        assert.equal(order.amount, 'numeric');
        const txn = await columns(sequelize, schema, 'payment_transaction');
        assert.deepEqual(Object.keys(txn), TRANSACTION_COLUMNS, `${schema}.payment_transaction`);
        assert.equal(txn.juspay_response, 'jsonb');
        const refunds = await columns(sequelize, schema, 'refunds');
        assert.deepEqual(Object.keys(refunds), REFUND_COLUMNS, `${schema}.refunds`);
        assert.equal(refunds.refund_amount, 'numeric');
        assert.deepEqual(Object.keys(await columns(sequelize, schema, 'payment_event_seen')), ['event_id', 'gateway', 'received_at']);
      }
      const payout = await columns(sequelize, PROVIDER, 'payout_order');
      assert.deepEqual(Object.keys(payout), PAYOUT_COLUMNS);
      assert.equal(payout.entity_ids, 'ARRAY');
      assert.deepEqual(await columns(sequelize, RIDER, 'payout_order'), {}, 'payouts are the provider side only');
    });

    it('accepts every status of the code status sets and refuses any other; a payout holds its rides exactly in the live statuses', async () => {
      const orderId = await paymentOrder(sequelize, RIDER, 'NEW');
      for (const status of TRANSACTION_STATUSES) await sequelize.query(`UPDATE ${RIDER}.payment_order SET status = $1 WHERE id = $2`, { bind: [status, orderId] });
      await assert.rejects(sequelize.query(`UPDATE ${RIDER}.payment_order SET status = 'PAID' WHERE id = $1`, { bind: [orderId] }), violates('check'));
      const refundId = randomUUID();
      await sequelize.query(
        `INSERT INTO ${RIDER}.refunds (id, short_id, order_id, refund_amount, status, idempotency_key) VALUES ($1, $2, $3, 1, 'PENDING', $4)`,
        { bind: [refundId, refundId.slice(0, 12), orderId, refundId] },
      );
      for (const status of REFUND_STATUSES) await sequelize.query(`UPDATE ${RIDER}.refunds SET status = $1 WHERE id = $2`, { bind: [status, refundId] });
      await assert.rejects(sequelize.query(`UPDATE ${RIDER}.refunds SET refund_amount = 0 WHERE id = $1`, { bind: [refundId] }), violates('check'));
      const { driverId } = await providerDriver(sequelize);
      const payoutId = randomUUID();
      await sequelize.query(
        `INSERT INTO ${PROVIDER}.payout_order (id, customer_id, status, entity_name, entity_ids, amount, currency) VALUES ($1, $2, 'FAILURE', 'RIDE', $3::text[], 10, 'INR')`,
        { bind: [payoutId, driverId, [randomUUID()]] },
      );
      for (const status of PAYOUT_ORDER_STATUSES) {
        await sequelize.query(`UPDATE ${PROVIDER}.payout_order SET status = $1 WHERE id = $2`, { bind: [status, payoutId] });
        const claims = await sequelize.query<{ live: boolean }>(`SELECT live FROM ${PROVIDER}.payout_order_entity WHERE payout_order_id = $1`, {
          type: QueryTypes.SELECT,
          bind: [payoutId],
        });
        assert.deepEqual(claims, [{ live: LIVE_PAYOUT_ORDER_STATUSES.includes(status) }], `rides of a ${status} payout`);
      }
    });

    it('refuses, by the database, a second live payout of a ride and lets a failed payout’s ride be paid again', async () => {
      const { driverId } = await providerDriver(sequelize);
      const ride = randomUUID();
      const insert = (id: string, rides: string[]) =>
        sequelize.query(
          `INSERT INTO ${PROVIDER}.payout_order (id, customer_id, status, entity_name, entity_ids, amount, currency) VALUES ($1, $2, 'INITIATED', 'RIDE', $3::text[], 10, 'INR')`,
          { bind: [id, driverId, rides] },
        );
      const first = randomUUID();
      await insert(first, [ride]);
      await assert.rejects(insert(randomUUID(), [randomUUID(), ride]), violates('payout_order_entity_live_idx'));
      await sequelize.query(`UPDATE ${PROVIDER}.payout_order SET status = 'FAILURE' WHERE id = $1`, { bind: [first] });
      await insert(randomUUID(), [ride]);
      await assert.rejects(sequelize.query(`UPDATE ${PROVIDER}.payout_order SET status = 'PENDING' WHERE id = $1`, { bind: [first] }), violates('payout_order_entity_live_idx'));
      await assert.rejects(sequelize.query(`UPDATE ${PROVIDER}.payout_order SET entity_ids = '{}' WHERE id = $1`, { bind: [first] }), violates('check'));
    });

    it('drops the tables with down and creates them again with up', async () => {
      const context = { sequelize, queryInterface: sequelize.getQueryInterface() };
      await bapPayments.down({ context });
      await bppPayments.down({ context });
      assert.deepEqual(await payoutTables(sequelize), []);
      assert.deepEqual(await columns(sequelize, RIDER, 'payment_order'), {});
      await bppPayments.up({ context });
      await bapPayments.up({ context });
      assert.deepEqual(await payoutTables(sequelize), ['payment_event_seen', 'payment_order', 'payment_transaction', 'payout_order', 'payout_order_entity', 'refunds']);
      assert.deepEqual(Object.keys(await columns(sequelize, RIDER, 'payment_order')), ORDER_COLUMNS);
    });
  });
}
