import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { scheduleCheck } from '../../src/bpp/allocation/index.js';
import type { LatLon } from '../../src/bpp/domain/index.js';
import { waitFor } from '../support/wait-until.js';
import { policyBody, startBookingFlow, type BookingFlow, type Selection } from './booking-flow.js';

/** Pickups more than the 5 km offer radius apart, so each test's drivers only see their own ride. */
const pickups: Record<string, LatLon> = {
  soft: { lat: 12.85, lon: 77.45 },
  confirm: { lat: 12.85, lon: 77.55 },
  arrived: { lat: 12.85, lon: 77.65 },
  started: { lat: 12.95, lon: 77.45 },
  errors: { lat: 12.95, lon: 77.55 },
  driver: { lat: 12.95, lon: 77.65 },
  driverStarted: { lat: 13.05, lon: 77.45 },
  reallocated: { lat: 13.05, lon: 77.55 },
  nobodyAccepts: { lat: 13.05, lon: 77.65 },
  riderAbsent: { lat: 13.15, lon: 77.45 },
  riderLeaves: { lat: 13.15, lon: 77.55 },
};

const money = (value: string) => Number(value).toFixed(2);

describe('BPP cancel: the rider two-step cancel and the driver cancel', function () {
  this.timeout(240_000);
  let flow: BookingFlow;

  before(async () => {
    flow = await startBookingFlow();
  });
  after(async () => {
    await flow?.close();
  });

  /** Sends cancel from the fake BAP; the on_cancel is checked for its signature and schema. */
  const cancel = async (selection: Selection, orderId: string, code: 'SOFT_CANCEL' | 'CONFIRM_CANCEL', reason = '005') => {
    const callback = await flow.send('cancel', flow.net.toOurBpp({ transaction_id: selection.transactionId }), {
      order_id: orderId,
      cancellation_reason_id: reason,
      descriptor: { code, name: 'Ride Cancellation' },
    });
    return { callback, order: (callback.body.message as any)?.order, error: callback.body.error as { code: string; message: string } | undefined };
  };

  /** Booking, ride and driver status and the cancellation rows of an order. */
  const stateOf = async (bookingId: string, rideId: string, driverId: string) => {
    const status = async (table: string, id: string) =>
      (await flow.rows<{ status: string }>(`SELECT status FROM atlas_driver_offer_bpp.${table} WHERE id = $1`, [id]))[0]?.status;
    return {
      booking: await status('booking', bookingId),
      ride: await status('ride', rideId),
      driver: await status('driver', driverId),
      cancellations: await flow.rows<{ source: string; reason_code: string; fee: string; currency: string; fulfillment_state: string }>(
        'SELECT source, reason_code, fee::text, currency, fulfillment_state FROM atlas_driver_offer_bpp.booking_cancellation WHERE booking_id = $1',
        [bookingId],
      ),
    };
  };

  /** Booking and ride cancelled, the driver free, and exactly this cancellation recorded (fee to the cent). */
  const assertCancelled = async (
    ids: { bookingId: string; rideId: string; driverId: string },
    cancellation: { source: string; reason_code: string; fee: string; fulfillment_state: string },
  ) => {
    const after = await stateOf(ids.bookingId, ids.rideId, ids.driverId);
    assert.deepEqual(
      { ...after, cancellations: after.cancellations.map((row) => ({ ...row, fee: money(row.fee) })) },
      { booking: 'CANCELLED', ride: 'CANCELLED', driver: 'ONLINE', cancellations: [{ ...cancellation, currency: 'INR' }] },
    );
  };

  /** The quote of an on_cancel: the fee as price and CANCELLATION_CHARGES, the fare refunded, the lines summing to the price. */
  const assertFeeQuote = (order: any, fare: string, fee: string) => {
    assert.deepEqual(order.quote.price, { currency: 'INR', value: money(fee) });
    const line = (title: string) => order.quote.breakup.find((l: { title: string }) => l.title === title)?.price.value;
    assert.equal(line('CANCELLATION_CHARGES'), money(fee));
    assert.equal(Number(line('REFUND')), -Number(fare));
    const total = order.quote.breakup.reduce((sum: number, l: { price: { value: string } }) => sum + Number(l.price.value), 0);
    assert.equal(total.toFixed(2), money(fee));
  };

  const move = (rideId: string, what: string, token: string, body?: unknown) => flow.call('POST', `/driver/rides/${rideId}/${what}`, body, token);

  it('soft cancel quotes the RIDE_ASSIGNED fee from the fare policy and changes nothing', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.soft!);
    const soft = await cancel(selection, order.id, 'SOFT_CANCEL');
    assert.equal(soft.error, undefined, JSON.stringify(soft.error));
    assert.equal(soft.order.id, order.id);
    assert.equal(soft.order.status, 'SOFT_CANCEL');
    assert.equal(soft.order.fulfillments[0].state.descriptor.code, 'RIDE_ASSIGNED');
    assert.equal(soft.order.cancellation, undefined);
    assertFeeQuote(soft.order, order.quote.price.value, policyBody.cancellation_fees.RIDE_ASSIGNED);
    assert.deepEqual(await stateOf(order.id, ride.id, driver.id), { booking: 'CONFIRMED', ride: 'NEW', driver: 'ON_RIDE', cancellations: [] });
  });

  it('confirm cancel applies the fee, cancels booking and ride, frees the driver, and a repeat charges nothing more', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.confirm!);
    const confirmed = await cancel(selection, order.id, 'CONFIRM_CANCEL', '001');
    assert.equal(confirmed.error, undefined, JSON.stringify(confirmed.error));
    assert.equal(confirmed.order.status, 'CANCELLED');
    assert.equal(confirmed.order.fulfillments[0].state.descriptor.code, 'RIDE_CANCELLED');
    assert.equal(confirmed.order.cancellation.cancelled_by, 'CONSUMER');
    assert.equal(confirmed.order.cancellation.reason.descriptor.code, '001');
    assertFeeQuote(confirmed.order, order.quote.price.value, policyBody.cancellation_fees.RIDE_ASSIGNED);

    const after = await stateOf(order.id, ride.id, driver.id);
    assert.deepEqual({ ...after, cancellations: undefined }, { booking: 'CANCELLED', ride: 'CANCELLED', driver: 'ONLINE', cancellations: undefined });
    assert.equal(after.cancellations.length, 1);
    const [row] = after.cancellations;
    assert.deepEqual(
      { ...row, fee: money(row!.fee) },
      { source: 'BY_RIDER', reason_code: '001', fee: money(policyBody.cancellation_fees.RIDE_ASSIGNED), currency: 'INR', fulfillment_state: 'RIDE_ASSIGNED' },
    );

    const repeat = await cancel(selection, order.id, 'CONFIRM_CANCEL', '002');
    assert.notEqual(repeat.callback.body.context.message_id, confirmed.callback.body.context.message_id);
    assert.deepEqual(repeat.order, confirmed.order, 'a repeated cancel answers the same cancelled order');
    assert.deepEqual(await stateOf(order.id, ride.id, driver.id), after, 'and changes nothing');
    assert.equal((await move(ride.id, 'arrived', driver.token)).status, 409, 'a cancelled ride does not move');
  });

  it('after the driver arrives the fee is the RIDE_ARRIVED_PICKUP one', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.arrived!);
    assert.equal((await move(ride.id, 'arrived', driver.token)).status, 200);
    const fee = policyBody.cancellation_fees.RIDE_ARRIVED_PICKUP;

    const soft = await cancel(selection, order.id, 'SOFT_CANCEL', '004');
    assert.equal(soft.order.status, 'SOFT_CANCEL');
    assert.equal(soft.order.fulfillments[0].state.descriptor.code, 'RIDE_ARRIVED_PICKUP');
    assertFeeQuote(soft.order, order.quote.price.value, fee);
    assert.equal((await stateOf(order.id, ride.id, driver.id)).ride, 'ARRIVED');

    const confirmed = await cancel(selection, order.id, 'CONFIRM_CANCEL', '004');
    assert.equal(confirmed.order.status, 'CANCELLED');
    assertFeeQuote(confirmed.order, order.quote.price.value, fee);
    const after = await stateOf(order.id, ride.id, driver.id);
    assert.equal(after.ride, 'CANCELLED');
    assert.equal(after.driver, 'ONLINE');
    assert.equal(money(after.cancellations[0]!.fee), money(fee));
    assert.equal(after.cancellations[0]!.fulfillment_state, 'RIDE_ARRIVED_PICKUP');
  });

  it('refuses to cancel a started ride with 50001 and changes nothing', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.started!);
    assert.equal((await move(ride.id, 'arrived', driver.token)).status, 200);
    assert.equal((await move(ride.id, 'start', driver.token, { otp: ride.otp })).status, 200);
    for (const step of ['SOFT_CANCEL', 'CONFIRM_CANCEL'] as const) {
      const refused = await cancel(selection, order.id, step);
      assert.equal(refused.error?.code, '50001', JSON.stringify(refused.callback.body));
      assert.equal(refused.callback.body.message, undefined);
    }
    assert.deepEqual(await stateOf(order.id, ride.id, driver.id), { booking: 'CONFIRMED', ride: 'INPROGRESS', driver: 'ON_RIDE', cancellations: [] });
  });

  it('answers an unknown order with 30018 (ONDC invalid order) and a reason only a driver gives with 30000, changing nothing', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.errors!);
    for (const orderId of [randomUUID(), 'O1']) {
      const unknown = await cancel(selection, orderId, 'CONFIRM_CANCEL');
      assert.equal(unknown.error?.code, '30018', JSON.stringify(unknown.callback.body));
    }
    const driverReason = await cancel(selection, order.id, 'CONFIRM_CANCEL', '013');
    assert.equal(driverReason.error?.code, '30000', JSON.stringify(driverReason.callback.body));

    // A reason outside the ONDC list fails the cancel schema: NACKed, no callback.
    const context = { domain: 'ONDC:TRV10', action: 'cancel', version: '2.0.1', location: { city: { code: 'std:080' }, country: { code: 'IND' } } };
    const nacked = await flow.net.bap.post(`${flow.net.ourBpp.url}/cancel`, {
      context: { ...context, ...flow.net.toOurBpp({ transaction_id: selection.transactionId }) },
      message: { order_id: order.id, cancellation_reason_id: '999', descriptor: { code: 'CONFIRM_CANCEL' } },
    });
    assert.equal(nacked.status, 400, JSON.stringify(nacked.body));
    assert.equal(nacked.body.error.code, '30000');
    assert.match(String(nacked.body.error.paths), /cancellation_reason_id/);
    assert.deepEqual(await stateOf(order.id, ride.id, driver.id), { booking: 'CONFIRMED', ride: 'NEW', driver: 'ON_RIDE', cancellations: [] });
  });

  it("lets only the ride's driver cancel it before it starts, and pushes on_cancel to the BAP", async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.driver!);
    const other = await flow.addSedan({ lat: 13.15, lon: 77.75 });
    assert.equal((await move(ride.id, 'cancel', other.token, { reasonCode: '013' })).status, 404, "another driver's ride");
    assert.equal((await move(ride.id, 'cancel', driver.token, { reasonCode: '005' })).status, 400, 'a rider reason');
    assert.equal((await move(ride.id, 'cancel', driver.token, {})).status, 400, 'no reason');
    assert.deepEqual(await stateOf(order.id, ride.id, driver.id), { booking: 'CONFIRMED', ride: 'NEW', driver: 'ON_RIDE', cancellations: [] });

    const cancelled = await move(ride.id, 'cancel', driver.token, { reasonCode: '013' });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.deepEqual(cancelled.body, { ride_id: ride.id, status: 'CANCELLED', fulfillment_state: 'RIDE_CANCELLED' });

    const pushed = await flow.net.bap.waitFor((m) => m.action === 'on_cancel' && m.body.context.transaction_id === selection.transactionId, 30_000);
    flow.checkCallback(pushed, 'on_cancel');
    const pushedOrder = (pushed.body.message as any).order;
    assert.equal(pushedOrder.id, order.id);
    assert.equal(pushedOrder.status, 'CANCELLED');
    assert.equal(pushedOrder.fulfillments[0].state.descriptor.code, 'RIDE_CANCELLED');
    assert.deepEqual({ by: pushedOrder.cancellation.cancelled_by, reason: pushedOrder.cancellation.reason.descriptor.code }, { by: 'PROVIDER', reason: '013' });
    assertFeeQuote(pushedOrder, order.quote.price.value, '0');

    await assertCancelled({ bookingId: order.id, rideId: ride.id, driverId: driver.id }, { source: 'BY_DRIVER', reason_code: '013', fee: '0.00', fulfillment_state: 'RIDE_ASSIGNED' });
    assert.equal((await move(ride.id, 'cancel', driver.token, { reasonCode: '013' })).status, 409, 'cancelling twice');

    const riderCancel = await cancel(selection, order.id, 'CONFIRM_CANCEL');
    assert.equal(riderCancel.order.status, 'CANCELLED');
    assertFeeQuote(riderCancel.order, order.quote.price.value, '0');
    assert.equal((await stateOf(order.id, ride.id, driver.id)).cancellations.length, 1, 'the rider is not charged after a driver cancel');
  });

  /** The BPP's rides of a booking, oldest first. */
  const ridesOf = (bookingId: string) =>
    flow.rows<{ id: string; driver_id: string; otp: string; status: string }>(
      'SELECT id, driver_id, otp, status FROM atlas_driver_offer_bpp.ride WHERE booking_id = $1 ORDER BY created_at',
      [bookingId],
    );
  const allocationOf = async (bookingId: string) =>
    (
      await flow.rows<{ id: string; status: string; driver_id: string | null; round: number }>(
        'SELECT a.id, a.status, a.driver_id, a.round FROM atlas_driver_offer_bpp.allocation a JOIN atlas_driver_offer_bpp.booking b ON b.allocation_id = a.id WHERE b.id = $1',
        [bookingId],
      )
    )[0]!;
  /** The driver's open offer of the allocation, once it is out. */
  const openOfferOf = (driver: { token: string }, allocationId: string) =>
    waitFor(
      `an offer of allocation ${allocationId}`,
      async () => {
        const { body } = await flow.call('GET', '/driver/ride-offers', undefined, driver.token);
        return (body.offers as { id: string; allocation_id: string }[]).find((o) => o.allocation_id === allocationId);
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  /** The unsolicited on_status of the transaction in `state`, checked for signature and schema. */
  const pushedStatus = async (transactionId: string, state: string) => {
    const pushed = await flow.net.bap.waitFor(
      (m) => m.action === 'on_status' && m.body.context.transaction_id === transactionId && (m.body.message as any)?.order?.fulfillments?.[0]?.state?.descriptor?.code === state,
      30_000,
    );
    flow.checkCallback(pushed, 'on_status');
    return pushed;
  };
  /** A fulfillment with no driver: no agent, the vehicle as quoted, no OTP. */
  const assertNoDriver = (fulfillment: any) => {
    assert.equal(fulfillment.agent, undefined);
    assert.deepEqual(fulfillment.vehicle, { category: 'CAB', variant: 'SEDAN' });
    assert.ok(fulfillment.stops.every((stop: { authorization?: unknown }) => stop.authorization === undefined), 'no OTP');
  };

  it('offers the booking to another driver when the driver cancels before the pickup; the BAP hears RIDE_CONFIRMED, then RIDE_ASSIGNED with the new driver and OTP', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.reallocated!);
    const next = await flow.addSedan({ lat: pickups.reallocated!.lat - 0.001, lon: pickups.reallocated!.lon - 0.001 });

    const cancelled = await move(ride.id, 'cancel', driver.token, { reasonCode: '013' });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.deepEqual(cancelled.body, { ride_id: ride.id, status: 'CANCELLED', fulfillment_state: 'RIDE_CANCELLED' });

    const withdrawn = await pushedStatus(selection.transactionId, 'RIDE_CONFIRMED');
    const withdrawnOrder = (withdrawn.body.message as any).order;
    assert.equal(withdrawnOrder.id, order.id, 'the same order');
    assert.equal(withdrawnOrder.status, 'ACTIVE');
    assertNoDriver(withdrawnOrder.fulfillments[0]);
    assert.deepEqual(withdrawnOrder.quote, order.quote, 'the fare is unchanged');
    assert.ok(!flow.net.bap.received.some((m) => m.action === 'on_cancel' && m.body.context.transaction_id === selection.transactionId), 'no on_cancel');
    assert.equal(await flow.queued(selection.transactionId, 'on_cancel'), 0, 'no on_cancel queued either');

    const allocation = await allocationOf(order.id);
    assert.deepEqual({ ...allocation, id: undefined }, { id: undefined, status: 'SEARCHING', driver_id: null, round: 2 });
    assert.deepEqual(await stateOf(order.id, ride.id, driver.id), { booking: 'CONFIRMED', ride: 'CANCELLED', driver: 'ONLINE', cancellations: [] });
    const offer = await openOfferOf(next, allocation.id);
    const { body: leftOffers } = await flow.call('GET', '/driver/ride-offers', undefined, driver.token);
    assert.deepEqual(leftOffers.offers, [], 'the driver who cancelled is not offered the booking again');

    // Asked meanwhile, the BPP answers the same: no driver yet.
    const status = await flow.send('status', flow.net.toOurBpp({ transaction_id: selection.transactionId }), { order_id: order.id });
    assert.equal((status.body.message as any).order.fulfillments[0].state.descriptor.code, 'RIDE_CONFIRMED');
    assertNoDriver((status.body.message as any).order.fulfillments[0]);

    const accepted = await flow.call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, next.token);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    const [oldRide, newRide, ...more] = await ridesOf(order.id);
    assert.equal(more.length, 0);
    assert.deepEqual({ id: oldRide!.id, status: oldRide!.status }, { id: ride.id, status: 'CANCELLED' });
    assert.deepEqual({ driver: newRide!.driver_id, status: newRide!.status }, { driver: next.id, status: 'NEW' });
    assert.notEqual(newRide!.id, ride.id);

    const assigned = await pushedStatus(selection.transactionId, 'RIDE_ASSIGNED');
    const assignedOrder = (assigned.body.message as any).order;
    assert.equal(assignedOrder.id, order.id, 'the same order id');
    assert.equal(assignedOrder.status, 'ACTIVE');
    const fulfillment = assignedOrder.fulfillments[0];
    assert.deepEqual(fulfillment.vehicle, { category: 'CAB', variant: 'SEDAN', registration: next.registration, make: 'Maruti Suzuki', model: 'Dzire' });
    assert.equal(fulfillment.agent.person.name, 'Ravi Kumar');
    const start = fulfillment.stops.find((stop: { type: string }) => stop.type === 'START');
    assert.deepEqual(start.authorization, { type: 'OTP', token: newRide!.otp, status: 'UNCLAIMED' });
    const received = flow.net.bap.received;
    assert.ok(received.indexOf(withdrawn) < received.indexOf(assigned), 'RIDE_CONFIRMED reached the BAP first');
    assert.equal((await allocationOf(order.id)).status, 'ASSIGNED');
    assert.equal((await stateOf(order.id, newRide!.id, next.id)).driver, 'ON_RIDE');

    // The driver who left has no business with the new ride; their own stays cancelled.
    assert.equal((await move(newRide!.id, 'arrived', driver.token)).status, 404);
    assert.equal((await move(ride.id, 'arrived', driver.token)).status, 409);
    assert.equal((await move(ride.id, 'cancel', driver.token, { reasonCode: '013' })).status, 409);
    // The new driver goes on with the new OTP; the old one does not start the ride.
    assert.equal((await move(newRide!.id, 'arrived', next.token)).status, 200);
    if (ride.otp !== newRide!.otp) assert.equal((await move(newRide!.id, 'start', next.token, { otp: ride.otp })).status, 403);
    assert.equal((await move(newRide!.id, 'start', next.token, { otp: newRide!.otp })).status, 200);
    const started = await flow.send('status', flow.net.toOurBpp({ transaction_id: selection.transactionId }), { order_id: order.id });
    assert.equal((started.body.message as any).order.fulfillments[0].state.descriptor.code, 'RIDE_STARTED');
    assert.equal((started.body.message as any).order.fulfillments[0].vehicle.registration, next.registration);
  });

  it('cancels the booking BY_DRIVER for the driver\'s reason when no other driver accepts within the window', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.nobodyAccepts!);
    const next = await flow.addSedan({ lat: pickups.nobodyAccepts!.lat - 0.001, lon: pickups.nobodyAccepts!.lon - 0.001 });
    assert.equal((await move(ride.id, 'cancel', driver.token, { reasonCode: '013' })).status, 200);
    await pushedStatus(selection.transactionId, 'RIDE_CONFIRMED');
    const allocation = await allocationOf(order.id);
    const offer = await openOfferOf(next, allocation.id);
    assert.equal((await flow.call('POST', `/driver/ride-offers/${offer.id}/decline`, undefined, next.token)).status, 200);
    assert.equal((await allocationOf(order.id)).status, 'SEARCHING', 'nobody left to offer, but the window is still open');

    // The window ends: the allocation batch job's next check cancels the booking.
    await flow.rows("UPDATE atlas_driver_offer_bpp.allocation SET deadline = now() - interval '1 second' WHERE id = $1 RETURNING id", [allocation.id]);
    await scheduleCheck(flow.net.app.ctx.scheduler, allocation.id, Date.now());
    const pushed = await flow.net.bap.waitFor((m) => m.action === 'on_cancel' && m.body.context.transaction_id === selection.transactionId, 30_000);
    flow.checkCallback(pushed, 'on_cancel');
    const cancelledOrder = (pushed.body.message as any).order;
    assert.equal(cancelledOrder.id, order.id);
    assert.equal(cancelledOrder.status, 'CANCELLED');
    assert.equal(cancelledOrder.fulfillments[0].state.descriptor.code, 'RIDE_CANCELLED');
    assertNoDriver({ ...cancelledOrder.fulfillments[0] });
    assert.deepEqual({ by: cancelledOrder.cancellation.cancelled_by, reason: cancelledOrder.cancellation.reason.descriptor.code }, { by: 'PROVIDER', reason: '013' });
    assertFeeQuote(cancelledOrder, order.quote.price.value, '0');

    await assertCancelled({ bookingId: order.id, rideId: ride.id, driverId: driver.id }, { source: 'BY_DRIVER', reason_code: '013', fee: '0.00', fulfillment_state: 'RIDE_ASSIGNED' });
    assert.equal((await allocationOf(order.id)).status, 'FAILED');
    assert.equal((await ridesOf(order.id)).length, 1, 'no new ride');
    assert.equal((await stateOf(order.id, ride.id, next.id)).driver, 'ONLINE');
    assert.equal((await flow.call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, next.token)).status, 409);

    const riderCancel = await cancel(selection, order.id, 'CONFIRM_CANCEL');
    assert.equal(riderCancel.order.status, 'CANCELLED');
    assertFeeQuote(riderCancel.order, order.quote.price.value, '0');
    assert.equal((await stateOf(order.id, ride.id, driver.id)).cancellations.length, 1, 'the rider is not charged');
  });

  it('cancels the booking at once, with another driver near, when the reason says no driver would help (014 rider unreachable)', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.riderAbsent!);
    const next = await flow.addSedan({ lat: pickups.riderAbsent!.lat - 0.001, lon: pickups.riderAbsent!.lon - 0.001 });
    assert.equal((await move(ride.id, 'cancel', driver.token, { reasonCode: '014' })).status, 200);
    const pushed = await flow.net.bap.waitFor((m) => m.action === 'on_cancel' && m.body.context.transaction_id === selection.transactionId, 30_000);
    flow.checkCallback(pushed, 'on_cancel');
    assert.equal((pushed.body.message as any).order.cancellation.reason.descriptor.code, '014');
    assert.equal((await stateOf(order.id, ride.id, driver.id)).booking, 'CANCELLED');
    assert.equal((await allocationOf(order.id)).round, 1, 'no re-allocation');
    assert.deepEqual((await flow.call('GET', '/driver/ride-offers', undefined, next.token)).body.offers, []);
    assert.ok(!flow.net.bap.received.some((m) => m.action === 'on_status' && m.body.context.transaction_id === selection.transactionId));
    assert.equal(await flow.queued(selection.transactionId, 'on_status'), 0, 'no on_status queued either');
  });

  it('lets the rider cancel for free while a new driver is looked for, which stops the search', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.riderLeaves!);
    const next = await flow.addSedan({ lat: pickups.riderLeaves!.lat - 0.001, lon: pickups.riderLeaves!.lon - 0.001 });
    assert.equal((await move(ride.id, 'cancel', driver.token, { reasonCode: '013' })).status, 200);
    await pushedStatus(selection.transactionId, 'RIDE_CONFIRMED');
    const allocation = await allocationOf(order.id);
    const offer = await openOfferOf(next, allocation.id);

    const soft = await cancel(selection, order.id, 'SOFT_CANCEL');
    assert.equal(soft.order.status, 'SOFT_CANCEL');
    assert.equal(soft.order.fulfillments[0].state.descriptor.code, 'RIDE_CONFIRMED');
    assertNoDriver(soft.order.fulfillments[0]);
    assertFeeQuote(soft.order, order.quote.price.value, '0');

    const confirmed = await cancel(selection, order.id, 'CONFIRM_CANCEL', '005');
    assert.equal(confirmed.order.status, 'CANCELLED');
    assert.equal(confirmed.order.cancellation.cancelled_by, 'CONSUMER');
    assertFeeQuote(confirmed.order, order.quote.price.value, '0');
    await assertCancelled({ bookingId: order.id, rideId: ride.id, driverId: driver.id }, { source: 'BY_RIDER', reason_code: '005', fee: '0.00', fulfillment_state: 'RIDE_CONFIRMED' });
    assert.equal((await allocationOf(order.id)).status, 'FAILED');
    assert.equal((await flow.call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, next.token)).status, 409, 'the offer is gone');
    assert.deepEqual((await flow.call('GET', '/driver/ride-offers', undefined, next.token)).body.offers, []);
    assert.equal((await ridesOf(order.id)).length, 1);
  });

  it('refuses a driver cancel once the ride has started with 409', async () => {
    const { driver, order, ride } = await flow.confirmedRide(pickups.driverStarted!);
    assert.equal((await move(ride.id, 'arrived', driver.token)).status, 200);
    assert.equal((await move(ride.id, 'start', driver.token, { otp: ride.otp })).status, 200);
    assert.equal((await move(ride.id, 'cancel', driver.token, { reasonCode: '012' })).status, 409);
    assert.deepEqual(await stateOf(order.id, ride.id, driver.id), { booking: 'CONFIRMED', ride: 'INPROGRESS', driver: 'ON_RIDE', cancellations: [] });
  });
});
