import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createSequelize, runMigrations } from '../../src/infra/postgres/index.js';
import {
  PAYOUT_ORDER_STATUSES,
  PROVIDER_PAYMENTS_SCHEMA,
  REFUND_STATUSES,
  RIDER_PAYMENTS_SCHEMA,
  TRANSACTION_STATUSES,
  checkTransition,
  recordWebhookEvent,
  transitionPaymentOrder,
  transitionPaymentTransaction,
  transitionPayoutOrder,
  transitionRefund,
  type StatusKind,
  type StatusOf,
  type TransitionOutcome,
  type TransitionRequest,
} from '../../src/payments/index.js';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { waitUntil } from '../support/wait-until.js';
import { paymentOrder, providerDriver, statusOf } from './payment-fixtures.js';

/** A logger whose lines the test reads. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/** Every (from, to) pair of a status set, split by whether the transition table allows it. */
function pairs<K extends StatusKind>(kind: K, statuses: readonly StatusOf[K][]) {
  const all = statuses.flatMap((from) => statuses.filter((to) => to !== from).map((to) => ({ from, to })));
  return { allowed: all.filter(({ from, to }) => checkTransition(kind, from, to)), impossible: all.filter(({ from, to }) => !checkTransition(kind, from, to)) };
}

/** Sessions of this database waiting on a row lock. */
async function lockWaiters(sequelize: Sequelize): Promise<number> {
  const [row] = await sequelize.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    { type: QueryTypes.SELECT },
  );
  return row?.n ?? 0;
}

describe('payment status transitions', function () {
  this.timeout(60_000);
  let database: FreshDatabase;
  let sequelize: Sequelize;
  const quiet = createLogger('silent');

  before(async () => {
    database = await freshServerDatabase('payments');
    sequelize = createSequelize({ url: database.url, logger: quiet, poolMax: 6 });
    await runMigrations({ sequelize, logger: quiet });
  });
  after(async () => {
    await sequelize?.close();
    await database?.dispose();
  });

  it('writes every status set down with an exit from every non-final status, and refuses staying put', () => {
    assert.equal(checkTransition('transaction', 'PENDING_VBV', 'CHARGED'), true);
    assert.equal(checkTransition('transaction', 'CHARGED', 'PENDING_VBV'), false);
    assert.equal(checkTransition('transaction', 'CHARGED', 'CHARGED'), false);
    assert.equal(checkTransition('refund', 'SUCCESS', 'FAILURE'), false);
    assert.equal(checkTransition('payout', 'FAILURE', 'SUCCESS'), false);
    const finals = (kind: StatusKind, statuses: readonly string[]) =>
      statuses.filter((from) => statuses.every((to) => !checkTransition(kind, from as never, to as never)));
    assert.deepEqual(finals('transaction', TRANSACTION_STATUSES), ['AUTO_REFUNDED']);
    assert.deepEqual(finals('refund', REFUND_STATUSES), ['SUCCESS', 'FAILURE']);
    assert.deepEqual(finals('payout', PAYOUT_ORDER_STATUSES), ['SUCCESS', 'FAILURE', 'CANCELLED']);
  });

  /** Runs every pair of a status set on one row: allowed ones apply, impossible ones are refused, logged, and change nothing. */
  async function exercise<K extends StatusKind>(
    kind: K,
    statuses: readonly StatusOf[K][],
    table: string,
    id: string,
    move: (logger: ReturnType<typeof createLogger>, request: TransitionRequest<StatusOf[K]>) => Promise<TransitionOutcome<StatusOf[K]>>,
  ): Promise<void> {
    const { allowed, impossible } = pairs(kind, statuses);
    assert.ok(allowed.length > 0 && impossible.length > 0);
    const put = (status: string) => sequelize.query(`UPDATE ${table} SET status = $1 WHERE id = $2`, { bind: [status, id] });
    for (const { from, to } of allowed) {
      await put(from);
      assert.deepEqual(await move(quiet, { id, to }), { outcome: 'applied' }, `${from} -> ${to}`);
      assert.equal(await statusOf(sequelize, table, id), to);
      assert.deepEqual(await move(quiet, { id, to }), { outcome: 'unchanged' }, `${to} again`);
    }
    for (const { from, to } of impossible) {
      await put(from);
      const { logger, lines } = capturingLogger();
      assert.deepEqual(await move(logger, { id, to }), { outcome: 'refused', from }, `${from} -> ${to}`);
      assert.equal(await statusOf(sequelize, table, id), from, `${from} -> ${to} left the row as it was`);
      assert.deepEqual(
        lines.map((line) => [line.msg, line.id, line.from, line.to]),
        [['payment status transition refused', id, from, to]],
      );
    }
  }

  it('applies every allowed payment order transition on both sides and refuses every other, leaving the row unchanged', async () => {
    for (const schema of [RIDER_PAYMENTS_SCHEMA, PROVIDER_PAYMENTS_SCHEMA] as const) {
      const orderId = await paymentOrder(sequelize, schema, 'NEW');
      await exercise('transaction', TRANSACTION_STATUSES, `${schema}.payment_order`, orderId, (logger, request) => transitionPaymentOrder(sequelize, logger, schema, request));
    }
  });

  it('applies every allowed payment transaction, refund and payout transition and refuses every other', async () => {
    const orderId = await paymentOrder(sequelize, RIDER_PAYMENTS_SCHEMA, 'CHARGED');
    const txnId = randomUUID();
    await sequelize.query(
      `INSERT INTO atlas_app.payment_transaction (id, order_id, txn_uuid, status, amount, currency, juspay_response) VALUES ($1, $2, $3, 'NEW', 146.5, 'INR', '{"status":"NEW"}')`,
      { bind: [txnId, orderId, randomUUID()] },
    );
    await exercise('transaction', TRANSACTION_STATUSES, 'atlas_app.payment_transaction', txnId, (logger, request) =>
      transitionPaymentTransaction(sequelize, logger, RIDER_PAYMENTS_SCHEMA, request),
    );

    const refundId = randomUUID();
    await sequelize.query(
      `INSERT INTO atlas_app.refunds (id, short_id, order_id, refund_amount, status, idempotency_key) VALUES ($1, $2, $3, 10, 'PENDING', $4)`,
      { bind: [refundId, refundId.slice(0, 12), orderId, randomUUID()] },
    );
    await exercise('refund', REFUND_STATUSES, 'atlas_app.refunds', refundId, (logger, request) => transitionRefund(sequelize, logger, RIDER_PAYMENTS_SCHEMA, request));

    const { driverId } = await providerDriver(sequelize);
    const payoutId = randomUUID();
    await sequelize.query(
      `INSERT INTO atlas_driver_offer_bpp.payout_order (id, customer_id, status, entity_name, entity_ids, amount, currency) VALUES ($1, $2, 'INITIATED', 'RIDE', $3::text[], 90, 'INR')`,
      { bind: [payoutId, driverId, [randomUUID()]] },
    );
    await exercise('payout', PAYOUT_ORDER_STATUSES, 'atlas_driver_offer_bpp.payout_order', payoutId, (logger, request) => transitionPayoutOrder(sequelize, logger, request));
  });

  it('reports a transition of a row that does not exist as not found', async () => {
    assert.deepEqual(await transitionPaymentOrder(sequelize, quiet, RIDER_PAYMENTS_SCHEMA, { id: randomUUID(), to: 'CHARGED' }), { outcome: 'not_found' });
  });

  it('applies a webhook and a status check racing PENDING_VBV -> CHARGED once: the second waits on the first and finds it done', async () => {
    const orderId = await paymentOrder(sequelize, RIDER_PAYMENTS_SCHEMA, 'PENDING_VBV');
    let first: TransitionOutcome<string> | undefined;
    let second: Promise<TransitionOutcome<string>> | undefined;
    await sequelize.transaction(async (transaction: Transaction) => {
      first = await transitionPaymentOrder(sequelize, quiet, RIDER_PAYMENTS_SCHEMA, { id: orderId, to: 'CHARGED', transaction });
      const waitersBefore = await lockWaiters(sequelize);
      second = transitionPaymentOrder(sequelize, quiet, RIDER_PAYMENTS_SCHEMA, { id: orderId, to: 'CHARGED' });
      await waitUntil('the second transition waits on the row lock', async () => (await lockWaiters(sequelize)) > waitersBefore);
    });
    assert.deepEqual(first, { outcome: 'applied' });
    assert.deepEqual(await second, { outcome: 'unchanged' });
    assert.equal(await statusOf(sequelize, 'atlas_app.payment_order', orderId), 'CHARGED');
  });

  it('applies two simultaneous transitions PENDING_VBV -> CHARGED exactly once', async () => {
    const orderId = await paymentOrder(sequelize, PROVIDER_PAYMENTS_SCHEMA, 'PENDING_VBV');
    const outcomes = await Promise.all(
      [1, 2].map(() => transitionPaymentOrder(sequelize, quiet, PROVIDER_PAYMENTS_SCHEMA, { id: orderId, to: 'CHARGED' })),
    );
    assert.deepEqual(outcomes.map((result) => result.outcome).sort(), ['applied', 'unchanged']);
  });

  it('remembers a webhook event per gateway: the first delivery is new, a replay is not', async () => {
    const eventId = `evt_${randomUUID()}`;
    assert.equal(await recordWebhookEvent(sequelize, RIDER_PAYMENTS_SCHEMA, { gateway: 'juspay', eventId }), true);
    assert.equal(await recordWebhookEvent(sequelize, RIDER_PAYMENTS_SCHEMA, { gateway: 'juspay', eventId }), false);
    assert.equal(await recordWebhookEvent(sequelize, RIDER_PAYMENTS_SCHEMA, { gateway: 'simulator', eventId }), true);
    assert.equal(await recordWebhookEvent(sequelize, PROVIDER_PAYMENTS_SCHEMA, { gateway: 'juspay', eventId }), true);
  });
});
