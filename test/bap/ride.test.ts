import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerBap } from '../../src/bap/index.js';
import type { LatLon } from '../../src/bpp/domain/index.js';
import { registerBpp } from '../../src/bpp/index.js';
import { recordSentRequest } from '../../src/protocol/correlation/index.js';
import { createSigner } from '../../src/protocol/signing/index.js';
import { loadExamples, restamp } from '../support/beckn-examples.js';
import { freePort, fullProfileEnv, startTestApp } from '../support/test-app.js';
import { drop, merchantSupport, policyBody, startBookingFlow, type BookingFlow } from '../bpp/booking-flow.js';
import { readEvents } from './rider-api.js';
import { waitFor } from '../support/wait-until.js';

/**
 * The ride after confirmation, end to end in one process: the rider app's
 * API on our BAP, our BPP over signed HTTP, the driver app moving the ride.
 */
describe('BAP ride: state machine over on_status, track, cancel, rating, support', function () {
  this.timeout(120_000);
  let flow: BookingFlow;
  let riderToken: string;
  let otherToken: string;
  let pickups = 0;

  const api = async (method: string, path: string, body?: unknown, token = riderToken, headers: Record<string, string> = {}) => {
    const response = await fetch(flow.net.app.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any, headers: response.headers };
  };

  /** Polls until `probe` gives something other than undefined, null or false. */
  const eventually = <T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> =>
    waitFor(
      what,
      async () => {
        const value = await probe();
        return value === null || value === false ? undefined : value;
      },
      { timeoutMs, intervalMs: 100 },
    );

  const newRider = async (name: string) => {
    const mobile = `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    const created = await flow.operator('POST', '/admin/riders', { name, mobile_number: mobile });
    return created.token as string;
  };

  /**
   * A confirmed booking through the rider API only: search, select our BPP's
   * sedan, the driver accepts the offer, book; then the booking is CONFIRMED.
   */
  const confirmedBooking = async () => {
    pickups += 1;
    const pickup: LatLon = { lat: 12.6 + pickups * 0.12, lon: 77.3 + pickups * 0.05 };
    const driver = await flow.addSedan({ lat: pickup.lat + 0.001, lon: pickup.lon + 0.001 });
    const search = await api('POST', '/rider/searches', { pickup, drop });
    assert.equal(search.status, 201, JSON.stringify(search.body));
    const searchId = search.body.searchId as string;
    const estimate = await eventually('our BPP sedan estimate', async () => {
      const { body } = await api('GET', `/rider/searches/${searchId}`);
      return (body.estimates as any[]).find((e) => e.bppId === flow.net.ourBpp.id && e.vehicle.variant === 'SEDAN');
    });
    const selected = await api('POST', `/rider/estimates/${estimate.id}/select`);
    assert.equal(selected.status, 202, JSON.stringify(selected.body));
    const offer = await eventually('a ride offer for the driver', async () => {
      const { body } = await flow.call('GET', '/driver/ride-offers', undefined, driver.token);
      return (body.offers as { id: string }[])[0];
    });
    const accepted = await flow.call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, driver.token);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    await eventually('the quote received', async () => {
      const { body } = await api('GET', `/rider/searches/${searchId}/quotes`);
      return (body.quotes as any[]).find((q) => q.id === selected.body.quoteId && q.status === 'RECEIVED');
    });
    const booked = await api('POST', `/rider/quotes/${selected.body.quoteId}/book`);
    assert.equal(booked.status, 202, JSON.stringify(booked.body));
    const bookingId = booked.body.bookingId as string;
    const booking = await eventually('the booking confirmed', async () => {
      const { body } = await api('GET', `/rider/bookings/${bookingId}`);
      return body.status === 'CONFIRMED' ? body : undefined;
    });
    const [ride] = await flow.rows<{ id: string; otp: string }>('SELECT id, otp FROM atlas_driver_offer_bpp.ride WHERE booking_id = $1', [booking.bppOrderId]);
    assert.ok(ride, 'our BPP has the ride');
    const [bookingRow] = await flow.rows<{ transaction_id: string }>('SELECT transaction_id FROM atlas_app.booking WHERE id = $1', [bookingId]);
    const move = (what: string, body?: unknown) => flow.call('POST', `/driver/rides/${ride.id}/${what}`, body, driver.token);
    return { bookingId, booking, pickup, driver, ride, move, transactionId: bookingRow!.transaction_id };
  };

  /** Posts a callback to our BAP signed with our BPP's own key, as our BPP would send it. */
  const postAsOurBpp = async (action: string, body: unknown) => {
    const { config } = flow.net.app.ctx;
    const signer = createSigner({ subscriberId: flow.net.ourBpp.id, uniqueKeyId: config.beckn.uniqueKeyId, privateKey: config.secrets.signingPrivateKey });
    const raw = Buffer.from(JSON.stringify(body), 'utf8');
    const response = await fetch(`${flow.net.ourBap.url}/${action}`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', authorization: signer.sign(raw) } });
    return { status: response.status, body: (await response.json()) as any };
  };

  /** The on_status our BPP pushed for the transaction in `state`, as it was sent. */
  const pushedOnStatus = async (transactionId: string, state: string) => {
    const sent = await flow.rows<{ body: Buffer }>("SELECT body FROM beckn_protocol.outbox WHERE action = 'on_status' AND transaction_id = $1", [transactionId]);
    const found = sent.map((row) => JSON.parse(Buffer.from(row.body).toString('utf8'))).find((b) => b.message.order.fulfillments[0].state.descriptor.code === state);
    assert.ok(found, `our BPP pushed ${state}`);
    return found as { context: Record<string, unknown>; message: any };
  };
  const again = (body: { context: Record<string, unknown>; message: unknown }, context: Record<string, unknown> = {}) => ({
    ...body,
    context: { ...body.context, message_id: randomUUID(), timestamp: new Date().toISOString(), ...context },
  });

  const historyOf = async (bookingId: string) => (await api('GET', `/rider/bookings/${bookingId}`)).body.ride.history.map((h: { state: string }) => h.state);

  before(async function () {
    this.timeout(120_000);
    flow = await startBookingFlow();
    riderToken = await newRider('Asha Rao');
    otherToken = await newRider('Vikram Shah');
  });
  after(async () => {
    await flow?.close();
  });

  it('follows the driver: arrived, started, ended with the final fare, over SSE; track, support and rating', async () => {
    const { bookingId, booking, ride, move, driver, pickup } = await confirmedBooking();
    assert.equal(booking.ride.state, 'RIDE_ASSIGNED');
    assert.equal(booking.ride.otp, ride.otp, 'the rider sees the OTP the driver must be given');
    const stream = readEvents(`${flow.net.app.baseUrl}/rider/bookings/${bookingId}/events`, riderToken);
    try {
      await stream.next((e) => e.event === 'booking' && e.data.ride?.state === 'RIDE_ASSIGNED');

      // Another rider sees none of it.
      assert.equal((await api('GET', `/rider/bookings/${bookingId}/track`, undefined, otherToken)).status, 404);
      assert.equal((await api('POST', `/rider/bookings/${bookingId}/cancel`, { reasonCode: '005', confirm: false }, otherToken)).status, 404);
      assert.equal((await api('POST', `/rider/bookings/${bookingId}/rating`, { value: 5 }, otherToken)).status, 404);

      assert.equal((await move('arrived')).status, 200);
      const arrived = await stream.next((e) => e.data.ride?.state === 'RIDE_ARRIVED_PICKUP');
      assert.equal(arrived.data.status, 'CONFIRMED');

      const started = await move('start', { otp: ride.otp });
      assert.equal(started.status, 200, JSON.stringify(started.body));
      await stream.next((e) => e.data.ride?.state === 'RIDE_STARTED');

      const cancel = await api('POST', `/rider/bookings/${bookingId}/cancel`, { reasonCode: '005', confirm: false });
      assert.equal(cancel.status, 409, 'no cancelling once the ride started');
      assert.equal((await api('POST', `/rider/bookings/${bookingId}/rating`, { value: 4 })).status, 409, 'no rating before the end');

      // The driver's latest posted position comes back through track / on_track.
      // (Posted now: newer than the position the driver went online with.)
      const position = { lat: pickup.lat + 0.0045, lon: pickup.lon + 0.0012, ts: Date.now() };
      assert.equal((await flow.call('POST', '/driver/location', { points: [{ lat: pickup.lat + 0.002, lon: pickup.lon, ts: position.ts - 1 }, position] }, driver.token)).status, 200);
      const tracked = await api('GET', `/rider/bookings/${bookingId}/track`);
      assert.equal(tracked.status, 200, JSON.stringify(tracked.body));
      assert.equal(tracked.body.stale, false);
      assert.equal(tracked.body.status, 'active');
      assert.ok(Math.abs(tracked.body.location.lat - position.lat) < 1e-6 && Math.abs(tracked.body.location.lon - position.lon) < 1e-6, JSON.stringify(tracked.body));
      assert.equal(new Date(tracked.body.location.at).getTime(), position.ts);
      const [kept] = await flow.rows<{ driver_lat: number; driver_lon: number }>('SELECT driver_lat, driver_lon FROM atlas_app.ride WHERE booking_id = $1', [bookingId]);
      assert.ok(kept && Math.abs(kept.driver_lat - position.lat) < 1e-6, 'the position is kept on the ride');

      const support = await api('POST', `/rider/bookings/${bookingId}/support`);
      assert.equal(support.status, 200, JSON.stringify(support.body));
      assert.deepEqual(support.body.support, merchantSupport);

      const ended = await move('end');
      assert.equal(ended.status, 200, JSON.stringify(ended.body));
      const completed = await stream.next((e) => e.data.status === 'COMPLETED');
      assert.equal(completed.data.ride.state, 'RIDE_ENDED');
      assert.equal(Number(completed.data.fare.final), Number(ended.body.final_fare.value), 'the final fare is the BPP fare');
      assert.ok(Array.isArray(completed.data.ride.finalFareBreakup) && completed.data.ride.finalFareBreakup.length > 0, 'the breakup is kept');
      await stream.next((e) => e.event === 'end');
      const states = stream.events.filter((e) => e.event === 'booking').map((e) => `${e.data.status}/${e.data.ride.state}`);
      assert.deepEqual(states, ['CONFIRMED/RIDE_ASSIGNED', 'CONFIRMED/RIDE_ARRIVED_PICKUP', 'CONFIRMED/RIDE_STARTED', 'COMPLETED/RIDE_ENDED'], 'one event per state change');
    } finally {
      stream.close();
    }
    assert.deepEqual(await historyOf(bookingId), ['RIDE_ASSIGNED', 'RIDE_ARRIVED_PICKUP', 'RIDE_STARTED', 'RIDE_ENDED']);

    const rated = await api('POST', `/rider/bookings/${bookingId}/rating`, { value: 5, comment: 'smooth ride' }, riderToken, { 'Idempotency-Key': `rate-${bookingId}` });
    assert.equal(rated.status, 201, JSON.stringify(rated.body));
    const replayed = await api('POST', `/rider/bookings/${bookingId}/rating`, { value: 5, comment: 'smooth ride' }, riderToken, { 'Idempotency-Key': `rate-${bookingId}` });
    assert.deepEqual(replayed.body, rated.body);
    assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
    await eventually('on_rating acknowledged', async () => {
      const [row] = await flow.rows<{ acknowledged_at: Date | null }>('SELECT acknowledged_at FROM atlas_app.rating WHERE booking_id = $1', [bookingId]);
      return row?.acknowledged_at;
    });
    const [bppRating] = await flow.rows<{ value: number; feedback: string }>('SELECT value, feedback FROM atlas_driver_offer_bpp.ride_rating WHERE ride_id = $1', [ride.id]);
    assert.deepEqual({ ...bppRating }, { value: 5, feedback: 'smooth ride' });
    assert.equal((await api('POST', `/rider/bookings/${bookingId}/rating`, { value: 6 })).status, 400);
  });

  it('NACKs an out-of-order on_status with 20008, takes a duplicate state once, refuses a late answer; the booking is unchanged', async () => {
    const { bookingId, ride, move, transactionId } = await confirmedBooking();
    assert.equal((await move('arrived')).status, 200);
    assert.equal((await move('start', { otp: ride.otp })).status, 200);
    assert.equal((await move('end')).status, 200);
    await eventually('the booking completed', async () => (await api('GET', `/rider/bookings/${bookingId}`)).body.status === 'COMPLETED');
    const before = (await api('GET', `/rider/bookings/${bookingId}`)).body;

    const startedPush = await pushedOnStatus(transactionId, 'RIDE_STARTED');
    const outOfOrder = await postAsOurBpp('on_status', again(startedPush));
    assert.equal(outOfOrder.status, 400, JSON.stringify(outOfOrder.body));
    assert.equal(outOfOrder.body.message.ack.status, 'NACK');
    assert.equal(outOfOrder.body.error.code, '20008');

    const arrivedPush = await pushedOnStatus(transactionId, 'RIDE_ARRIVED_PICKUP');
    assert.equal((await postAsOurBpp('on_status', again(arrivedPush))).body.error?.code, '20008', 'backwards');

    const endedPush = await pushedOnStatus(transactionId, 'RIDE_ENDED');
    const duplicate = await postAsOurBpp('on_status', again(endedPush));
    assert.equal(duplicate.status, 200, JSON.stringify(duplicate.body));
    assert.equal(duplicate.body.message.ack.status, 'ACK');

    const foreign = again(endedPush);
    foreign.message = { order: { ...endedPush.message.order, id: randomUUID() } };
    assert.equal((await postAsOurBpp('on_status', foreign)).body.error?.code, '20008', 'an order of the transaction that is not ours');
    assert.equal((await postAsOurBpp('on_status', again(endedPush, { transaction_id: randomUUID() }))).body.error?.code, '20008', 'a transaction we never started');

    // An answer to a status whose ttl has passed is late (20009) and not applied.
    const lateMessageId = randomUUID();
    await recordSentRequest(
      flow.net.app.ctx.correlation,
      flow.net.ourBap.id,
      { action: 'status', transactionId, messageId: lateMessageId, deadline: Date.now() - 1_000 },
      3_600_000,
    );
    const cancelledLate = again(endedPush, { message_id: lateMessageId });
    cancelledLate.message = { order: { ...endedPush.message.order, status: 'CANCELLED', fulfillments: [{ ...endedPush.message.order.fulfillments[0], state: { descriptor: { code: 'RIDE_CANCELLED' } } }] } };
    const late = await postAsOurBpp('on_status', cancelledLate);
    assert.equal(late.body.error?.code, '20009', JSON.stringify(late.body));

    const after = (await api('GET', `/rider/bookings/${bookingId}`)).body;
    assert.deepEqual(after, before, 'refused and repeated callbacks leave the booking as it was');
    assert.deepEqual(await historyOf(bookingId), ['RIDE_ASSIGNED', 'RIDE_ARRIVED_PICKUP', 'RIDE_STARTED', 'RIDE_ENDED']);
    const refusedRecords = await flow.rows<{ n: string }>(
      "SELECT count(*)::text AS n FROM atlas_app.callback_record WHERE transaction_id = $1 AND action = 'on_status' AND outcome = 'APPLIED'",
      [transactionId],
    );
    assert.equal(refusedRecords[0]?.n, '4', 'three pushes and the repeat applied; the refused ones are not');

    // The rider can ask for the status: our BPP answers RIDE_ENDED, which changes nothing.
    const refreshed = await api('POST', `/rider/bookings/${bookingId}/status`);
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal(refreshed.body.refreshed, true);
    assert.equal(refreshed.body.status, 'COMPLETED');
    assert.deepEqual(await historyOf(bookingId), ['RIDE_ASSIGNED', 'RIDE_ARRIVED_PICKUP', 'RIDE_STARTED', 'RIDE_ENDED']);
  });

  it('cancels in two steps: the fee of the fare policy first, then the cancelled booking', async () => {
    const { bookingId, move } = await confirmedBooking();
    const stream = readEvents(`${flow.net.app.baseUrl}/rider/bookings/${bookingId}/events`, riderToken);
    try {
      assert.equal((await api('POST', `/rider/bookings/${bookingId}/cancel`, { reasonCode: '013', confirm: false })).status, 400, 'a driver-side reason');
      assert.equal((await api('POST', `/rider/bookings/${bookingId}/cancel`, { reasonCode: '005' })).status, 400, 'confirm is required');

      const quoted = await api('POST', `/rider/bookings/${bookingId}/cancel`, { reasonCode: '005', confirm: false });
      assert.equal(quoted.status, 200, JSON.stringify(quoted.body));
      assert.equal(quoted.body.status, 'FEE_QUOTED');
      assert.equal(Number(quoted.body.fee.value), Number(policyBody.cancellation_fees.RIDE_ASSIGNED));
      assert.equal(quoted.body.fee.currency, 'INR');
      const stillBooked = (await api('GET', `/rider/bookings/${bookingId}`)).body;
      assert.equal(stillBooked.status, 'CONFIRMED', 'asking the fee cancels nothing');
      assert.equal(stillBooked.cancellation.status, 'FEE_QUOTED');

      // Once the driver has arrived the fee is the arrived one.
      assert.equal((await move('arrived')).status, 200);
      await stream.next((e) => e.data.ride?.state === 'RIDE_ARRIVED_PICKUP');
      const atPickup = await api('POST', `/rider/bookings/${bookingId}/cancel`, { reasonCode: '005', confirm: false });
      assert.equal(Number(atPickup.body.fee.value), Number(policyBody.cancellation_fees.RIDE_ARRIVED_PICKUP));

      const key = { 'Idempotency-Key': `cancel-${bookingId}` };
      const cancelled = await api('POST', `/rider/bookings/${bookingId}/cancel`, { reasonCode: '005', confirm: true }, riderToken, key);
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
      assert.equal(cancelled.body.status, 'CANCELLED');
      assert.equal(cancelled.body.ride.state, 'RIDE_CANCELLED');
      assert.deepEqual(
        { ...cancelled.body.cancellation, fee: Number(cancelled.body.cancellation.fee) },
        { source: 'BY_RIDER', reasonCode: '005', status: 'CONFIRMED', fee: Number(policyBody.cancellation_fees.RIDE_ARRIVED_PICKUP), currency: 'INR' },
      );
      const replay = await api('POST', `/rider/bookings/${bookingId}/cancel`, { reasonCode: '005', confirm: true }, riderToken, key);
      assert.deepEqual(replay.body, cancelled.body);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      await stream.next((e) => e.data.status === 'CANCELLED');
      await stream.next((e) => e.event === 'end');

      const [bpp] = await flow.rows<{ status: string }>('SELECT status FROM atlas_driver_offer_bpp.booking WHERE id = $1', [cancelled.body.bppOrderId]);
      assert.equal(bpp?.status, 'CANCELLED', "the BPP's view agrees");
      assert.equal((await api('POST', `/rider/bookings/${bookingId}/cancel`, { reasonCode: '005', confirm: true })).status, 409, 'cancelled already');
      assert.equal((await api('GET', `/rider/bookings/${bookingId}/track`)).status, 409, 'nothing to track');
      assert.deepEqual(await historyOf(bookingId), ['RIDE_ASSIGNED', 'RIDE_ARRIVED_PICKUP', 'RIDE_CANCELLED']);
    } finally {
      stream.close();
    }
  });

  it('follows a driver cancellation: the booking is cancelled BY_DRIVER without a fee', async () => {
    const { bookingId, ride, driver } = await confirmedBooking();
    const cancelled = await flow.call('POST', `/driver/rides/${ride.id}/cancel`, { reasonCode: '013' }, driver.token);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    const booking = await eventually('the booking cancelled', async () => {
      const { body } = await api('GET', `/rider/bookings/${bookingId}`);
      return body.status === 'CANCELLED' ? body : undefined;
    });
    assert.equal(booking.ride.state, 'RIDE_CANCELLED');
    assert.equal(booking.cancellation.source, 'BY_DRIVER');
    assert.equal(booking.cancellation.reasonCode, '013');
    assert.equal(booking.cancellation.status, 'CONFIRMED');
    assert.equal(Number(booking.cancellation.fee), 0);
    assert.deepEqual(await historyOf(bookingId), ['RIDE_ASSIGNED', 'RIDE_CANCELLED']);
    assert.equal((await api('POST', `/rider/bookings/${bookingId}/rating`, { value: 3 })).status, 409, 'a cancelled ride cannot be rated');
  });
  it('follows a driver replaced before the pickup: the driver withdrawn, then the new driver and OTP; no withdrawal once at the pickup', async () => {
    const { bookingId, ride, driver, pickup, transactionId } = await confirmedBooking();
    const next = await flow.addSedan({ lat: pickup.lat - 0.001, lon: pickup.lon - 0.001 });
    const first = (await api('GET', `/rider/bookings/${bookingId}`)).body;
    assert.equal(first.ride.vehicle.number, driver.registration);
    assert.equal(first.ride.otp, ride.otp);

    assert.equal((await flow.call('POST', `/driver/rides/${ride.id}/cancel`, { reasonCode: '013' }, driver.token)).status, 200);
    const waiting = await eventually('the driver withdrawn', async () => {
      const { body } = await api('GET', `/rider/bookings/${bookingId}`);
      return body.ride.history.at(-1)?.state === 'RIDE_CONFIRMED' ? body : undefined;
    });
    assert.equal(waiting.status, 'CONFIRMED');
    assert.equal(waiting.ride.state, 'RIDE_CONFIRMED', 'the rider sees the ride waiting for a driver again');
    assert.equal(waiting.cancellation, null);
    assert.deepEqual(
      { driver: waiting.ride.driver.name, vehicle: waiting.ride.vehicle.number, otp: waiting.ride.otp },
      { driver: null, vehicle: null, otp: null },
      'the rider no longer sees the driver who left',
    );

    const offer = await eventually('a ride offer for the next driver', async () => {
      const { body } = await flow.call('GET', '/driver/ride-offers', undefined, next.token);
      return (body.offers as { id: string }[])[0];
    });
    assert.equal((await flow.call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, next.token)).status, 200);
    const [newRide] = await flow.rows<{ id: string; otp: string }>(
      "SELECT id, otp FROM atlas_driver_offer_bpp.ride WHERE booking_id = $1 AND status <> 'CANCELLED'",
      [first.bppOrderId],
    );
    assert.ok(newRide && newRide.id !== ride.id, 'a new ride at our BPP');
    const reassigned = await eventually('the new driver shown', async () => {
      const { body } = await api('GET', `/rider/bookings/${bookingId}`);
      return body.ride.vehicle.number === next.registration ? body : undefined;
    });
    assert.equal(reassigned.status, 'CONFIRMED');
    assert.equal(reassigned.ride.state, 'RIDE_ASSIGNED');
    assert.equal(reassigned.ride.driver.name, 'Ravi Kumar');
    assert.equal(reassigned.ride.otp, newRide.otp, 'the new OTP');
    assert.deepEqual(await historyOf(bookingId), ['RIDE_ASSIGNED', 'RIDE_CONFIRMED', 'RIDE_ASSIGNED']);

    // The new driver arrives; a withdrawal reported now is out of sequence (20008) and changes nothing.
    assert.equal((await flow.call('POST', `/driver/rides/${newRide.id}/arrived`, undefined, next.token)).status, 200);
    await eventually('the new driver at the pickup', async () => (await api('GET', `/rider/bookings/${bookingId}`)).body.ride.state === 'RIDE_ARRIVED_PICKUP');
    const before = (await api('GET', `/rider/bookings/${bookingId}`)).body;
    const late = await postAsOurBpp('on_status', again(await pushedOnStatus(transactionId, 'RIDE_CONFIRMED')));
    assert.equal(late.body.error?.code, '20008', JSON.stringify(late.body));
    assert.deepEqual((await api('GET', `/rider/bookings/${bookingId}`)).body, before);
  });

  it('with another BPP: pushed states, skipped ones and a stale position when track is not answered', async () => {
    const examples = loadExamples().filter((e) => e.domain === 'ONDC:TRV10');
    const pick = (action: string, name: string) => {
      const found = examples.find((e) => e.action === action && e.name.includes(name));
      assert.ok(found, `example ${action} ${name}`);
      return found;
    };
    const rider = await flow.operator('POST', '/admin/riders', { name: 'Kiran Das', mobile_number: `+9199${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}` });
    const token = rider.token as string;
    const started = await api('POST', '/rider/searches', { pickup: { lat: 12.935, lon: 77.624 }, drop }, token);
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const { searchId, transactionId } = started.body;
    const search = await flow.net.bpp.waitFor((m) => m.action === 'search' && m.body.context.transaction_id === transactionId, 15_000);
    const fake = flow.net.bpp;
    const contextFor = (action: string) => ({
      ...search.body.context,
      action,
      bpp_id: fake.subscriberId,
      bpp_uri: fake.url,
      // on_search answers the search (its message_id); the rest are pushed unsolicited.
      message_id: action === 'on_search' ? search.body.context.message_id : randomUUID(),
      timestamp: new Date().toISOString(),
    });
    const push = (action: string, example: ReturnType<typeof pick>) => fake.post(`${flow.net.ourBap.url}/${action}`, restamp(example, contextFor(action)));
    const answered = await push('on_search', pick('on_search', 'X16'));
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    const estimate = await eventually('the other BPP estimate', async () => {
      const { body } = await api('GET', `/rider/searches/${searchId}`, undefined, token);
      return (body.estimates as any[]).find((e) => e.bppId === fake.subscriberId);
    });

    // The booking as select, init and confirm with that BPP leave it (order O1 of the examples, ride assigned).
    const quoteId = randomUUID();
    const bookingId = randomUUID();
    const rideId = randomUUID();
    const sql = (text: string, bind: unknown[]) => flow.net.app.ctx.sequelize.query(text, { bind });
    await sql(`INSERT INTO atlas_app.quote (id, estimate_id, select_message_id, status, price, currency) VALUES ($1, $2, $3, 'RECEIVED', 146, 'INR')`, [quoteId, estimate.id, randomUUID()]);
    await sql(
      `INSERT INTO atlas_app.booking (id, person_id, quote_id, transaction_id, bpp_id, bpp_uri, provider_id, item_id, bpp_order_id, status, quoted_fare, fare, currency)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'O1', 'CONFIRMED', 146, 146, 'INR')`,
      [bookingId, rider.id, quoteId, transactionId, fake.subscriberId, fake.url, estimate.providerId, estimate.itemId],
    );
    await sql(`INSERT INTO atlas_app.ride (id, booking_id, state) VALUES ($1, $2, 'RIDE_ASSIGNED')`, [rideId, bookingId]);
    await sql(`INSERT INTO atlas_app.ride_state_event (ride_id, position, state, at) VALUES ($1, 0, 'RIDE_ASSIGNED', now())`, [rideId]);

    const enroute = await push('on_status', pick('on_status', 'X19'));
    assert.equal(enroute.status, 200, JSON.stringify(enroute.body));
    const tracked = await push('on_track', pick('on_track', 'X23'));
    assert.equal(tracked.status, 200, JSON.stringify(tracked.body));

    // The BPP gets the track but never answers: the last pushed position, marked stale.
    const asked = Date.now();
    const stale = await api('GET', `/rider/bookings/${bookingId}/track`, undefined, token);
    assert.equal(stale.status, 200, JSON.stringify(stale.body));
    assert.equal(stale.body.stale, true);
    assert.deepEqual(stale.body.location, { lat: 28.620976, lon: 77.046732, at: '2023-03-23T05:41:09.000Z' });
    assert.ok(Date.now() - asked >= 2_500, 'it waited for on_track');
    const trackRequest = fake.received.find((m) => m.action === 'track' && m.body.context.transaction_id === transactionId);
    assert.ok(trackRequest, 'the track went to the booking BPP');
    assert.deepEqual(trackRequest.body.message, { order_id: 'O1' });
    assert.equal(trackRequest.body.context.bpp_id, fake.subscriberId);

    // RIDE_ARRIVED_PICKUP is skipped; going back to en route afterwards is out of sequence.
    assert.equal((await push('on_status', pick('on_status', 'X20'))).status, 200);
    const back = await push('on_status', pick('on_status', 'X19'));
    assert.equal(back.body.error?.code, '20008', JSON.stringify(back.body));
    const ended = await push('on_status', pick('on_status', 'X18'));
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    const booking = (await api('GET', `/rider/bookings/${bookingId}`, undefined, token)).body;
    assert.equal(booking.status, 'COMPLETED');
    assert.equal(booking.fare.final, '146');
    assert.deepEqual(booking.ride.history.map((h: { state: string }) => h.state), ['RIDE_ASSIGNED', 'RIDE_ENROUTE_PICKUP', 'RIDE_STARTED', 'RIDE_ENDED']);
    assert.ok(booking.ride.driver.name, 'the driver named in the pushes is kept');
    assert.equal((await api('GET', `/rider/bookings/${bookingId}`)).status, 404, "another rider's booking is not found");
  });
  it('two replicas: a request waiting on one is answered by a callback landing on the other, whose changes its stream follows', async () => {
    const a = flow.net.app;
    const { config } = a.ctx;
    assert.ok(config.postgres.kind === 'url' && config.redis && config.registrySeedFile);
    // Replica B: same database, Redis, keys and identities; other participants reach both at A's URL (the callbacks land on A).
    const env = fullProfileEnv({
      PORT: String(await freePort()),
      PUBLIC_URL: a.baseUrl,
      DATABASE_URL: config.postgres.url,
      REDIS_KEY_PREFIX: config.redis.keyPrefix,
      REGISTRY_SEED_FILE: config.registrySeedFile,
      MESSAGE_LOG_FILE: join(mkdtempSync(join(tmpdir(), 'beckn-ride-replica-')), 'message-log.jsonl'),
      BAP_SUBSCRIBER_ID: config.beckn.subscriberIds.bap,
      BPP_SUBSCRIBER_ID: config.beckn.subscriberIds.bpp,
      GATEWAY_SUBSCRIBER_ID: config.beckn.subscriberIds.gateway,
      ADMIN_TOKEN: config.secrets.adminToken,
      AUDITOR_TOKEN: config.secrets.auditorToken,
      SIGNING_PRIVATE_KEY: config.secrets.signingPrivateKey,
      ENCRYPTION_KEY: config.secrets.encryptionKey,
      DELIVERY_BASE_BACKOFF_MS: '50',
      DELIVERY_MAX_BACKOFF_MS: '500',
      DELIVERY_POLL_INTERVAL_MS: '50',
    });
    delete env.KAFKA_BROKERS;
    const b = await startTestApp(env, {}, undefined, (ctx) => {
      registerBpp(ctx);
      registerBap(ctx, ctx.bap);
    });
    const { bookingId, move, transactionId } = await confirmedBooking();
    const stream = readEvents(`${b.baseUrl}/rider/bookings/${bookingId}/events`, riderToken);
    try {
      await stream.next((e) => e.data.ride?.state === 'RIDE_ASSIGNED');
      const support = await fetch(`${b.baseUrl}/rider/bookings/${bookingId}/support`, { method: 'POST', headers: { authorization: `Bearer ${riderToken}` } });
      const body = (await support.json()) as any;
      assert.equal(support.status, 200, JSON.stringify(body));
      assert.deepEqual(body.support, merchantSupport);
      const [answer] = await flow.rows<{ target_url: string }>("SELECT target_url FROM beckn_protocol.outbox WHERE action = 'on_support' AND transaction_id = $1", [transactionId]);
      assert.equal(answer?.target_url, `${flow.net.ourBap.url}/on_support`, 'on_support went to replica A');

      assert.equal((await move('arrived')).status, 200);
      const arrived = await stream.next((e) => e.data.ride?.state === 'RIDE_ARRIVED_PICKUP');
      assert.equal(arrived.data.status, 'CONFIRMED');
    } finally {
      stream.close();
      await b.close();
    }
  });
});
