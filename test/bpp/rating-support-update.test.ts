import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { estimateFare, formatMoney, type FarePolicy, type LatLon } from '../../src/bpp/domain/index.js';
import type { ReceivedMessage } from '../support/fake-participant.js';
import { bapPayment, gps, merchantSupport, policy as flowPolicy, startBookingFlow, type BookingFlow } from './booking-flow.js';

/** Pickups more than the 5 km offer radius apart, so each test's drivers only see their own ride. */
const pickups: Record<string, LatLon> = {
  rated: { lat: 12.85, lon: 77.45 },
  refused: { lat: 12.85, lon: 77.55 },
  support: { lat: 12.85, lon: 77.65 },
  update: { lat: 12.95, lon: 77.45 },
  updateEnded: { lat: 12.95, lon: 77.55 },
  updateCancelled: { lat: 12.95, lon: 77.65 },
};

/** The sedan policy of the booking flow, as the fare calculator reads it; no pickup charge away from special locations. */
const policy: FarePolicy = { ...flowPolicy, pickupCharge: '0' };

type Driver = { id: string; token: string };

describe('BPP rating, support and update after confirmation', function () {
  this.timeout(300_000);
  let flow: BookingFlow;

  before(async () => {
    flow = await startBookingFlow();
  });
  after(async () => {
    await flow?.close();
  });

  /** Sends an action from the fake BAP; the callback is checked for its signature and schema. */
  const ask = (action: 'rating' | 'support' | 'update' | 'status', transactionId: string, message: unknown) =>
    flow.send(action, flow.net.toOurBpp({ transaction_id: transactionId }), message);
  const errorOf = (callback: ReceivedMessage) => {
    assert.equal(callback.body.message, undefined, 'an error callback carries no message');
    return callback.body.error as { code: string; message: string; paths?: string };
  };
  const orderOf = (callback: ReceivedMessage) => {
    assert.equal(callback.body.error, undefined, JSON.stringify(callback.body.error));
    return (callback.body.message as any).order;
  };
  /** The unsolicited on_status of the transaction in `state`, checked for its signature and schema. */
  const pushed = async (transactionId: string, state: string) => {
    const callback = await flow.net.bap.waitFor(
      (m) => m.action === 'on_status' && m.body.context.transaction_id === transactionId && (m.body.message as any)?.order?.fulfillments?.[0]?.state?.descriptor?.code === state,
      30_000,
    );
    flow.checkCallback(callback, 'on_status');
    return (callback.body.message as any).order;
  };
  const move = async (driver: Driver, rideId: string, what: string, body?: unknown) => {
    const answer = await flow.call('POST', `/driver/rides/${rideId}/${what}`, body, driver.token);
    assert.equal(answer.status, 200, `${what}: ${JSON.stringify(answer.body)}`);
  };
  const complete = async (driver: Driver, ride: { id: string; otp: string }) => {
    await move(driver, ride.id, 'arrived');
    await move(driver, ride.id, 'start', { otp: ride.otp });
    await move(driver, ride.id, 'end');
  };
  /** Another ride of a driver who is free again: search and select near them, accept, init and confirm. */
  const rideWith = async (driver: Driver, pickup: LatLon) => {
    const at = { lat: pickup.lat + 0.001, lon: pickup.lon + 0.001, ts: Date.now() };
    assert.equal((await flow.call('POST', '/driver/location', { points: [at] }, driver.token)).status, 200);
    const selection = await flow.selectSedan(pickup);
    const [offer] = (await flow.call('GET', '/driver/ride-offers', undefined, driver.token)).body.offers;
    assert.ok(offer, 'the driver is offered the ride');
    assert.equal((await flow.call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, driver.token)).status, 200);
    const onInit = await flow.send('init', flow.net.toOurBpp({ transaction_id: selection.transactionId }), flow.draftOrder(selection, bapPayment));
    const draft = (onInit.body.message as any).order;
    const onConfirm = await flow.send('confirm', flow.net.toOurBpp({ transaction_id: selection.transactionId }), flow.draftOrder(selection, { ...draft.payments[0] }));
    const order = (onConfirm.body.message as any).order;
    const [ride] = await flow.rows<{ id: string; otp: string }>('SELECT id, otp FROM atlas_driver_offer_bpp.ride WHERE booking_id = $1', [order.id]);
    assert.ok(ride);
    return { selection, order, ride };
  };
  const ratingRow = async (rideId: string) =>
    (await flow.rows<{ value: number; category: string; feedback: string | null }>(
      'SELECT value, category, feedback FROM atlas_driver_offer_bpp.ride_rating WHERE ride_id = $1',
      [rideId],
    ))[0];
  const driverRating = async (driverId: string) =>
    (await flow.rows<{ rating: string | null }>('SELECT rating::text FROM atlas_driver_offer_bpp.driver WHERE id = $1', [driverId]))[0]?.rating;

  it("stores the rating of a completed ride, in ONDC's flat form or core ratings[], and keeps the driver's average", async () => {
    const first = await flow.confirmedRide(pickups.rated!);
    const { driver } = first;
    await complete(driver, first.ride);

    const flat = await ask('rating', first.selection.transactionId, { id: first.order.id, rating_category: 'DRIVER', value: 4, feedback: 'Smooth ride' });
    assert.deepEqual(flat.body.message, { feedback_ack: true, rating_ack: true });
    assert.deepEqual(await ratingRow(first.ride.id), { value: 4, category: 'DRIVER', feedback: 'Smooth ride' });
    assert.equal(await driverRating(driver.id), '4.00');

    const again = await ask('rating', first.selection.transactionId, { id: first.order.id, rating_category: 'DRIVER', value: 4, feedback: 'Smooth ride' });
    assert.deepEqual(again.body.message, { feedback_ack: true, rating_ack: true }, 'a repeated rating is acknowledged again');
    assert.equal(await driverRating(driver.id), '4.00', 'and counts once');

    // A later rating of the same ride replaces the earlier one; core names the ride by its fulfillment id.
    const fulfillmentId = first.order.fulfillments[0].id as string;
    const core = await ask('rating', first.selection.transactionId, { ratings: [{ id: fulfillmentId, rating_category: 'Fulfillment', value: '2' }] });
    assert.deepEqual(core.body.message, { feedback_ack: true, rating_ack: true });
    assert.deepEqual(await ratingRow(first.ride.id), { value: 2, category: 'FULFILLMENT', feedback: null });
    assert.equal(await driverRating(driver.id), '2.00');

    const second = await rideWith(driver, pickups.rated!);
    await complete(driver, second.ride);
    await ask('rating', second.selection.transactionId, { ratings: [{ id: second.order.id, rating_category: 'Agent', value: '5' }] });
    assert.equal((await ratingRow(second.ride.id))?.value, 5);
    assert.equal(await driverRating(driver.id), '3.50', 'the average of 2 and 5');
  });

  it('refuses a rating out of range, of an unsupported category, of an unknown order or before the ride ended, changing nothing', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.refused!);
    const refused = async (message: unknown) => errorOf(await ask('rating', selection.transactionId, message));

    const early = await refused({ id: order.id, rating_category: 'DRIVER', value: 5 });
    assert.equal(early.code, '40000');
    assert.match(early.message, /completed/);

    await complete(driver, ride);
    for (const value of [6, 0, '4.5', 'gte 3', -1]) {
      const error = await refused({ id: order.id, rating_category: 'DRIVER', value });
      assert.equal(error.code, '30015', `value ${JSON.stringify(value)}`);
      assert.equal(error.paths, 'message.value');
    }
    const outOfRange = await refused({ ratings: [{ id: order.id, rating_category: 'Agent', value: '7' }] });
    assert.equal(outOfRange.code, '30015');
    assert.equal(outOfRange.paths, 'message.ratings[0].value');

    assert.equal((await refused({ ratings: [{ id: order.id, rating_category: 'Support', value: '3' }] })).code, '50003');
    assert.equal((await refused({ id: randomUUID(), rating_category: 'DRIVER', value: 3 })).code, '30018');
    assert.equal(
      (await refused({ ratings: [{ id: order.id, rating_category: 'Agent', value: '3' }, { id: order.id, rating_category: 'Order', value: '4' }] })).code,
      '30000',
    );

    assert.equal(await ratingRow(ride.id), undefined, 'no rating stored');
    assert.equal(await driverRating(driver.id), null, 'the driver is not rated');
  });

  it("answers support with the operator's contact for the order, named by ref_id, order_id or support.ref_id", async () => {
    const { selection, order } = await flow.confirmedRide(pickups.support!);
    for (const message of [{ ref_id: order.id }, { order_id: order.id }, { support: { ref_id: order.id } }]) {
      const callback = await ask('support', selection.transactionId, message);
      assert.equal(callback.body.error, undefined, JSON.stringify(callback.body.error));
      assert.deepEqual(callback.body.message, { support: { ref_id: order.id, ...merchantSupport } }, JSON.stringify(message));
    }

    const unknown = errorOf(await ask('support', selection.transactionId, { ref_id: randomUUID() }));
    assert.equal(unknown.code, '30018');
    assert.equal(unknown.paths, 'message.ref_id');

    const sql = flow.net.app.ctx.sequelize;
    await sql.query('UPDATE atlas_driver_offer_bpp.merchant SET support_phone = NULL, support_email = NULL, support_url = NULL WHERE id = $1', {
      bind: [flow.merchantId],
    });
    try {
      assert.equal(errorOf(await ask('support', selection.transactionId, { ref_id: order.id })).code, '50004', 'an operator without a contact');
    } finally {
      await sql.query('UPDATE atlas_driver_offer_bpp.merchant SET support_phone = $2, support_email = $3, support_url = $4 WHERE id = $1', {
        bind: [flow.merchantId, merchantSupport.phone, merchantSupport.email, merchantSupport.url],
      });
    }
  });

  it('updates the drop before the ride ends and answers the order with the fare recomputed for the new route', async () => {
    const pickup = pickups.update!;
    const { driver, selection, order, ride } = await flow.confirmedRide(pickup);
    const fulfillment = order.fulfillments[0];
    const newDrop = { lat: pickup.lat + 0.06, lon: pickup.lon + 0.02 };
    const dropUpdate = (drop: LatLon, target = 'fulfillment', extra: Record<string, unknown>[] = []) => ({
      update_target: target,
      order: { id: order.id, fulfillments: [{ id: fulfillment.id, stops: [...extra, { type: 'END', location: { gps: gps(drop) } }] }] },
    });

    await move(driver, ride.id, 'arrived');
    const updated = orderOf(await ask('update', selection.transactionId, dropUpdate(newDrop)));

    const route = await flow.net.app.ctx.routePlanner.route(pickup, newDrop);
    const expected = estimateFare(policy, { distanceMeters: route.distanceMeters, durationSeconds: route.durationSeconds, at: new Date() });
    assert.equal(updated.id, order.id);
    assert.equal(updated.status, 'ACTIVE');
    assert.equal(updated.fulfillments[0].state.descriptor.code, 'RIDE_ARRIVED_PICKUP');
    const end = updated.fulfillments[0].stops.find((s: { type: string }) => s.type === 'END');
    assert.equal(end.location.gps, gps(newDrop));
    assert.deepEqual(updated.quote.price, { currency: 'INR', value: formatMoney(expected.value) });
    assert.notEqual(updated.quote.price.value, order.quote.price.value, 'the fare changed with the route');
    assert.deepEqual(updated.items[0].price, {
      currency: 'INR',
      value: formatMoney(expected.value),
      minimum_value: formatMoney(expected.minimum),
      maximum_value: formatMoney(expected.maximum),
    });
    const breakupSum = updated.quote.breakup.reduce((total: number, line: { price: { value: string } }) => total + Number(line.price.value), 0);
    assert.equal(breakupSum.toFixed(2), formatMoney(expected.value));
    const [stored] = await flow.rows<{ to_lat: number; to_lon: number; distance_meters: number }>(
      'SELECT to_lat, to_lon, distance_meters FROM atlas_driver_offer_bpp.ride_drop_update WHERE ride_id = $1',
      [ride.id],
    );
    assert.deepEqual(stored, { to_lat: newDrop.lat, to_lon: newDrop.lon, distance_meters: route.distanceMeters });

    const status = orderOf(await ask('status', selection.transactionId, { order_id: order.id }));
    assert.deepEqual(status.quote, updated.quote, 'status reports the recomputed quote');
    assert.deepEqual(status.fulfillments, updated.fulfillments);

    const refusals: [unknown, string][] = [
      [dropUpdate(newDrop, 'payments'), '40001'],
      [dropUpdate(newDrop, 'fulfillment,billing'), '40001'],
      [dropUpdate(newDrop, 'fulfillment', [{ type: 'START', location: { gps: gps({ lat: pickup.lat + 0.02, lon: pickup.lon }) } }]), '40001'],
      [{ update_target: 'fulfillment', order: { id: order.id, fulfillments: [{ id: fulfillment.id, stops: [{ type: 'START', location: { gps: gps(pickup) } }] }] } }, '30000'],
      [{ ...dropUpdate(newDrop), order: { ...dropUpdate(newDrop).order, id: randomUUID() } }, '30018'],
    ];
    for (const [message, code] of refusals) {
      assert.equal(errorOf(await ask('update', selection.transactionId, message)).code, code, JSON.stringify(message));
    }
    const [unchanged] = await flow.rows<{ to_lat: number }>('SELECT to_lat FROM atlas_driver_offer_bpp.ride_drop_update WHERE ride_id = $1', [ride.id]);
    assert.equal(unchanged?.to_lat, newDrop.lat, 'refused updates change nothing');

    // Restating the pickup unchanged is fine.
    const closer = { lat: pickup.lat + 0.03, lon: pickup.lon };
    const again = orderOf(await ask('update', selection.transactionId, dropUpdate(closer, 'fulfillments', [{ type: 'start', location: { gps: gps(pickup) } }])));
    assert.equal(again.fulfillments[0].stops.find((s: { type: string }) => s.type === 'END').location.gps, gps(closer));
    assert.ok(Number(again.quote.price.value) < Number(updated.quote.price.value), 'a nearer drop costs less');

    // The driver's later moves push the order with the new drop and its quote; status answers the same.
    const endGps = (o: any) => o.fulfillments[0].stops.find((s: { type: string }) => s.type === 'END').location.gps as string;
    await move(driver, ride.id, 'start', { otp: ride.otp });
    const started = await pushed(selection.transactionId, 'RIDE_STARTED');
    assert.equal(endGps(started), gps(closer), 'the RIDE_STARTED push shows the updated drop');
    assert.deepEqual(started.quote, again.quote, 'and the quote recomputed for it');
    const startedStatus = orderOf(await ask('status', selection.transactionId, { order_id: order.id }));
    assert.equal(endGps(startedStatus), gps(closer));
    assert.deepEqual(startedStatus.fulfillments, started.fulfillments, 'status answers the order as the push carried it');

    // The final fare still comes from the ride's waypoints, not from the updated estimate.
    await move(driver, ride.id, 'end');
    const ended = await pushed(selection.transactionId, 'RIDE_ENDED');
    assert.equal(endGps(ended), gps(closer), 'the RIDE_ENDED push shows the updated drop');
    const [fare] = await flow.rows<{ final_fare: string }>('SELECT final_fare::text FROM atlas_driver_offer_bpp.ride WHERE id = $1', [ride.id]);
    assert.equal(Number(ended.quote.price.value), Number(fare?.final_fare), 'the pushed quote is the final fare');
    assert.notEqual(ended.quote.price.value, again.quote.price.value, 'not the estimate for the updated drop');
    const endedStatus = orderOf(await ask('status', selection.transactionId, { order_id: order.id }));
    assert.equal(endGps(endedStatus), gps(closer));
    assert.deepEqual(endedStatus.quote, ended.quote);
  });

  it('shows the updated drop in the on_cancel of a later cancel', async () => {
    const pickup = pickups.updateCancelled!;
    const { selection, order } = await flow.confirmedRide(pickup);
    const newDrop = { lat: pickup.lat + 0.05, lon: pickup.lon - 0.01 };
    const updated = orderOf(
      await ask('update', selection.transactionId, {
        update_target: 'fulfillment',
        order: { id: order.id, fulfillments: [{ id: order.fulfillments[0].id, stops: [{ type: 'END', location: { gps: gps(newDrop) } }] }] },
      }),
    );
    const cancelled = orderOf(
      await flow.send('cancel', flow.net.toOurBpp({ transaction_id: selection.transactionId }), {
        order_id: order.id,
        cancellation_reason_id: '005',
        descriptor: { code: 'CONFIRM_CANCEL', name: 'Ride Cancellation' },
      }),
    );
    assert.equal(cancelled.status, 'CANCELLED');
    const end = cancelled.fulfillments[0].stops.find((s: { type: string }) => s.type === 'END');
    assert.equal(end.location.gps, gps(newDrop), 'on_cancel shows the updated drop');
    const refund = cancelled.quote.breakup.find((line: { title: string }) => line.title === 'REFUND');
    assert.equal(Number(refund.price.value), -Number(updated.quote.price.value), 'the refund is of the quote the rider was last told');
    const status = orderOf(await ask('status', selection.transactionId, { order_id: order.id }));
    assert.deepEqual(status, cancelled, 'status of the cancelled order answers as on_cancel did');
  });

  it('refuses to update the drop once the ride has ended', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.updateEnded!);
    await complete(driver, ride);
    const error = errorOf(
      await ask('update', selection.transactionId, {
        update_target: 'fulfillment',
        order: { id: order.id, fulfillments: [{ id: order.fulfillments[0].id, stops: [{ type: 'END', location: { gps: '12.99, 77.6' } }] }] },
      }),
    );
    assert.equal(error.code, '50008');
    assert.match(error.message, /ended/);
    assert.deepEqual(await flow.rows('SELECT ride_id FROM atlas_driver_offer_bpp.ride_drop_update WHERE ride_id = $1', [ride.id]), []);
  });
});
