import assert from 'node:assert/strict';
import { finalFare, formatMoney, traveledDistance } from '../../src/bpp/domain/index.js';
import type { ReceivedMessage } from '../support/fake-participant.js';
import { policy, startBookingFlow, type BookingFlow } from './booking-flow.js';

describe('BPP ride lifecycle: driver moves pushed to the BAP as on_status', function () {
  this.timeout(240_000);
  let flow: BookingFlow;

  before(async () => {
    flow = await startBookingFlow();
  });
  after(async () => {
    await flow?.close();
  });

  /** The unsolicited on_status of the transaction in `state`, checked for its signature and schema. */
  const onStatus = async (transactionId: string, state: string): Promise<ReceivedMessage & { order: any }> => {
    const callback = await flow.net.bap.waitFor(
      (m) => m.action === 'on_status' && m.body.context.transaction_id === transactionId && (m.body.message as any)?.order?.fulfillments?.[0]?.state?.descriptor?.code === state,
      30_000,
    );
    flow.checkCallback(callback, 'on_status');
    return { ...callback, order: (callback.body.message as any).order };
  };
  const rideStatus = async (rideId: string) =>
    (await flow.rows<{ status: string }>('SELECT status FROM atlas_driver_offer_bpp.ride WHERE id = $1', [rideId]))[0]?.status;

  it('arrives, starts with the OTP, collects waypoints and ends with the final fare from them', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide({ lat: 12.93, lon: 77.62 });
    const move = (what: string, body?: unknown) => flow.call('POST', `/driver/rides/${ride.id}/${what}`, body, driver.token);

    assert.equal((await move('end')).status, 409, 'end before start');
    assert.equal((await move('start', { otp: ride.otp })).status, 409, 'start before arrival');
    assert.equal(await rideStatus(ride.id), 'NEW');

    const arrived = await move('arrived');
    assert.equal(arrived.status, 200, JSON.stringify(arrived.body));
    assert.equal(arrived.body.status, 'ARRIVED');
    const atPickup = await onStatus(selection.transactionId, 'RIDE_ARRIVED_PICKUP');
    assert.equal(atPickup.order.id, order.id);
    assert.equal(atPickup.order.status, 'ACTIVE');
    assert.notEqual(atPickup.body.context.message_id, undefined);
    assert.equal((await move('arrived')).status, 409, 'arriving twice');

    const wrongOtp = String((Number(ride.otp) + 1) % 10_000).padStart(4, '0');
    const refused = await move('start', { otp: wrongOtp });
    assert.equal(refused.status, 403);
    assert.match(JSON.stringify(refused.body), /OTP/);
    assert.equal(await rideStatus(ride.id), 'ARRIVED', 'a wrong OTP changes nothing');

    const started = await move('start', { otp: ride.otp });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const rideStarted = await onStatus(selection.transactionId, 'RIDE_STARTED');
    assert.notEqual(rideStarted.body.context.message_id, atPickup.body.context.message_id, 'each push has a fresh message_id');
    const start = rideStarted.order.fulfillments[0].stops.find((s: { type: string }) => s.type === 'START');
    assert.equal(start.authorization.status, 'CLAIMED');

    // About 250 m north every 20 s, posted in two batches out of order with a repeat.
    const t0 = Date.now() - 200_000;
    const points = Array.from({ length: 10 }, (_, i) => ({ lat: 12.93 + i * 0.00225, lon: 77.62, ts: t0 + i * 20_000 }));
    assert.equal((await flow.call('POST', '/driver/location', { points: [...points.slice(5).reverse(), points[7]] }, driver.token)).status, 200);
    assert.equal((await flow.call('POST', '/driver/location', { points: points.slice(0, 5) }, driver.token)).status, 200);

    const ended = await move('end');
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    assert.equal(ended.body.status, 'COMPLETED');
    const [times] = await flow.rows<{ arrived_at: Date; started_at: Date; ended_at: Date; traveled_distance_meters: number; final_fare: string }>(
      'SELECT arrived_at, started_at, ended_at, traveled_distance_meters, final_fare::text FROM atlas_driver_offer_bpp.ride WHERE id = $1',
      [ride.id],
    );
    assert.ok(times);
    const distanceMeters = Math.round(traveledDistance(points as { lat: number; lon: number; ts: number }[]));
    assert.ok(distanceMeters > 2200, `the waypoints trace ${distanceMeters} m`);
    assert.equal(times.traveled_distance_meters, distanceMeters);
    const expected = finalFare(policy, {
      distanceMeters,
      durationSeconds: (times.ended_at.getTime() - times.started_at.getTime()) / 1000,
      waitingSeconds: (times.started_at.getTime() - times.arrived_at.getTime()) / 1000,
      startedAt: times.started_at,
    });
    assert.equal(ended.body.final_fare.value, formatMoney(expected.total));
    assert.equal(Number(times.final_fare), Number(formatMoney(expected.total)));

    const rideEnded = await onStatus(selection.transactionId, 'RIDE_ENDED');
    assert.equal(rideEnded.order.status, 'COMPLETED');
    assert.deepEqual(rideEnded.order.quote.price, { currency: 'INR', value: formatMoney(expected.total) });
    const breakupSum = rideEnded.order.quote.breakup.reduce((total: number, line: { price: { value: string } }) => total + Number(line.price.value), 0);
    assert.equal(breakupSum.toFixed(2), formatMoney(expected.total));
    const distanceLine = expected.lines.find((line) => line.code === 'DISTANCE_FARE');
    assert.ok(distanceLine && distanceLine.price.minor > 0n, 'the ride went past the base distance');

    const lines = await flow.rows<{ code: string; amount: string }>(
      'SELECT code, amount::text FROM atlas_driver_offer_bpp.ride_fare_line WHERE ride_id = $1 ORDER BY position',
      [ride.id],
    );
    assert.deepEqual(
      lines.map((line) => [line.code, Number(line.amount).toFixed(2)]),
      expected.lines.map((line) => [line.code, formatMoney(line.price)]),
    );
    const [driverRow] = await flow.rows<{ status: string }>('SELECT status FROM atlas_driver_offer_bpp.driver WHERE id = $1', [driver.id]);
    assert.equal(driverRow?.status, 'ONLINE', 'the driver is free again');
    assert.equal((await move('end')).status, 409, 'ending twice');
  });

  it("refuses another driver's ride with 404 and changes nothing", async () => {
    const { ride, selection } = await flow.confirmedRide({ lat: 13.05, lon: 77.62 });
    const other = await flow.addSedan({ lat: 13.2, lon: 77.7 });
    const answer = await flow.call('POST', `/driver/rides/${ride.id}/arrived`, undefined, other.token);
    assert.equal(answer.status, 404);
    assert.equal(await rideStatus(ride.id), 'NEW');
    const pushes = await flow.rows<{ n: number }>(
      "SELECT count(*)::int AS n FROM atlas_driver_offer_bpp.ride WHERE id = $1 AND arrived_at IS NOT NULL",
      [ride.id],
    );
    assert.equal(pushes[0]?.n, 0);
    assert.equal(flow.net.bap.received.filter((m) => m.action === 'on_status' && m.body.context.transaction_id === selection.transactionId).length, 0);
    assert.equal(await flow.queued(selection.transactionId, 'on_status'), 0, 'nothing queued for the BAP');
  });
});
