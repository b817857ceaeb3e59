import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createBecknValidator } from '../../src/protocol/index.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import { fakeBppRider, type FakeBppRider } from './fake-bpp-rider.js';

const tagValue = (tags: any[] | undefined, group: string, code: string) =>
  tags?.find((t) => t.descriptor?.code === group)?.list?.find((e: any) => e.descriptor?.code === code)?.value;
const tagCodes = (tags: any[] | undefined) => (tags ?? []).map((t) => t.descriptor?.code);

describe('BAP against a BPP speaking ONDC:TRV10 2.0.1: what the rider sees and what the BAP sends', function () {
  this.timeout(120_000);
  let net: BecknHarness;
  let rider: FakeBppRider;

  const view = async (bookingId: string) => {
    const booking = await rider.call('GET', `/rider/bookings/${bookingId}`);
    assert.equal(booking.status, 200, JSON.stringify(booking.body));
    return booking.body;
  };

  before(async () => {
    net = await startBecknHarness();
    rider = await fakeBppRider(net, 'Farah Khan');
  });
  after(async () => {
    await net?.close();
  });

  it("shows the catalog's provider name and the estimate's value beside its range, in the search and in the booking", async () => {
    const { searchId } = await rider.searched({ lat: 12.912, lon: 77.612 });
    const search = await rider.call('GET', `/rider/searches/${searchId}`);
    const auto = (search.body.estimates as any[]).find((e) => e.bppId === net.bpp.subscriberId && e.itemId === 'I1');
    // X16 names the provider platform on the catalog only, and prices I1 at 146 within 136 to 176.
    assert.equal(auto.providerName, 'Mobility Servies BPP');
    assert.deepEqual(auto.fare, { value: '146', min: '136', max: '176', currency: 'INR' });

    const { bookingId } = await rider.confirming({ lat: 12.913, lon: 77.613 });
    assert.deepEqual((await view(bookingId)).provider, { id: 'P1', name: 'Mobility Servies BPP' });
  });

  it('confirms with the fulfillment type, the quoted FARE_POLICY, INFO and ROUTE_INFO tags and every payment tag the TRV10 lists require', async () => {
    const { transactionId } = await rider.confirming({ lat: 12.914, lon: 77.614 });
    const confirm = await rider.sentToFake('confirm', transactionId);
    const order = (confirm.body.message as any).order;
    const fulfillment = order.fulfillments[0];
    assert.equal(fulfillment.type, 'DELIVERY', 'the quoted fulfillment type');
    assert.deepEqual(tagCodes(fulfillment.tags), ['ROUTE_INFO']);
    assert.deepEqual(tagCodes(order.items[0].tags), ['FARE_POLICY', 'INFO']);
    const payment = order.payments[0];
    // X13's provider answered with fewer tags than proposed: ours are added, its own values kept.
    assert.equal(tagValue(payment.tags, 'SETTLEMENT_TERMS', 'SETTLEMENT_WINDOW'), 'PT2D', "the provider's window as it answered");
    for (const code of ['BUYER_FINDER_FEES_TYPE', 'BUYER_FINDER_FEES_PERCENTAGE', 'BUYER_FINDER_FEES_AMOUNT']) {
      assert.ok(tagValue(payment.tags, 'BUYER_FINDER_FEES', code) !== undefined, `BUYER_FINDER_FEES ${code}`);
    }
    for (const code of ['SETTLEMENT_WINDOW', 'SETTLEMENT_BASIS', 'SETTLEMENT_TYPE', 'MANDATORY_ARBITRATION', 'COURT_JURISDICTION', 'DELAY_INTEREST', 'STATIC_TERMS', 'SETTLEMENT_AMOUNT']) {
      assert.ok(tagValue(payment.tags, 'SETTLEMENT_TERMS', code) !== undefined, `SETTLEMENT_TERMS ${code}`);
    }
    // The provider collects (X13) the 146 quoted: the settlement is the 1 percent finder fee.
    assert.equal(tagValue(payment.tags, 'BUYER_FINDER_FEES', 'BUYER_FINDER_FEES_AMOUNT'), '1.46');
    assert.equal(tagValue(payment.tags, 'SETTLEMENT_TERMS', 'SETTLEMENT_AMOUNT'), '1.46');
    assert.deepEqual(createBecknValidator().validate('confirm', confirm.body), []);
  });

  it('keeps RIDE_CONFIRMED without a driver when on_confirm assigns none, until an on_update assigns one, with the provider ride id', async () => {
    const { transactionId, bookingId } = await rider.confirming({ lat: 12.915, lon: 77.615 });
    const confirm = await rider.sentToFake('confirm', transactionId);
    // TRV10's "assign driver post on_confirm": the order is confirmed, its fulfillment RIDE_CONFIRMED, no agent.
    const confirmed = await rider.answer(confirm, 'on_confirm', 'details_on_confirmation__6');
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    const waiting = await view(bookingId);
    assert.equal(waiting.status, 'CONFIRMED');
    assert.equal(waiting.ride.state, 'RIDE_CONFIRMED');
    assert.deepEqual(waiting.ride.driver, { name: null, phone: null });
    assert.equal(waiting.ride.vehicle.number, null);
    assert.equal(waiting.ride.otp, null);
    assert.deepEqual(waiting.ride.history.map((h: any) => h.state), ['RIDE_CONFIRMED']);

    // A status asked meanwhile that still says RIDE_CONFIRMED changes nothing.
    const again = await rider.answer(confirm, 'on_status', 'X19', (b) => {
      b.context.message_id = randomUUID();
      b.message.order.fulfillments[0].state.descriptor.code = 'RIDE_CONFIRMED';
      delete b.message.order.fulfillments[0].agent;
    });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal((await view(bookingId)).ride.state, 'RIDE_CONFIRMED');

    const assigned = await rider.answer(confirm, 'on_update', 'latest_update_on_ride_details_to_the_buyer_app__7', (b) => (b.context.message_id = randomUUID()));
    assert.equal(assigned.status, 200, JSON.stringify(assigned.body));
    const withDriver = await view(bookingId);
    assert.equal(withDriver.ride.state, 'RIDE_ASSIGNED');
    assert.ok(withDriver.ride.driver.name, 'the driver the on_update names');
    assert.ok(withDriver.ride.otp, 'the OTP of the START stop');
    assert.equal(withDriver.ride.bppRideId, 'F1', "the provider's ride: its fulfillment id");
    assert.deepEqual(withDriver.ride.history.map((h: any) => h.state), ['RIDE_CONFIRMED', 'RIDE_ASSIGNED']);
  });

  it("orders the ride's history by our receipt time and keeps the provider's (wrong) clock beside it", async () => {
    const began = Date.now();
    const { transactionId, bookingId } = await rider.confirming({ lat: 12.916, lon: 77.616 });
    const confirm = await rider.sentToFake('confirm', transactionId);
    // X10 confirms with a driver, its updated_at in 2023; the provider's next state claims a time before it.
    assert.equal((await rider.answer(confirm, 'on_confirm', 'X10')).status, 200);
    const behind = '2021-01-01T00:00:00.000Z';
    const enroute = await rider.answer(confirm, 'on_status', 'X19', (b) => {
      b.context.message_id = randomUUID();
      b.message.order.updated_at = behind;
    });
    assert.equal(enroute.status, 200, JSON.stringify(enroute.body));
    const { ride } = await view(bookingId);
    assert.equal(ride.bppRideId, 'F1');
    assert.deepEqual(ride.history.map((h: any) => h.state), ['RIDE_ASSIGNED', 'RIDE_ENROUTE_PICKUP']);
    assert.deepEqual(ride.history.map((h: any) => h.providerAt), ['2023-12-10T08:03:34.294Z', behind]);
    const times = ride.history.map((h: any) => Date.parse(h.at));
    assert.ok(times[0] >= began - 1_000 && times[1] <= Date.now() + 1_000, `received during the test: ${JSON.stringify(ride.history)}`);
    assert.ok(times[0] <= times[1], `the history runs forward: ${JSON.stringify(ride.history)}`);
  });

  it('keeps the cancellation reason the rider gave when the provider answers without one', async () => {
    const { transactionId, bookingId } = await rider.confirming({ lat: 12.917, lon: 77.617 });
    const confirm = await rider.sentToFake('confirm', transactionId);
    assert.equal((await rider.answer(confirm, 'on_confirm', 'X10')).status, 200);
    const cancelling = rider.call('POST', `/rider/bookings/${bookingId}/cancel`, { reasonCode: '003', confirm: true });
    const cancel = await rider.sentToFake('cancel', transactionId);
    assert.equal((cancel.body.message as any).cancellation_reason_id, '003');
    // X9 cancels the order and names neither who cancelled nor why.
    const answered = await rider.answer(cancel, 'on_cancel', 'X9', (b) => assert.equal(b.message.order.cancellation, undefined));
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    const cancelled = await cancelling;
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'CANCELLED');
    assert.equal(cancelled.body.cancellation.source, 'BY_RIDER');
    assert.equal(cancelled.body.cancellation.reasonCode, '003');
  });

  it("understands the core profile's soft-cancel answer (nic2004:60221: the order still ACTIVE, its fee quoted) and shows the fee", async () => {
    const { transactionId, bookingId } = await rider.confirming({ lat: 12.918, lon: 77.618 });
    const confirm = await rider.sentToFake('confirm', transactionId);
    assert.equal((await rider.answer(confirm, 'on_confirm', 'X10')).status, 200);
    const quoting = rider.call('POST', `/rider/bookings/${bookingId}/cancel`, { reasonCode: '001', confirm: false });
    const cancel = await rider.sentToFake('cancel', transactionId);
    assert.equal((cancel.body.message as any).descriptor.code, 'SOFT_CANCEL');
    // As our BPP answers a soft cancel in the core profile: ACTIVE, the fee as the price and a CANCELLATION_CHARGES line.
    const answered = await rider.answer(cancel, 'on_cancel', 'X9', (b) => {
      b.context.domain = 'nic2004:60221';
      b.context.version = '1.1.0';
      b.message.order.status = 'ACTIVE';
      b.message.order.fulfillments[0].state.descriptor.code = 'RIDE_ASSIGNED';
      b.message.order.quote = {
        price: { currency: 'INR', value: '25' },
        breakup: [...(b.message.order.quote?.breakup ?? []).filter((l: any) => l.title !== 'CANCELLATION_CHARGES'), { title: 'CANCELLATION_CHARGES', price: { currency: 'INR', value: '25' } }],
      };
    });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    const quoted = await quoting;
    assert.equal(quoted.status, 200, JSON.stringify(quoted.body));
    assert.deepEqual(quoted.body, { bookingId, status: 'FEE_QUOTED', reasonCode: '001', fee: { currency: 'INR', value: '25' } });
    const after = await view(bookingId);
    assert.equal(after.status, 'CONFIRMED', 'a soft cancel cancels nothing');
    assert.deepEqual(
      { status: after.cancellation.status, fee: after.cancellation.fee, reasonCode: after.cancellation.reasonCode },
      { status: 'FEE_QUOTED', fee: '25', reasonCode: '001' },
    );
  });
});
