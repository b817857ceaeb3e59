import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LatLon } from '../../src/bpp/domain/index.js';
import { drop, gps, startBookingFlow, bapPayment, type BookingFlow } from './booking-flow.js';

/** Pickups more than the 5 km offer radius apart, so each test's drivers only see their own ride. */
const pickups: Record<string, LatLon> = {
  ttl: { lat: 12.85, lon: 77.45 },
  draft: { lat: 12.85, lon: 77.55 },
  enroute: { lat: 12.85, lon: 77.65 },
  support: { lat: 12.95, lon: 77.45 },
};

const searchMessage = (pickup: LatLon, stop: (type: 'START' | 'END') => string) => ({
  intent: {
    fulfillment: { stops: [{ type: stop('START'), location: { gps: gps(pickup) } }, { type: stop('END'), location: { gps: gps(drop) } }] },
    payment: { collected_by: 'BAP' },
  },
});

describe('BPP protocol profiles: core ttl default, pre-order status, driver en route, support contact', function () {
  this.timeout(240_000);
  let ondc: BookingFlow;
  let core: BookingFlow;

  before(async () => {
    ondc = await startBookingFlow();
    core = await startBookingFlow({ domain: 'nic2004:60221' });
  });
  after(async () => {
    await ondc?.close();
    await core?.close();
  });

  const context = (flow: BookingFlow, action: string, extra: Record<string, unknown>): Record<string, any> => ({
    ...(flow.domain === 'ONDC:TRV10' ? { domain: 'ONDC:TRV10', version: '2.0.1' } : { domain: 'nic2004:60221', version: '1.1.0' }),
    action,
    location: { city: { code: 'std:080' }, country: { code: 'IND' } },
    ...flow.net.toOurBpp(extra),
  });

  it('answers a Beckn core 1.1.0 search without context.ttl (held to the default ttl); ONDC:TRV10 still requires it', async () => {
    await core.addSedan({ lat: pickups.ttl!.lat + 0.001, lon: pickups.ttl!.lon + 0.001 });
    const coreSearch = { context: context(core, 'search', { ttl: undefined }), message: searchMessage(pickups.ttl!, (t) => t.toLowerCase()) };
    assert.equal('ttl' in JSON.parse(JSON.stringify(coreSearch.context)), false);
    const acked = await core.net.bap.post(`${core.net.ourBpp.url}/search`, coreSearch);
    assert.equal(acked.status, 200, JSON.stringify(acked.body));
    const onSearch = await core.net.bap.waitFor((m) => m.body.context.message_id === coreSearch.context.message_id, 30_000);
    core.checkCallback(onSearch, 'on_search');
    assert.equal(onSearch.body.error, undefined, JSON.stringify(onSearch.body.error));
    assert.ok((onSearch.body.message as any).catalog.providers[0].items.length > 0);
    assert.equal(onSearch.body.context.ttl, 'PT30S', 'the callback carries the default ttl');

    // A core message whose timestamp is older than the default ttl is stale.
    const stale = { context: context(core, 'search', { ttl: undefined, timestamp: new Date(Date.now() - 120_000).toISOString() }), message: coreSearch.message };
    const refused = await core.net.bap.post(`${core.net.ourBpp.url}/search`, stale);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.message.ack.status, 'NACK');

    const ondcSearch = { context: context(ondc, 'search', { ttl: undefined }), message: searchMessage(pickups.ttl!, (t) => t) };
    const nacked = await ondc.net.bap.post(`${ondc.net.ourBpp.url}/search`, ondcSearch);
    assert.equal(nacked.status, 400, JSON.stringify(nacked.body));
    assert.equal(nacked.body.message.ack.status, 'NACK');
    assert.match(JSON.stringify(nacked.body.error), /ttl/);
  });

  it('answers status naming the transaction before confirm with the draft as it stands, then with the confirmed order', async () => {
    const flow = ondc;
    const driver = await flow.addSedan({ lat: pickups.draft!.lat + 0.001, lon: pickups.draft!.lon + 0.001 });
    const selection = await flow.selectSedan(pickups.draft!, driver);
    const status = async () => {
      const callback = await flow.send('status', flow.net.toOurBpp({ transaction_id: selection.transactionId }), { ref_id: selection.transactionId });
      assert.equal(callback.body.error, undefined, JSON.stringify(callback.body.error));
      return (callback.body.message as any).order;
    };

    const quoted = await status();
    const onSelect = selection.selected;
    assert.equal(quoted.id, undefined, 'a quote has no order id');
    assert.deepEqual(quoted.quote, onSelect.quote, 'before init the draft is the selected quote');
    assert.deepEqual(quoted.items, onSelect.items);
    assert.equal(quoted.fulfillments[0].state.descriptor.code, 'RIDE_ASSIGNED', 'the driver accepted');
    assert.equal(quoted.fulfillments[0].agent.person.name, 'Ravi Kumar');
    assert.equal(quoted.payments[0].id, `PA-${selection.itemId}`, 'the payment on_search offered with the item');
    assert.ok(quoted.payments[0].tags.some((group: any) => group.descriptor.code === 'BUYER_FINDER_FEES'));

    const onInit = await flow.send('init', flow.net.toOurBpp({ transaction_id: selection.transactionId }), flow.draftOrder(selection, bapPayment));
    const initialised = await status();
    const drafted = (onInit.body.message as any).order;
    assert.equal(initialised.id, undefined, 'a draft has no order id yet');
    assert.deepEqual({ ...initialised, fulfillments: undefined }, { ...drafted, fulfillments: undefined }, 'after init the draft is what on_init answered');
    const fulfillment = initialised.fulfillments[0];
    assert.equal(fulfillment.state.descriptor.code, 'RIDE_ASSIGNED');
    assert.equal(fulfillment.agent.person.name, 'Ravi Kumar', 'the driver who accepted');
    assert.deepEqual(fulfillment.customer, { person: { name: 'Joe Adams' }, contact: { phone: '9876556789' } });

    const onConfirm = await flow.send('confirm', flow.net.toOurBpp({ transaction_id: selection.transactionId }), flow.draftOrder(selection, { ...initialised.payments[0] }));
    const confirmed = (onConfirm.body.message as any).order;
    assert.deepEqual(await status(), confirmed, 'once confirmed, the transaction names the order');

    const unknown = await flow.send('status', flow.net.toOurBpp(), { ref_id: randomUUID() });
    assert.equal((unknown.body.error as { code: string }).code, '30018', 'a transaction with no draft is not found');
  });

  for (const domain of ['ONDC:TRV10', 'nic2004:60221'] as const) {
    it(`lets the driver set off to the pickup: pushed as RIDE_ENROUTE_PICKUP, answered by status, once (${domain})`, async () => {
      const flow = domain === 'ONDC:TRV10' ? ondc : core;
      const enrouteName = domain === 'ONDC:TRV10' ? 'RIDE_ENROUTE_PICKUP' : 'DRIVER_EN_ROUTE_TO_PICKUP';
      const pickup = domain === 'ONDC:TRV10' ? pickups.enroute! : { lat: pickups.enroute!.lat + 0.1, lon: pickups.enroute!.lon };
      const { driver, selection, order, ride } = await flow.confirmedRide(pickup);
      const move = (what: string, body?: unknown) => flow.call('POST', `/driver/rides/${ride.id}/${what}`, body, driver.token);
      const stateOf = (o: any) => o?.fulfillments?.[0]?.state?.descriptor?.code;

      const enroute = await move('enroute');
      assert.equal(enroute.status, 200, JSON.stringify(enroute.body));
      assert.deepEqual({ status: enroute.body.status, state: enroute.body.fulfillment_state }, { status: 'NEW', state: 'RIDE_ENROUTE_PICKUP' });
      const pushed = await flow.net.bap.waitFor(
        (m) => m.action === 'on_status' && m.body.context.transaction_id === selection.transactionId && stateOf(m.body.message && (m.body.message as any).order) === enrouteName,
        30_000,
      );
      flow.checkCallback(pushed, 'on_status');
      const pushedOrder = (pushed.body.message as any).order;
      assert.equal(pushedOrder.id, order.id);
      assert.equal(pushedOrder.fulfillments[0].stops.find((s: { type: string }) => s.type.toUpperCase() === 'START').authorization.status, 'UNCLAIMED');

      const asked = await flow.send('status', flow.net.toOurBpp({ transaction_id: selection.transactionId }), { order_id: order.id });
      assert.equal(stateOf((asked.body.message as any).order), enrouteName);
      assert.equal((await move('enroute')).status, 409, 'setting off twice');

      // A cancel now is priced as the terms price RIDE_ENROUTE_PICKUP (no fee in this policy), not RIDE_ASSIGNED (30).
      const soft = await flow.send('cancel', flow.net.toOurBpp({ transaction_id: selection.transactionId }), {
        order_id: order.id,
        cancellation_reason_id: domain === 'ONDC:TRV10' ? '005' : '5',
        descriptor: { code: 'SOFT_CANCEL', name: 'Ride Cancellation' },
      });
      const softOrder = (soft.body.message as any).order;
      assert.equal(stateOf(softOrder), enrouteName);
      assert.equal(Number(softOrder.quote.price.value), 0, JSON.stringify(softOrder.quote));
      assert.equal((await move('arrived')).status, 200, 'and arrives after');
    });
  }

  it("sets the merchant's support contact through the operator API, and on_support answers with it", async () => {
    const flow = ondc;
    const { selection, order } = await flow.confirmedRide(pickups.support!);
    const contact = { phone: '+918045671234', email: 'help@booking-cabs.example', url: 'https://booking-cabs.example/support' };
    const set = await flow.call('PUT', `/provider/merchants/${flow.merchantId}/support`, contact, flow.net.app.ctx.config.secrets.adminToken);
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body, { id: flow.merchantId, support: contact });
    const answer = await flow.send('support', flow.net.toOurBpp({ transaction_id: selection.transactionId }), { ref_id: order.id });
    assert.deepEqual(answer.body.message, { support: { ref_id: order.id, ...contact } });

    const phoneOnly = await flow.call('PUT', `/provider/merchants/${flow.merchantId}/support`, { phone: '+918045671235' }, flow.net.app.ctx.config.secrets.adminToken);
    assert.equal(phoneOnly.status, 200);
    const after = await flow.send('support', flow.net.toOurBpp({ transaction_id: selection.transactionId }), { ref_id: order.id });
    assert.deepEqual(after.body.message, { support: { ref_id: order.id, phone: '+918045671235' } }, 'the fields left out are cleared');

    const admin = flow.net.app.ctx.config.secrets.adminToken;
    assert.equal((await flow.call('PUT', `/provider/merchants/${randomUUID()}/support`, contact, admin)).status, 404);
    assert.equal((await flow.call('PUT', `/provider/merchants/${flow.merchantId}/support`, {}, admin)).status, 400, 'an empty contact');
    assert.equal((await flow.call('PUT', `/provider/merchants/${flow.merchantId}/support`, { phone: 'call me' }, admin)).status, 400);
  });
});
