import assert from 'node:assert/strict';
import { checkConformance } from '../../src/protocol/conformance/index.js';
import { startBookingFlow, type BookingFlow } from '../bpp/booking-flow.js';
import { waitFor } from '../support/wait-until.js';

/**
 * A rider side configured for both mobility domains (BAP_DOMAINS): each
 * search goes out in ONDC:TRV10 and in Beckn core mobility (nic2004:60221),
 * and an estimate is booked and cancelled in the domain it came from, here
 * with our own BPP answering both.
 */
describe('BAP in every configured domain: ONDC:TRV10 and nic2004:60221', function () {
  this.timeout(180_000);
  let flow: BookingFlow;
  let token: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(flow.net.app.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const eventually = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => waitFor(what, probe, { timeoutMs: 30_000, intervalMs: 100 });
  /** What our BAP sent in a transaction, read back from the message log. */
  const bapSent = async (transactionId: string) =>
    (await flow.net.records()).filter((r) => r.direction === 'outbound' && r.role === 'bap' && r.transaction_id === transactionId).map((r) => JSON.parse(r.raw_body));

  before(async () => {
    // Both sides' settlement accounts: init names the rider side's, on_init (echoed by confirm) the provider's.
    flow = await startBookingFlow({
      env: {
        BAP_DOMAINS: 'ONDC:TRV10,nic2004:60221',
        BAP_SETTLEMENT_BANK_CODE: 'ICIC0001234',
        BAP_SETTLEMENT_BANK_ACCOUNT_NUMBER: '001234567890',
        BPP_SETTLEMENT_BANK_CODE: 'HDFC0001234',
        BPP_SETTLEMENT_BANK_ACCOUNT_NUMBER: '50100123456789',
        BPP_SETTLEMENT_VPA: 'cabs@okhdfc',
      },
    });
    const created = await fetch(`${flow.net.app.baseUrl}/admin/riders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${flow.net.app.ctx.config.secrets.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Nandini Pillai', mobile_number: `+9197${String(Date.now()).slice(-8)}` }),
    });
    assert.equal(created.status, 201);
    token = ((await created.json()) as { token: string }).token;
  });
  after(async () => {
    await flow?.close();
  });

  /** A search in both domains, and the core profile's sedan estimate of our BPP booked: its driver accepted, the booking confirmed. */
  const bookCore = async (pickup: { lat: number; lon: number }) => {
    const driver = await flow.addSedan({ lat: pickup.lat + 0.001, lon: pickup.lon + 0.001 });
    const started = await call('POST', '/rider/searches', { pickup, drop: { lat: 12.97, lon: 77.59 } });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const { searchId, transactionId } = started.body;

    const estimates = await eventually('sedan estimates from our BPP in both domains', async () => {
      const view = await call('GET', `/rider/searches/${searchId}`);
      const ours = (view.body.estimates as any[]).filter((e) => e.bppId === flow.net.ourBpp.id && e.vehicle.variant === 'SEDAN');
      return new Set(ours.map((e) => e.domain)).size === 2 ? ours : undefined;
    });
    assert.deepEqual(estimates.map((e) => e.domain).sort(), ['ONDC:TRV10', 'nic2004:60221']);
    const searches = (await bapSent(transactionId)).filter((b) => b.context.action === 'search');
    assert.deepEqual(searches.map((b) => `${b.context.domain}@${b.context.version}`).sort(), ['ONDC:TRV10@2.0.1', 'nic2004:60221@1.1.0']);
    const core = searches.find((b) => b.context.domain === 'nic2004:60221');
    assert.deepEqual(core.message.intent.payment, { collected_by: 'BAP' }, 'no ONDC payment tags in the core profile');
    assert.deepEqual(checkConformance('search', core), []);

    // The core profile's estimate, booked in its own domain.
    const estimate = estimates.find((e) => e.domain === 'nic2004:60221');
    const { quoteId } = (await call('POST', `/rider/estimates/${estimate.id}/select`)).body;
    const offer = await eventually('the ride offer', async () => (await flow.call('GET', '/driver/ride-offers', undefined, driver.token)).body.offers[0] as { id: string } | undefined);
    assert.equal((await flow.call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, driver.token)).status, 200);
    await eventually('the received quote', async () => ((await call('GET', `/rider/searches/${searchId}/quotes`)).body.quotes as any[]).find((q) => q.id === quoteId && q.status === 'RECEIVED'));
    const booked = await call('POST', `/rider/quotes/${quoteId}/book`);
    assert.equal(booked.status, 202, JSON.stringify(booked.body));
    const bookingId = booked.body.bookingId as string;
    const confirmed = await eventually('the confirmed booking', async () => {
      const view = (await call('GET', `/rider/bookings/${bookingId}`)).body;
      return view.status === 'CONFIRMED' || view.status === 'FAILED' ? view : undefined;
    });
    assert.equal(confirmed.status, 'CONFIRMED', JSON.stringify(confirmed));
    assert.equal(confirmed.ride.state, 'RIDE_ASSIGNED');

    return { searchId, transactionId, bookingId, driver, confirmed, estimates, searches };
  };

  it('searches in both domains, books the core profile estimate in its domain, changes its drop, and shows its soft-cancel fee before cancelling', async () => {
    const { transactionId, bookingId, confirmed } = await bookCore({ lat: 12.941, lon: 77.641 });

    // The rider moves the drop further: our BPP recomputes the fare for the new route and the rider is told it.
    const moved = await call('POST', `/rider/bookings/${bookingId}/drop`, { lat: 13.01, lon: 77.55 });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    const onUpdate = await eventually('the on_update of our BPP in the message log', async () =>
      (await flow.net.records()).find((r) => r.direction === 'outbound' && r.role === 'bpp' && r.action === 'on_update' && r.transaction_id === transactionId),
    );
    assert.deepEqual(moved.body.fare, JSON.parse(onUpdate.raw_body).message.order.quote.price);
    assert.ok(Number(moved.body.fare.value) > Number(confirmed.fare.confirmed), `a longer route costs more: ${moved.body.fare.value} after ${confirmed.fare.confirmed}`);

    // The soft cancel: our BPP answers it in the core profile with the order still ACTIVE and the fee quoted.
    const soft = await call('POST', `/rider/bookings/${bookingId}/cancel`, { reasonCode: '1', confirm: false });
    assert.equal(soft.status, 200, JSON.stringify(soft.body));
    assert.equal(soft.body.status, 'FEE_QUOTED');
    const onCancel = await eventually('the on_cancel of our BPP in the message log', async () =>
      (await flow.net.records()).find((r) => r.direction === 'outbound' && r.role === 'bpp' && r.action === 'on_cancel' && r.transaction_id === transactionId),
    );
    const answer = JSON.parse(onCancel.raw_body);
    assert.equal(answer.context.domain, 'nic2004:60221');
    assert.equal(answer.message.order.status, 'ACTIVE', 'the core profile has no SOFT_CANCEL status');
    const charges = (answer.message.order.quote.breakup as any[]).find((l) => l.title === 'CANCELLATION_CHARGES').price;
    assert.deepEqual(soft.body.fee, charges, 'the fee the rider sees is the one the provider quoted');
    assert.equal((await call('GET', `/rider/bookings/${bookingId}`)).body.status, 'CONFIRMED', 'a soft cancel cancels nothing');

    const cancelled = await call('POST', `/rider/bookings/${bookingId}/cancel`, { reasonCode: '1', confirm: true });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'CANCELLED');
    assert.equal(cancelled.body.cancellation.reasonCode, '1');

    // Every request of the booking went out in the core profile, at its version.
    const sent = (await bapSent(transactionId)).filter((b) => b.context.action !== 'search');
    assert.deepEqual([...new Set(sent.map((b) => b.context.action))].sort(), ['cancel', 'confirm', 'init', 'select', 'update']);
    assert.deepEqual(sent.filter((b) => b.context.domain !== 'nic2004:60221' || b.context.version !== '1.1.0').map((b) => b.context.action), []);
    assert.deepEqual(sent.map((b) => ({ action: b.context.action, missing: checkConformance(b.context.action, b) })).filter((r) => r.missing.length > 0), []);
  });

  it('a whole ride in the core profile: status, track, support, the driver arriving, starting and ending, and the rating all go out in nic2004:60221, conformant', async () => {
    const { transactionId, bookingId, driver, confirmed } = await bookCore({ lat: 12.945, lon: 77.645 });
    assert.equal((await call('POST', `/rider/bookings/${bookingId}/status`)).status, 200);
    assert.equal((await call('GET', `/rider/bookings/${bookingId}/track`)).status, 200);
    const support = await call('POST', `/rider/bookings/${bookingId}/support`);
    assert.equal(support.status, 200, JSON.stringify(support.body));

    const [ride] = await flow.rows<{ id: string; otp: string }>('SELECT id, otp FROM atlas_driver_offer_bpp.ride WHERE booking_id = $1', [confirmed.bppOrderId]);
    assert.ok(ride, 'our BPP has the ride');
    assert.equal(confirmed.ride.otp, ride.otp);
    assert.ok(confirmed.ride.bppRideId, "the provider's ride id is kept");
    const move = (what: string, body?: unknown) => flow.call('POST', `/driver/rides/${ride.id}/${what}`, body, driver.token);
    assert.equal((await move('arrived')).status, 200);
    assert.equal((await move('start', { otp: ride.otp })).status, 200);
    assert.equal((await move('end')).status, 200);
    const completed = await eventually('the completed ride', async () => {
      const view = (await call('GET', `/rider/bookings/${bookingId}`)).body;
      return view.status === 'COMPLETED' ? view : undefined;
    });
    assert.deepEqual(completed.ride.history.map((h: any) => h.state), ['RIDE_ASSIGNED', 'RIDE_ARRIVED_PICKUP', 'RIDE_STARTED', 'RIDE_ENDED']);
    assert.equal((await call('POST', `/rider/bookings/${bookingId}/rating`, { value: 5 })).status, 201);

    const sent = await eventually('the rating in the message log', async () => {
      const all = (await bapSent(transactionId)).filter((b) => b.context.action !== 'search');
      return all.some((b) => b.context.action === 'rating') ? all : undefined;
    });
    assert.deepEqual([...new Set(sent.map((b) => b.context.action))].sort(), ['confirm', 'init', 'rating', 'select', 'status', 'support', 'track']);
    assert.deepEqual(sent.filter((b) => b.context.domain !== 'nic2004:60221' || b.context.version !== '1.1.0').map((b) => b.context.action), []);
    assert.deepEqual(sent.map((b) => ({ action: b.context.action, missing: checkConformance(b.context.action, b) })).filter((r) => r.missing.length > 0), []);
  });
});
