import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryTypes } from 'sequelize';
import { refundLateCharge } from '../../src/bap/payment/cancel-payment.js';
import { resendLostRefunds } from '../../src/bap/payment/refund-job.js';
import { createRefund, RIDER_PAYMENTS_SCHEMA } from '../../src/payments/index.js';
import type { RawEnv } from '../../src/config/index.js';
import { recordSentRequest } from '../../src/protocol/correlation/index.js';
import { confirmRiderBooking } from '../payments/payment-fixtures.js';
import { loadExamples, restamp } from '../support/beckn-examples.js';
import { startFakeParticipant, type FakeParticipant } from '../support/fake-participant.js';
import { waitFor, waitUntil } from '../support/wait-until.js';
import { startPaymentRig, type PaymentRig } from './payment-rig.js';

/**
 * The rig of payment-rig.ts (the simulator on its own port as the gateway,
 * its webhooks to the app's real route) plus a BPP played by the test,
 * registered in the app's dev registry, whose on_cancel reaches the BAP
 * signed over HTTP and goes through the protocol layer and the inbox to
 * the real on_cancel handler.
 */
async function startRefundRig(extra: RawEnv) {
  const bpp = await startFakeParticipant('BPP', 'cab-co');
  const seedFile = join(mkdtempSync(join(tmpdir(), 'beckn-ride-refund-test-')), 'seed.json');
  writeFileSync(seedFile, JSON.stringify([bpp.registryRecord({ domain: 'ONDC:TRV10', city: 'std:080', country: 'IND' })]));
  const webhookAuth = { scheme: 'basic' as const, username: 'gateway-hooks', password: randomBytes(18).toString('base64url') };
  const rig = await startPaymentRig(webhookAuth, { REGISTRY_SEED_FILE: seedFile, SCHEDULER_POLL_INTERVAL_MS: '20', ...extra });
  return { rig, bpp };
}

const cancelExample = () => {
  const found = loadExamples().find((e) => e.action === 'on_cancel' && e.name.includes('cancel_after_confirm'));
  assert.ok(found, 'the ONDC TRV10 on_cancel example cancel_after_confirm is present');
  return found;
};

describe('Rider refunds when a booking is cancelled (simulator over real HTTP, signed on_cancel)', function () {
  this.timeout(90_000);
  let rig: PaymentRig;
  let bpp: FakeParticipant;

  before(async () => {
    ({ rig, bpp } = await startRefundRig({
      PAYMENT_STATUS_CHECK_BASE_DELAY_MS: '100',
      PAYMENT_STATUS_CHECK_MAX_ATTEMPTS: '5',
      PAYMENT_GATEWAY_TIMEOUT_MS: '400',
    }));
  });
  after(async () => {
    await rig?.close();
    await bpp?.close();
  });

  const sql = <T extends object>(query: string, bind: unknown[]) => rig.app.ctx.sequelize.query<T>(query, { type: QueryTypes.SELECT, bind });
  const refundRows = (orderId: string) =>
    sql<{ id: string; refund_amount: string; status: string; id_assigned_by_service_provider: string | null }>(
      `SELECT id, refund_amount::text AS refund_amount, status, id_assigned_by_service_provider FROM atlas_app.refunds WHERE order_id = $1 ORDER BY created_at`,
      [orderId],
    );
  const bookingStatus = async (bookingId: string) => (await sql<{ status: string }>('SELECT status FROM atlas_app.booking WHERE id = $1', [bookingId]))[0]?.status;
  /** The refunds the gateway holds for the order, read from the simulator over HTTP. */
  const gatewayRefunds = async (orderId: string) => (await rig.app.ctx.bap.payments.gateway.orderStatus(orderId)).refunds;
  const logEntries = () => rig.logLines.map((line) => JSON.parse(line) as Record<string, any>);

  /** A rider's booking CONFIRMED with the test's BPP, a ride assigned, its transaction one our BAP started. */
  const confirmedBooking = async () => {
    const { token, bookingId } = await rig.riderWithBooking();
    const { transactionId, bppOrderId } = await confirmRiderBooking(rig.app.ctx.sequelize, bookingId, { id: bpp.subscriberId, uri: bpp.url });
    // The confirm our BAP sent in this transaction, as the BAP remembers it: callbacks of the transaction are ours.
    const { ctx } = rig.app;
    await recordSentRequest(ctx.correlation, ctx.config.beckn.subscriberIds.bap, { action: 'confirm', transactionId, messageId: randomUUID(), deadline: Date.now() + 30_000 }, 3_600_000);
    return { token, bookingId, transactionId, bppOrderId };
  };
  /** The booking's order created through the rider API. */
  const order = async (bookingId: string, token: string) => {
    const created = await rig.call('POST', `/rider/bookings/${bookingId}/payment`, token);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.orderId as string;
  };
  /** A booking whose payment the gateway charged and whose webhook made the order CHARGED. */
  const chargedBooking = async () => {
    const booking = await confirmedBooking();
    const orderId = await order(booking.bookingId, booking.token);
    rig.simulator.control.pay(orderId);
    await waitUntil('the order is CHARGED', async () => (await rig.orderRow(booking.bookingId))?.status === 'CHARGED', { timeoutMs: 15_000, intervalMs: 20 });
    return { ...booking, orderId };
  };
  /** The on_cancel the BPP signs: the order cancelled by the provider, with a CANCELLATION_CHARGES line of `fee`. */
  const onCancel = (booking: { transactionId: string; bppOrderId: string }, fee: string) => {
    const { config } = rig.app.ctx;
    const body = restamp(cancelExample(), {
      bap_id: config.beckn.subscriberIds.bap,
      bap_uri: `${rig.app.baseUrl}/beckn/bap`,
      bpp_id: bpp.subscriberId,
      bpp_uri: bpp.url,
      transaction_id: booking.transactionId,
      message_id: randomUUID(),
      timestamp: new Date().toISOString(),
    });
    body.message.order.id = booking.bppOrderId;
    body.message.order.updated_at = new Date().toISOString();
    body.message.order.quote.breakup = [...body.message.order.quote.breakup, { title: 'CANCELLATION_CHARGES', price: { currency: 'INR', value: fee } }];
    return body;
  };
  /** Posts the on_cancel signed by the BPP and waits until the BAP applied it (its callback record). */
  const deliver = async (body: { context: Record<string, any> }) => {
    const answer = await bpp.post(`${rig.app.baseUrl}/beckn/bap/on_cancel`, body);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.message.ack.status, 'ACK');
    await waitUntil(
      `on_cancel ${body.context.message_id} applied`,
      async () => (await sql(`SELECT 1 FROM atlas_app.callback_record WHERE action = 'on_cancel' AND message_id = $1 AND outcome = 'APPLIED'`, [body.context.message_id])).length === 1,
      { timeoutMs: 15_000, intervalMs: 20 },
    );
  };
  const settledRefund = (orderId: string, status = 'SUCCESS') =>
    waitFor(`a refund of order ${orderId} is ${status}`, async () => (await refundRows(orderId)).find((refund) => refund.status === status), { timeoutMs: 20_000, intervalMs: 20 });

  it('refunds a charged booking cancelled with a fee of 30 of 146 once: 116, SUCCESS at the gateway, shown to the rider', async () => {
    const booking = await chargedBooking();
    await deliver(onCancel(booking, '30'));
    assert.equal(await bookingStatus(booking.bookingId), 'CANCELLED');
    const refund = await settledRefund(booking.orderId);
    assert.equal(Number(refund.refund_amount), 116);
    assert.ok(refund.id_assigned_by_service_provider, "the gateway's refund id is recorded");
    const atGateway = await gatewayRefunds(booking.orderId);
    assert.equal(atGateway.length, 1, 'the simulator holds one refund');
    assert.deepEqual(
      { refundId: atGateway[0]?.refundId, gatewayRefundId: atGateway[0]?.gatewayRefundId, amount: atGateway[0]?.amount, status: atGateway[0]?.status },
      { refundId: refund.id, gatewayRefundId: refund.id_assigned_by_service_provider, amount: '116.00', status: 'SUCCESS' },
    );
    const view = await rig.call('GET', `/rider/bookings/${booking.bookingId}/payment`, booking.token);
    assert.equal(view.status, 200);
    assert.equal(view.body.status, 'CHARGED');
    assert.deepEqual(view.body.refunds, [{ id: refund.id, amount: { value: '116', currency: 'INR' }, status: 'SUCCESS' }]);
  });

  it('refunds once when the same on_cancel comes twice (the same message again, and a new message)', async () => {
    const booking = await chargedBooking();
    // A refund of 46 leaves room under the charge for a second one: only the booking's key keeps it to one.
    const first = onCancel(booking, '100');
    await deliver(first);
    const repeated = await bpp.post(`${rig.app.baseUrl}/beckn/bap/on_cancel`, first);
    assert.equal(repeated.status, 200, JSON.stringify(repeated.body));
    await deliver({ ...first, context: { ...first.context, message_id: randomUUID(), timestamp: new Date().toISOString() } });
    const refund = await settledRefund(booking.orderId);
    const rows = await refundRows(booking.orderId);
    assert.equal(rows.length, 1, 'one refund row');
    assert.equal(Number(refund.refund_amount), 46);
    assert.equal((await gatewayRefunds(booking.orderId)).length, 1, 'the gateway refunded once');
  });

  it('refunds nothing when the fee is above the charge', async () => {
    const booking = await chargedBooking();
    await deliver(onCancel(booking, '200'));
    assert.equal(await bookingStatus(booking.bookingId), 'CANCELLED');
    assert.deepEqual(await refundRows(booking.orderId), []);
    assert.equal((await rig.orderRow(booking.bookingId))?.status, 'CHARGED');
    assert.deepEqual((await gatewayRefunds(booking.orderId)).length, 0);
    const view = await rig.call('GET', `/rider/bookings/${booking.bookingId}/payment`, booking.token);
    assert.deepEqual(view.body.refunds, []);
  });

  it('cancels an unpaid order with the booking, and refuses a later pay request with 409', async () => {
    const booking = await confirmedBooking();
    const orderId = await order(booking.bookingId, booking.token);
    await deliver(onCancel(booking, '0'));
    assert.equal((await rig.orderRow(booking.bookingId))?.status, 'CANCELLED');
    const again = await rig.call('POST', `/rider/bookings/${booking.bookingId}/payment`, booking.token);
    assert.equal(again.status, 409, JSON.stringify(again.body));
    const view = await rig.call('GET', `/rider/bookings/${booking.bookingId}/payment`, booking.token);
    assert.equal(view.body.status, 'CANCELLED');
    assert.deepEqual(view.body.refunds, []);
    assert.deepEqual(await refundRows(orderId), []);
  });

  it('refunds in full a charge the gateway reports after the booking was cancelled (refundLateCharge, called directly)', async () => {
    const booking = await confirmedBooking();
    const orderId = await order(booking.bookingId, booking.token);
    await deliver(onCancel(booking, '30'));
    assert.equal((await rig.orderRow(booking.bookingId))?.status, 'CANCELLED');
    // The rider finishes the payment page anyway: the gateway charges, its webhook moves CANCELLED -> CHARGED.
    rig.simulator.control.pay(orderId);
    await waitUntil('the late charge is recorded', async () => (await rig.orderRow(booking.bookingId))?.status === 'CHARGED', { timeoutMs: 15_000, intervalMs: 20 });
    const { bap } = rig.app.ctx;
    const settle = () => bap.sequelize.transaction((transaction) => refundLateCharge(bap, transaction, orderId));
    const first = await settle();
    assert.equal(first.kind, 'refund', JSON.stringify(first));
    assert.equal(first.kind === 'refund' && first.amount, '146', 'the whole charge, not minus the fee');
    const second = await settle();
    assert.deepEqual(second, { ...first, replayed: true }, 'a second call finds the same refund');
    const refund = await settledRefund(orderId);
    assert.equal((await refundRows(orderId)).length, 1);
    const atGateway = await gatewayRefunds(orderId);
    assert.deepEqual(atGateway.map((r) => [r.refundId, r.amount, r.status]), [[refund.id, '146.00', 'SUCCESS']]);
  });

  it('refundLateCharge leaves a charge of a live booking, and one the cancellation already refunded', async () => {
    const live = await chargedBooking();
    const { bap } = rig.app.ctx;
    const settle = (orderId: string) => bap.sequelize.transaction((transaction) => refundLateCharge(bap, transaction, orderId));
    assert.deepEqual(await settle(live.orderId), { kind: 'none', reason: 'BOOKING_LIVE' });
    await deliver(onCancel(live, '30'));
    assert.deepEqual(await settle(live.orderId), { kind: 'none', reason: 'SETTLED_BY_CANCELLATION' });
    await settledRefund(live.orderId);
    assert.equal((await refundRows(live.orderId)).length, 1);
  });

  it('retries a refund call that timed out at the gateway, and refunds once', async () => {
    const booking = await chargedBooking();
    // Every attempt of the adapter's first call takes effect at the gateway and gets no answer in time: the job fails and the scheduler runs it again.
    rig.simulator.control.holdNext('refund', 3);
    // A refund of 46: a second one under another id would fit under the charge, so the gateway's count shows it.
    await deliver(onCancel(booking, '100'));
    const refund = await settledRefund(booking.orderId);
    const atGateway = await gatewayRefunds(booking.orderId);
    assert.equal(atGateway.length, 1, 'the gateway holds one refund');
    assert.equal(atGateway[0]?.refundId, refund.id, 'sent under our refund id every time');
    assert.equal(atGateway[0]?.gatewayRefundId, refund.id_assigned_by_service_provider);
    const retried = logEntries().filter((entry) => entry.msg === 'refund got no usable answer from the gateway; the job will retry' && entry.refundId === refund.id);
    assert.ok(retried.length >= 1, 'the first run failed on the timeout');
    assert.equal(retried[0]?.kind, 'timeout');
  });

  it('retries a refund while the gateway is down (5xx), and refunds once', async () => {
    const booking = await chargedBooking();
    rig.simulator.control.failNext('refund', 503, 3);
    await deliver(onCancel(booking, '46'));
    const refund = await settledRefund(booking.orderId);
    assert.equal(Number(refund.refund_amount), 100);
    assert.equal((await gatewayRefunds(booking.orderId)).length, 1);
    assert.ok(logEntries().some((entry) => entry.msg === 'refund got no usable answer from the gateway; the job will retry' && entry.refundId === refund.id && entry.kind === 'unavailable'));
  });

  it('sends a refund whose job was never scheduled when the sweep finds it', async () => {
    const booking = await chargedBooking();
    const { bap } = rig.app.ctx;
    // A refund committed without its job, as when the scheduler was unreachable at the commit.
    const made = await createRefund(bap.sequelize, bap.logger, RIDER_PAYMENTS_SCHEMA, { orderId: booking.orderId, amount: '46', idempotencyKey: `lost-${booking.orderId}` });
    assert.equal(made.outcome, 'created');
    assert.equal(await resendLostRefunds(bap, 60_000), 0, 'a refund younger than the lag is left to its own job');
    assert.ok((await resendLostRefunds(bap, 0)) >= 1);
    const refund = await settledRefund(booking.orderId);
    assert.equal(made.outcome === 'created' && made.refund.id, refund.id);
    assert.deepEqual((await gatewayRefunds(booking.orderId)).map((r) => [r.refundId, r.amount]), [[refund.id, '46.00']]);
  });

  it('gives a refund the gateway leaves pending up to MANUAL_REVIEW after the bounded status reads, and one it fails to FAILURE', async () => {
    const pending = await chargedBooking();
    rig.simulator.control.nextOutcome('refund', 'pending');
    await deliver(onCancel(pending, '30'));
    const review = await settledRefund(pending.orderId, 'MANUAL_REVIEW');
    assert.ok(review.id_assigned_by_service_provider);
    assert.ok(logEntries().some((entry) => entry.msg === 'refund still unsettled after the last status read' && entry.refundId === review.id && entry.checks === 5));

    const declined = await chargedBooking();
    rig.simulator.control.nextOutcome('refund', 'decline');
    await deliver(onCancel(declined, '30'));
    const failed = await settledRefund(declined.orderId, 'FAILURE');
    const view = await rig.call('GET', `/rider/bookings/${declined.bookingId}/payment`, declined.token);
    assert.deepEqual(view.body.refunds, [{ id: failed.id, amount: { value: '116', currency: 'INR' }, status: 'FAILURE' }]);
  });
});
