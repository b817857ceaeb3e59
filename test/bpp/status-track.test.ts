import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LatLon } from '../../src/bpp/domain/index.js';
import type { ReceivedMessage } from '../support/fake-participant.js';
import { policyBody, startBookingFlow, type BookingFlow } from './booking-flow.js';

/** Pickups more than the 5 km offer radius apart, so each test's drivers only see their own ride. */
const pickups: Record<string, LatLon> = {
  states: { lat: 12.85, lon: 77.45 },
  cancelled: { lat: 12.85, lon: 77.55 },
  track: { lat: 12.85, lon: 77.65 },
};

describe('BPP status and track: the order and its driver as they stand', function () {
  this.timeout(240_000);
  let flow: BookingFlow;

  before(async () => {
    flow = await startBookingFlow();
  });
  after(async () => {
    await flow?.close();
  });

  /** Sends status or track from the fake BAP; the callback is checked for its signature and schema. */
  const ask = (action: 'status' | 'track', transactionId: string, message: unknown) => flow.send(action, flow.net.toOurBpp({ transaction_id: transactionId }), message);
  const orderOf = (callback: ReceivedMessage) => {
    assert.equal(callback.body.error, undefined, JSON.stringify(callback.body.error));
    return (callback.body.message as any).order;
  };
  const stateOf = (order: any) => order.fulfillments[0].state.descriptor.code as string;
  const startStop = (order: any) => order.fulfillments[0].stops.find((s: { type: string }) => s.type === 'START');
  const pushed = async (transactionId: string, state: string) => {
    const callback = await flow.net.bap.waitFor(
      (m) => m.action === 'on_status' && m.body.context.transaction_id === transactionId && stateOf((m.body.message as any)?.order ?? { fulfillments: [{ state: { descriptor: {} } }] }) === state,
      30_000,
    );
    flow.checkCallback(callback, 'on_status');
    return (callback.body.message as any).order;
  };

  it('answers status with the order in each ride state, named by order_id or ref_id', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.states!);
    const move = async (what: string, body?: unknown) => {
      const answer = await flow.call('POST', `/driver/rides/${ride.id}/${what}`, body, driver.token);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    };

    const assigned = await ask('status', selection.transactionId, { order_id: order.id });
    assert.deepEqual(orderOf(assigned), order, 'before the driver moves, status answers the order as confirmed');
    assert.equal(stateOf(orderOf(assigned)), 'RIDE_ASSIGNED');
    assert.equal(startStop(orderOf(assigned)).authorization.status, 'UNCLAIMED');

    await move('arrived');
    const atPickup = orderOf(await ask('status', selection.transactionId, { ref_id: order.id }));
    assert.equal(atPickup.id, order.id);
    assert.equal(atPickup.status, 'ACTIVE');
    assert.equal(stateOf(atPickup), 'RIDE_ARRIVED_PICKUP');
    assert.equal(startStop(atPickup).authorization.status, 'UNCLAIMED');
    assert.deepEqual(atPickup.quote, order.quote);

    await move('start', { otp: ride.otp });
    const started = orderOf(await ask('status', selection.transactionId, { order_id: order.id }));
    assert.equal(started.status, 'ACTIVE');
    assert.equal(stateOf(started), 'RIDE_STARTED');
    assert.equal(startStop(started).authorization.status, 'CLAIMED');

    await move('end');
    const ended = orderOf(await ask('status', selection.transactionId, { order_id: order.id }));
    assert.equal(ended.status, 'COMPLETED');
    assert.equal(stateOf(ended), 'RIDE_ENDED');
    const [stored] = await flow.rows<{ final_fare: string }>('SELECT final_fare::text FROM atlas_driver_offer_bpp.ride WHERE id = $1', [ride.id]);
    assert.equal(Number(ended.quote.price.value), Number(stored?.final_fare), 'the quote is the final fare');
    const breakupSum = ended.quote.breakup.reduce((total: number, line: { price: { value: string } }) => total + Number(line.price.value), 0);
    assert.equal(breakupSum.toFixed(2), Number(ended.quote.price.value).toFixed(2));
    const push = await pushed(selection.transactionId, 'RIDE_ENDED');
    assert.deepEqual(ended.quote, push.quote, 'status reports the final fare the RIDE_ENDED push carried');
    assert.deepEqual(ended.fulfillments, push.fulfillments);
  });

  it('answers status of a cancelled order as CANCELLED / RIDE_CANCELLED, as on_cancel answered it', async () => {
    const { selection, order } = await flow.confirmedRide(pickups.cancelled!);
    const cancelled = await flow.send('cancel', flow.net.toOurBpp({ transaction_id: selection.transactionId }), {
      order_id: order.id,
      cancellation_reason_id: '005',
      descriptor: { code: 'CONFIRM_CANCEL', name: 'Ride Cancellation' },
    });
    assert.equal(cancelled.body.error, undefined, JSON.stringify(cancelled.body.error));
    const onCancel = (cancelled.body.message as any).order;
    const status = orderOf(await ask('status', selection.transactionId, { order_id: order.id }));
    assert.equal(status.id, order.id);
    assert.equal(status.status, 'CANCELLED');
    assert.equal(stateOf(status), 'RIDE_CANCELLED');
    // The cancellation, not the confirmed fare: the fee as the price, the fare refunded, who cancelled and why.
    assert.notDeepEqual(status.quote, order.quote);
    assert.equal(status.quote.price.currency, 'INR');
    assert.equal(Number(status.quote.price.value), Number(policyBody.cancellation_fees.RIDE_ASSIGNED), 'the RIDE_ASSIGNED fee of the fare policy');
    const titles = status.quote.breakup.map((line: { title: string }) => line.title);
    assert.deepEqual(titles.slice(-2), ['CANCELLATION_CHARGES', 'REFUND']);
    assert.equal(Number(status.quote.breakup.at(-1).price.value), -Number(order.quote.price.value), 'the fare refunded');
    assert.equal(status.cancellation.cancelled_by, 'CONSUMER');
    assert.equal(status.cancellation.reason.descriptor.code, '005');
    assert.deepEqual(status, onCancel, 'status answers the order exactly as on_cancel did');

    const track = await ask('track', selection.transactionId, { order_id: order.id });
    assert.deepEqual(track.body.message, { tracking: { status: 'inactive' } });
  });

  it('answers status and track of an unknown order with the ONDC order-not-found error and no message', async () => {
    const transactionId = randomUUID();
    for (const [action, message, path] of [
      ['status', { order_id: randomUUID() }, 'message.order_id'],
      ['status', { ref_id: 'O1' }, 'message.ref_id'],
      ['track', { order_id: randomUUID() }, 'message.order_id'],
    ] as const) {
      const callback = await ask(action, transactionId, message);
      assert.equal(callback.body.message, undefined);
      const error = callback.body.error as { code: string; paths: string; message: string };
      assert.equal(error.code, '30018', `${action} ${JSON.stringify(message)}`);
      assert.equal(error.paths, path);
    }
  });

  it("tracks the ride with the driver's last posted position while it is on, and reports it inactive once ended", async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.track!);
    const post = async (point: LatLon & { ts: number }) => {
      const answer = await flow.call('POST', '/driver/location', { points: [point] }, driver.token);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    };
    const track = async () => {
      const callback = await ask('track', selection.transactionId, { order_id: order.id });
      assert.equal(callback.body.error, undefined, JSON.stringify(callback.body.error));
      return (callback.body.message as any).tracking as { status: string; location?: { gps: string; updated_at: string } };
    };
    const coordinates = (gps: string) => gps.split(',').map((part) => Number(part.trim()));

    const enRoute = { lat: 12.8531, lon: 77.6512, ts: Date.now() };
    await post(enRoute);
    const first = await track();
    assert.equal(first.status, 'active');
    assert.deepEqual(coordinates(first.location!.gps), [enRoute.lat, enRoute.lon]);
    assert.equal(first.location!.updated_at, new Date(enRoute.ts).toISOString());

    assert.equal((await flow.call('POST', `/driver/rides/${ride.id}/arrived`, undefined, driver.token)).status, 200);
    assert.equal((await flow.call('POST', `/driver/rides/${ride.id}/start`, { otp: ride.otp }, driver.token)).status, 200);
    const onTrip = { lat: 12.8612, lon: 77.6544, ts: enRoute.ts + 30_000 };
    await post(onTrip);
    const second = await track();
    assert.equal(second.status, 'active');
    assert.deepEqual(coordinates(second.location!.gps), [onTrip.lat, onTrip.lon]);
    assert.equal(second.location!.updated_at, new Date(onTrip.ts).toISOString());

    const stale = { lat: 12.9, lon: 77.7, ts: enRoute.ts - 60_000 };
    await post(stale);
    assert.deepEqual(coordinates((await track()).location!.gps), [onTrip.lat, onTrip.lon], 'an older fix does not replace the last one');

    assert.equal((await flow.call('POST', `/driver/rides/${ride.id}/end`, undefined, driver.token)).status, 200);
    assert.deepEqual(await track(), { status: 'inactive' });
  });
});
