import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LatLon } from '../../src/bpp/domain/index.js';
import {
  fromDomainOrderStatus,
  fromDomainState,
  ONDC_FULFILLMENT_STATES,
  orderMessageInDomain,
  toDomainOrderStatus,
  toDomainState,
} from '../../src/protocol/vocabulary/index.js';
import type { ReceivedMessage } from '../support/fake-participant.js';
import { bapPayment, policyBody, startBookingFlow, type BookingFlow } from './booking-flow.js';

/** Pickups more than the 5 km offer radius apart, so each test's drivers only see their own ride. */
const pickups: Record<string, LatLon> = {
  ride: { lat: 12.85, lon: 77.45 },
  rider: { lat: 12.85, lon: 77.55 },
  arrived: { lat: 12.85, lon: 77.65 },
  driver: { lat: 12.95, lon: 77.45 },
  errors: { lat: 12.95, lon: 77.55 },
  soft: { lat: 12.95, lon: 77.65 },
};

/** The ONDC:TRV10 names nic2004:60221 has its own words for: none of them may reach a Beckn mobility BAP. */
const ondcOnly = /"(RIDE_ASSIGNED|RIDE_ENROUTE_PICKUP|RIDE_ARRIVED_PICKUP)"/;

const money = (value: string) => Number(value).toFixed(2);

describe('BPP in the Beckn mobility domain nic2004:60221 (core 1.1.0): the whole ride in its vocabulary', function () {
  this.timeout(240_000);
  let flow: BookingFlow;

  before(async () => {
    flow = await startBookingFlow({ domain: 'nic2004:60221' });
  });
  after(async () => {
    await flow?.close();
  });

  const stateOf = (order: any) => order.fulfillments[0].state.descriptor.code as string;

  /** The transaction's callbacks so far, `count` of them: each in the domain's context, signed, valid for its profile, and without ONDC-only state names. */
  const assertDomainCallbacks = (transactionId: string, count: number) => {
    const callbacks = flow.net.bap.received.filter((m) => m.body.context.transaction_id === transactionId);
    assert.equal(callbacks.length, count, callbacks.map((m) => m.action).join(', '));
    for (const callback of callbacks) {
      flow.checkCallback(callback, callback.action as Parameters<BookingFlow['checkCallback']>[1]);
      assert.equal(callback.body.context.domain, 'nic2004:60221', callback.action);
      assert.equal(callback.body.context.version, '1.1.0', callback.action);
      assert.deepEqual(callback.body.context.location, { city: { code: 'std:080' }, country: { code: 'IND' } }, callback.action);
      assert.doesNotMatch(JSON.stringify(callback.body), ondcOnly, `${callback.action} speaks the mobility vocabulary`);
    }
  };

  /** The unsolicited on_status of the transaction in `state`, checked for its signature and schema. */
  const pushed = async (transactionId: string, state: string): Promise<ReceivedMessage & { order: any }> => {
    const callback = await flow.net.bap.waitFor(
      (m) => m.action === 'on_status' && m.body.context.transaction_id === transactionId && (m.body.message as any)?.order?.fulfillments?.[0]?.state?.descriptor?.code === state,
      30_000,
    );
    flow.checkCallback(callback, 'on_status');
    return { ...callback, order: (callback.body.message as any).order };
  };

  const ask = (action: 'status' | 'cancel', transactionId: string, message: unknown) => flow.send(action, flow.net.toOurBpp({ transaction_id: transactionId }), message);
  const orderOf = (callback: ReceivedMessage) => {
    assert.equal(callback.body.error, undefined, JSON.stringify(callback.body.error));
    return (callback.body.message as any).order;
  };

  it('searches, selects, inits and confirms in the mobility vocabulary, then drives the ride to its end', async () => {
    const driver = await flow.addSedan({ lat: pickups.ride!.lat + 0.001, lon: pickups.ride!.lon + 0.001 });
    const selection = await flow.selectSedan(pickups.ride!, driver);
    const searched = flow.net.bap.received.find((m) => m.action === 'on_search' && m.body.context.transaction_id === selection.transactionId);
    assert.ok(searched, 'on_search came back');
    const provider = (searched.body.message as any).catalog.providers[0];
    assert.equal(provider.items.find((i: { id: string }) => i.id === selection.itemId).descriptor.code, 'RIDE');
    assert.equal(selection.selected.fulfillments[0].agent.person.name, 'Ravi Kumar');

    const onInit = await flow.send('init', flow.net.toOurBpp({ transaction_id: selection.transactionId }), flow.draftOrder(selection, bapPayment));
    const draft = orderOf(onInit);
    const termStates = draft.cancellation_terms.map((term: any) => term.fulfillment_state.descriptor.code);
    assert.deepEqual(termStates, ['DRIVER_EN_ROUTE', 'DRIVER_EN_ROUTE_TO_PICKUP', 'DRIVER_AT_PICKUP', 'RIDE_STARTED']);
    const termFee = (state: string) => draft.cancellation_terms.find((term: any) => term.fulfillment_state.descriptor.code === state).cancellation_fee.amount.value;
    assert.equal(money(termFee('DRIVER_EN_ROUTE')), money(policyBody.cancellation_fees.RIDE_ASSIGNED), 'the fee of RIDE_ASSIGNED, under its mobility name');
    assert.equal(money(termFee('DRIVER_AT_PICKUP')), money(policyBody.cancellation_fees.RIDE_ARRIVED_PICKUP));

    const onConfirm = await flow.send('confirm', flow.net.toOurBpp({ transaction_id: selection.transactionId }), flow.draftOrder(selection, { ...draft.payments[0] }));
    const order = orderOf(onConfirm);
    assert.equal(order.status, 'ACTIVE');
    assert.equal(stateOf(order), 'DRIVER_EN_ROUTE', 'a driver assigned on confirm is DRIVER_EN_ROUTE');
    assert.equal(order.fulfillments[0].agent.person.name, 'Ravi Kumar');
    const [ride] = await flow.rows<{ id: string; otp: string }>('SELECT id, otp FROM atlas_driver_offer_bpp.ride WHERE booking_id = $1', [order.id]);
    assert.ok(ride);
    const start = order.fulfillments[0].stops.find((s: { type: string }) => s.type.toUpperCase() === 'START');
    assert.equal(start.authorization.token, ride.otp);

    assert.equal(stateOf(orderOf(await ask('status', selection.transactionId, { order_id: order.id }))), 'DRIVER_EN_ROUTE');

    const move = async (what: string, body?: unknown) => {
      const answer = await flow.call('POST', `/driver/rides/${ride.id}/${what}`, body, driver.token);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    };
    await move('arrived');
    const atPickup = await pushed(selection.transactionId, 'DRIVER_AT_PICKUP');
    assert.equal(atPickup.order.id, order.id);
    assert.equal(atPickup.order.status, 'ACTIVE');
    const polled = orderOf(await ask('status', selection.transactionId, { order_id: order.id }));
    assert.equal(stateOf(polled), 'DRIVER_AT_PICKUP');
    assert.deepEqual(polled.fulfillments, atPickup.order.fulfillments, 'status answers as the push said');

    await move('start', { otp: ride.otp });
    const started = await pushed(selection.transactionId, 'RIDE_STARTED');
    assert.equal(started.order.fulfillments[0].stops.find((s: { type: string }) => s.type.toUpperCase() === 'START').authorization.status, 'CLAIMED');

    await move('end');
    const ended = await pushed(selection.transactionId, 'RIDE_ENDED');
    assert.equal(ended.order.status, 'COMPLETE', 'core 1.1.0 names a completed order COMPLETE');
    const [stored] = await flow.rows<{ final_fare: string }>('SELECT final_fare::text FROM atlas_driver_offer_bpp.ride WHERE id = $1', [ride.id]);
    assert.equal(money(ended.order.quote.price.value), money(stored!.final_fare));
    const finalStatus = orderOf(await ask('status', selection.transactionId, { order_id: order.id }));
    assert.equal(stateOf(finalStatus), 'RIDE_ENDED');
    assert.equal(finalStatus.status, 'COMPLETE');

    // search, select, init, confirm, three status answers and three pushes.
    assertDomainCallbacks(selection.transactionId, 10);
  });

  it('takes a rider cancel with a Beckn mobility reason and no descriptor as final, and answers status with it', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.rider!);
    assert.equal(stateOf(order), 'DRIVER_EN_ROUTE');
    const onCancel = orderOf(await ask('cancel', selection.transactionId, { order_id: order.id, cancellation_reason_id: '7', descriptor: { short_desc: 'Booked by mistake' } }));
    assert.equal(onCancel.id, order.id);
    assert.equal(onCancel.status, 'CANCELLED');
    assert.equal(stateOf(onCancel), 'RIDE_CANCELLED');
    assert.equal(onCancel.cancellation.cancelled_by, 'CONSUMER');
    assert.equal(onCancel.cancellation.reason.descriptor.code, '7');
    assert.equal(money(onCancel.quote.price.value), money(policyBody.cancellation_fees.RIDE_ASSIGNED), 'the fee of a ride whose driver is on the way');

    const rows = await flow.rows<{ booking: string; ride: string; driver: string; state: string }>(
      `SELECT b.status AS booking, r.status AS ride, d.status AS driver, c.fulfillment_state AS state
         FROM atlas_driver_offer_bpp.booking b JOIN atlas_driver_offer_bpp.ride r ON r.booking_id = b.id
         JOIN atlas_driver_offer_bpp.driver d ON d.id = r.driver_id
         JOIN atlas_driver_offer_bpp.booking_cancellation c ON c.booking_id = b.id
        WHERE b.id = $1`,
      [order.id],
    );
    assert.deepEqual(rows, [{ booking: 'CANCELLED', ride: 'CANCELLED', driver: 'ONLINE', state: 'RIDE_ASSIGNED' }], 'stored in ONDC names');
    assert.equal((await flow.call('POST', `/driver/rides/${ride.id}/arrived`, undefined, driver.token)).status, 409, 'a cancelled ride does not move');

    const status = orderOf(await ask('status', selection.transactionId, { order_id: order.id }));
    assert.equal(status.status, 'CANCELLED');
    assert.equal(stateOf(status), 'RIDE_CANCELLED');
    assertDomainCallbacks(selection.transactionId, 6);
  });

  it('answers a soft cancel (an ONDC step this profile lacks) with the fee quoted on the still ACTIVE order, changing nothing', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.soft!);
    const soft = orderOf(await ask('cancel', selection.transactionId, { order_id: order.id, cancellation_reason_id: '5', descriptor: { code: 'SOFT_CANCEL' } }));
    assert.equal(soft.status, 'ACTIVE');
    assert.equal(stateOf(soft), 'DRIVER_EN_ROUTE');
    assert.equal(soft.cancellation, undefined);
    assert.equal(money(soft.quote.price.value), money(policyBody.cancellation_fees.RIDE_ASSIGNED));
    assert.equal(soft.quote.breakup.at(-2).title, 'CANCELLATION_CHARGES');
    const [row] = await flow.rows<{ booking: string; ride: string }>(
      'SELECT b.status AS booking, r.status AS ride FROM atlas_driver_offer_bpp.booking b JOIN atlas_driver_offer_bpp.ride r ON r.booking_id = b.id WHERE b.id = $1',
      [order.id],
    );
    assert.deepEqual(row, { booking: 'CONFIRMED', ride: 'NEW' });
    assert.equal((await flow.call('POST', `/driver/rides/${ride.id}/arrived`, undefined, driver.token)).status, 200, 'the ride goes on');
    await pushed(selection.transactionId, 'DRIVER_AT_PICKUP');
    assertDomainCallbacks(selection.transactionId, 6);
  });

  it('prices a cancel at the pickup as DRIVER_AT_PICKUP', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.arrived!);
    assert.equal((await flow.call('POST', `/driver/rides/${ride.id}/arrived`, undefined, driver.token)).status, 200);
    await pushed(selection.transactionId, 'DRIVER_AT_PICKUP');
    const onCancel = orderOf(await ask('cancel', selection.transactionId, { order_id: order.id, cancellation_reason_id: '5' }));
    assert.equal(onCancel.status, 'CANCELLED');
    assert.equal(stateOf(onCancel), 'RIDE_CANCELLED');
    assert.equal(money(onCancel.quote.price.value), money(policyBody.cancellation_fees.RIDE_ARRIVED_PICKUP));
    assertDomainCallbacks(selection.transactionId, 6);
  });

  it('tells the rider of a driver cancel with an unsolicited on_cancel in the mobility domain', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.driver!);
    const answer = await flow.call('POST', `/driver/rides/${ride.id}/cancel`, { reasonCode: '013' }, driver.token);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const callback = await flow.net.bap.waitFor((m) => m.action === 'on_cancel' && m.body.context.transaction_id === selection.transactionId, 30_000);
    flow.checkCallback(callback, 'on_cancel');
    const cancelled = orderOf(callback);
    assert.equal(cancelled.id, order.id);
    assert.equal(cancelled.status, 'CANCELLED');
    assert.equal(stateOf(cancelled), 'RIDE_CANCELLED');
    assert.equal(cancelled.cancellation.cancelled_by, 'PROVIDER');
    assertDomainCallbacks(selection.transactionId, 5);
  });

  it('refuses an ONDC cancellation reason (NACK) and an unknown order (error callback), changing nothing', async () => {
    const { selection, order, ride } = await flow.confirmedRide(pickups.errors!);
    // The profile's reasons are ids 1 to 7: an ONDC id is refused on receipt (NACK), before any handler runs.
    const ondcReason = await flow.net.bap.post(`${flow.net.ourBpp.url}/cancel`, {
      context: { domain: 'nic2004:60221', action: 'cancel', version: '1.1.0', location: { city: { code: 'std:080' }, country: { code: 'IND' } }, ...flow.net.toOurBpp({ transaction_id: selection.transactionId }) },
      message: { order_id: order.id, cancellation_reason_id: '005' },
    });
    assert.equal(ondcReason.status, 400, JSON.stringify(ondcReason.body));
    assert.equal((ondcReason.body as any).message.ack.status, 'NACK');
    assert.match(JSON.stringify((ondcReason.body as any).error), /cancellation_reason_id/);
    const unknown = await ask('cancel', selection.transactionId, { order_id: randomUUID(), cancellation_reason_id: '7' });
    assert.equal(unknown.body.message, undefined);
    assert.equal((unknown.body.error as { paths: string }).paths, 'message.order_id');
    const [row] = await flow.rows<{ status: string }>('SELECT status FROM atlas_driver_offer_bpp.ride WHERE id = $1', [ride.id]);
    assert.equal(row?.status, 'NEW');
    assert.equal(stateOf(orderOf(await ask('status', selection.transactionId, { order_id: order.id }))), 'DRIVER_EN_ROUTE');
    assertDomainCallbacks(selection.transactionId, 6);
  });
});

describe('protocol vocabulary: fulfillment states and order status by domain', () => {
  it('emits the mobility names in nic2004:60221 and the ONDC names elsewhere', () => {
    const pairs = [
      ['RIDE_CONFIRMED', 'RIDE_CONFIRMED'],
      ['RIDE_ASSIGNED', 'DRIVER_EN_ROUTE'],
      ['RIDE_ENROUTE_PICKUP', 'DRIVER_EN_ROUTE_TO_PICKUP'],
      ['RIDE_ARRIVED_PICKUP', 'DRIVER_AT_PICKUP'],
      ['RIDE_STARTED', 'RIDE_STARTED'],
      ['RIDE_ENDED', 'RIDE_ENDED'],
      ['RIDE_CANCELLED', 'RIDE_CANCELLED'],
    ] as const;
    assert.deepEqual(pairs.map(([ondc]) => ondc), [...ONDC_FULFILLMENT_STATES]);
    for (const [ondc, mobility] of pairs) {
      assert.equal(toDomainState('nic2004:60221', ondc), mobility);
      assert.equal(toDomainState('ONDC:TRV10', ondc), ondc);
      // Reading takes either vocabulary, whatever the domain.
      for (const domain of ['nic2004:60221', 'ONDC:TRV10', undefined]) {
        assert.equal(fromDomainState(domain, mobility), ondc, `${String(domain)} reads ${mobility}`);
        assert.equal(fromDomainState(domain, ondc), ondc);
      }
    }
    assert.equal(fromDomainState('nic2004:60221', ' driver_at_pickup '), 'RIDE_ARRIVED_PICKUP');
    assert.equal(fromDomainState('nic2004:60221', 'PAYMENT_COLLECTED'), null);
    assert.equal(fromDomainState('nic2004:60221', 7), null);
    assert.equal(toDomainOrderStatus('nic2004:60221', 'COMPLETED'), 'COMPLETE');
    assert.equal(toDomainOrderStatus('nic2004:60221', 'SOFT_CANCEL'), 'ACTIVE');
    assert.equal(toDomainOrderStatus('ONDC:TRV10', 'COMPLETED'), 'COMPLETED');
    assert.equal(fromDomainOrderStatus('nic2004:60221', 'complete'), 'COMPLETED');
  });

  it('rewrites only the state codes and status of an order message, leaving the input untouched', () => {
    const message = {
      order: {
        id: 'O1',
        status: 'COMPLETED',
        fulfillments: [{ id: 'F1', state: { descriptor: { code: 'RIDE_ARRIVED_PICKUP', name: 'At pickup' } } }, { id: 'F2' }],
        cancellation_terms: [{ fulfillment_state: { descriptor: { code: 'RIDE_ASSIGNED' } }, reason_required: true }],
        tags: [{ descriptor: { code: 'RIDE_ASSIGNED' } }],
      },
    };
    const copy = structuredClone(message);
    assert.deepEqual(orderMessageInDomain('nic2004:60221', message), {
      order: {
        ...message.order,
        status: 'COMPLETE',
        fulfillments: [{ id: 'F1', state: { descriptor: { code: 'DRIVER_AT_PICKUP', name: 'At pickup' } } }, { id: 'F2' }],
        cancellation_terms: [{ fulfillment_state: { descriptor: { code: 'DRIVER_EN_ROUTE' } }, reason_required: true }],
      },
    });
    assert.deepEqual(message, copy);
    assert.deepEqual(orderMessageInDomain('ONDC:TRV10', message), message);
    assert.equal(orderMessageInDomain('ONDC:TRV10', message), message, 'the ONDC message itself, not a copy');
    assert.deepEqual(orderMessageInDomain('nic2004:60221', { tracking: { status: 'active' } }), { tracking: { status: 'active' } });
  });
});
