import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { checkConformance } from '../../src/protocol/conformance/index.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import type { ReceivedMessage } from '../support/fake-participant.js';
import { waitFor } from '../support/wait-until.js';
import { fakeBppRider, type FakeBppRider } from './fake-bpp-rider.js';

/**
 * Every request our BAP sends in a whole ride and in a cancelled booking,
 * with a BPP answering in ONDC:TRV10 2.0.1's own examples, judged by the
 * conformance check built from the TRV10 attribute lists: no mandatory
 * attribute is missing.
 */
describe('BAP requests conform to the ONDC TRV10 2.0.1 attribute lists: a whole ride and a cancellation', function () {
  this.timeout(180_000);
  let net: BecknHarness;
  let rider: FakeBppRider;

  /** What the fake BPP received from our BAP in a transaction, by action. */
  const sentIn = (transactionId: string) => net.bpp.received.filter((m) => m.body.context.transaction_id === transactionId);
  const judge = (messages: ReceivedMessage[]) =>
    messages.map((m) => ({ action: m.action, missing: checkConformance(m.action, m.body) })).filter((r) => r.missing.length > 0);
  const booking = async (bookingId: string) => (await rider.call('GET', `/rider/bookings/${bookingId}`)).body;
  /** A rider request that waits for the BPP's answer: the request our BAP sent is answered with the example while it waits. */
  const asked = async (path: string, action: string, transactionId: string, answer: string, body?: unknown, mutate?: (answer: any) => void) => {
    const before = new Set(sentIn(transactionId).map((m) => m.body.context.message_id));
    const pending = rider.call('POST', path, body);
    const request = await net.bpp.waitFor((m) => m.action === action && m.body.context.transaction_id === transactionId && !before.has(m.body.context.message_id), 15_000);
    assert.equal((await rider.answer(request, `on_${action}`, answer, mutate)).status, 200);
    return pending;
  };
  const trackRoute = async (bookingId: string, transactionId: string) => {
    const pending = rider.call('GET', `/rider/bookings/${bookingId}/track`);
    const request = await rider.sentToFake('track', transactionId);
    assert.equal((await rider.answer(request, 'on_track', 'X23')).status, 200);
    return pending;
  };

  before(async () => {
    // The rider side's settlement account: init names it as the payment's params when the provider collects.
    net = await startBecknHarness({ env: { BAP_SETTLEMENT_BANK_CODE: 'ICIC0001234', BAP_SETTLEMENT_BANK_ACCOUNT_NUMBER: '001234567890', BAP_SETTLEMENT_VPA: 'rides@okicici' } });
    rider = await fakeBppRider(net, 'Ishaan Mehta');
  });
  after(async () => {
    await net?.close();
  });

  it('search, select, init, confirm, status, track, update, support and rating of a whole ride lack no mandatory attribute', async () => {
    const { transactionId, bookingId } = await rider.confirming({ lat: 12.921, lon: 77.621 });
    const confirm = await rider.sentToFake('confirm', transactionId);
    assert.equal((await rider.answer(confirm, 'on_confirm', 'X10')).status, 200);

    assert.equal((await asked(`/rider/bookings/${bookingId}/status`, 'status', transactionId, 'X19')).status, 200);
    assert.equal((await trackRoute(bookingId, transactionId)).status, 200);
    // The rider changes the drop: an update, answered with the recomputed charges (X24) while the driver is on the way.
    const moved = await asked(`/rider/bookings/${bookingId}/drop`, 'update', transactionId, 'X24', { lat: 12.971186, lon: 77.586812 }, (b) => {
      b.message.order.fulfillments[0].state.descriptor.code = 'RIDE_ENROUTE_PICKUP';
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual(moved.body, { bookingId, drop: { lat: 12.971186, lon: 77.586812 }, fare: { currency: 'INR', value: '146' } });
    const support = await asked(`/rider/bookings/${bookingId}/support`, 'support', transactionId, 'X22');
    assert.equal(support.status, 200, JSON.stringify(support.body));
    for (const marker of ['X20', 'X18']) {
      assert.equal((await rider.answer(confirm, 'on_status', marker, (b) => (b.context.message_id = randomUUID()))).status, 200);
    }
    await waitFor('the completed ride', async () => ((await booking(bookingId)).status === 'COMPLETED' ? true : undefined), { timeoutMs: 15_000, intervalMs: 100 });
    assert.equal((await rider.call('POST', `/rider/bookings/${bookingId}/rating`, { value: 5, comment: 'smooth' })).status, 201);
    await rider.sentToFake('rating', transactionId);

    const sent = sentIn(transactionId);
    const init = sent.find((m) => m.action === 'init');
    assert.deepEqual((init?.body.message as any).order.payments[0].params, { bank_code: 'ICIC0001234', bank_account_number: '001234567890', virtual_payment_address: 'rides@okicici' });
    assert.deepEqual(
      ['search', 'select', 'init', 'confirm', 'status', 'track', 'update', 'support', 'rating'].filter((action) => !sent.some((m) => m.action === action)),
      [],
      'every request of the ride reached the BPP',
    );
    assert.deepEqual(judge(sent), []);
  });

  it('cancel, soft and confirmed, lacks no mandatory attribute', async () => {
    const { transactionId, bookingId } = await rider.confirming({ lat: 12.922, lon: 77.622 });
    const confirm = await rider.sentToFake('confirm', transactionId);
    assert.equal((await rider.answer(confirm, 'on_confirm', 'X10')).status, 200);
    // The soft cancel is answered with X9's order still open (SOFT_CANCEL) quoting its fee, then the confirmed cancel with X9 as it is.
    const soft = await asked(`/rider/bookings/${bookingId}/cancel`, 'cancel', transactionId, 'X9', { reasonCode: '001', confirm: false }, (b) => {
      b.message.order.status = 'SOFT_CANCEL';
    });
    assert.equal(soft.status, 200, JSON.stringify(soft.body));
    assert.equal(soft.body.status, 'FEE_QUOTED');
    const cancelled = await asked(`/rider/bookings/${bookingId}/cancel`, 'cancel', transactionId, 'X9', { reasonCode: '001', confirm: true });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'CANCELLED');
    const cancels = sentIn(transactionId).filter((m) => m.action === 'cancel');
    assert.deepEqual(cancels.map((m) => (m.body.message as any).descriptor.code), ['SOFT_CANCEL', 'CONFIRM_CANCEL']);
    assert.deepEqual(judge(sentIn(transactionId)), []);
  });
});
