import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { loadExamples, restamp } from '../support/beckn-examples.js';
import type { ReceivedMessage } from '../support/fake-participant.js';
import { quoteView } from '../../src/bap/booking/booking-routes.js';
import type { SelectedQuote } from '../../src/bap/booking/booking-store.js';
import { startBookingFlow, type BookingFlow } from '../bpp/booking-flow.js';
import { waitFor } from '../support/wait-until.js';

const example = (action: string, marker: string) => {
  const found = loadExamples().find((e) => e.action === action && e.name.includes(marker));
  assert.ok(found, `the ONDC TRV10 ${action} example ${marker} is present`);
  return found;
};

describe('BAP booking: select an estimate, receive the quote, book it (init, confirm) over Beckn', function () {
  this.timeout(180_000);
  let flow: BookingFlow;
  let token: string;
  let otherToken: string;
  const mobile = `+9198${String(Date.now()).slice(-8)}`;

  const call = async (method: string, path: string, body?: unknown, bearer: string = token, headers: Record<string, string> = {}) => {
    const response = await fetch(flow.net.app.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any, headers: response.headers };
  };
  const rider = async (name: string, number: string) => {
    const created = await call('POST', '/admin/riders', { name, mobile_number: number }, flow.net.app.ctx.config.secrets.adminToken);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.token as string;
  };
  const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> =>
    waitFor(what, probe, { timeoutMs, intervalMs: 100 });
  const search = async (pickup: { lat: number; lon: number }, drop: { lat: number; lon: number }) => {
    const started = await call('POST', '/rider/searches', { pickup, drop });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    return started.body as { searchId: string; transactionId: string };
  };
  const quoteOf = async (searchId: string, quoteId: string) => {
    const quotes = await call('GET', `/rider/searches/${searchId}/quotes`);
    assert.equal(quotes.status, 200, JSON.stringify(quotes.body));
    return (quotes.body.quotes as any[]).find((q) => q.id === quoteId);
  };
  const bookingOf = async (bookingId: string) => {
    const booking = await call('GET', `/rider/bookings/${bookingId}`);
    assert.equal(booking.status, 200, JSON.stringify(booking.body));
    return booking.body;
  };
  /** Signs and posts a callback from the fake BPP to our BAP. */
  const fromFakeBpp = (action: string, body: unknown) => flow.net.bpp.post(`${flow.net.ourBap.url}/${action}`, body);
  const answer = (request: ReceivedMessage, action: string, marker: string, mutate: (body: any) => void = () => undefined) => {
    const body = restamp(example(action, marker), {
      ...request.body.context,
      action,
      bpp_id: flow.net.bpp.subscriberId,
      bpp_uri: flow.net.bpp.url,
      timestamp: new Date().toISOString(),
    });
    mutate(body);
    return body;
  };
  const expectNack = (answered: { status: number; body: any }, code: string) => {
    assert.equal(answered.status, 400, JSON.stringify(answered.body));
    assert.equal(answered.body.message.ack.status, 'NACK');
    assert.equal(answered.body.error.code, code, JSON.stringify(answered.body));
  };
  /** The request our BAP sent the fake BPP in this transaction. */
  const sentToFake = (action: string, transactionId: string) =>
    flow.net.bpp.waitFor((m) => m.action === action && m.body.context.transaction_id === transactionId, 15_000);
  const checkSent = (request: ReceivedMessage, action: 'select' | 'init' | 'confirm') => {
    assert.deepEqual(flow.validator.validate(action, request.body), [], `our ${action} validates`);
    assert.equal(request.body.context.bap_id, flow.net.ourBap.id);
    assert.equal(request.body.context.bpp_id, flow.net.bpp.subscriberId);
  };
  /** A search the fake BPP answers with the ONDC example's estimates (X16), and its auto estimate once our BAP shows it. */
  const searchedFake = async (pickup: { lat: number; lon: number }) => {
    const { searchId, transactionId } = await search(pickup, { lat: 12.95, lon: 77.58 });
    const searched = await sentToFake('search', transactionId);
    assert.equal((await fromFakeBpp('on_search', answer(searched, 'on_search', 'X16'))).status, 200);
    const auto = await eventually('the auto estimate', async () => {
      const view = await call('GET', `/rider/searches/${searchId}`);
      return (view.body.estimates as any[]).find((e) => e.bppId === flow.net.bpp.subscriberId && e.itemId === 'I1');
    });
    return { searchId, transactionId, auto };
  };
  /** The fake BPP's auto estimate selected, and quoted by its on_select (X17). */
  const quotedByFake = async (pickup: { lat: number; lon: number }) => {
    const { transactionId, auto } = await searchedFake(pickup);
    const { quoteId } = (await call('POST', `/rider/estimates/${auto.id}/select`)).body;
    const select = await sentToFake('select', transactionId);
    assert.equal((await fromFakeBpp('on_select', answer(select, 'on_select', 'X17', (b) => (b.message.order.quote.ttl = 'PT300S')))).status, 200);
    return { transactionId, quoteId: quoteId as string };
  };

  before(async () => {
    flow = await startBookingFlow();
    token = await rider('Asha Rao', mobile);
    otherToken = await rider('Vikram Shah', `+9197${String(Date.now()).slice(-8)}`);
  });
  after(async () => {
    await flow?.close();
  });

  it('selects our BPP sedan; the driver accepts; book confirms it with the driver, vehicle and OTP; retries book once', async () => {
    const pickup = { lat: 12.935, lon: 77.624 };
    const driver = await flow.addSedan({ lat: pickup.lat + 0.001, lon: pickup.lon + 0.001 });
    const { searchId, transactionId } = await search(pickup, { lat: 12.97, lon: 77.59 });
    const estimate = await eventually('a sedan estimate from our BPP', async () => {
      const view = await call('GET', `/rider/searches/${searchId}`);
      return (view.body.estimates as any[]).find((e) => e.bppId === flow.net.ourBpp.id && e.vehicle.variant === 'SEDAN');
    });

    // Only the rider who searched may select it.
    assert.equal((await call('POST', `/rider/estimates/${estimate.id}/select`, undefined, otherToken)).status, 404);
    assert.equal((await call('POST', '/rider/estimates/not-an-id/select')).status, 404);
    const selected = await call('POST', `/rider/estimates/${estimate.id}/select`);
    assert.equal(selected.status, 202, JSON.stringify(selected.body));
    const { quoteId } = selected.body;
    assert.equal((await quoteOf(searchId, quoteId)).status, 'PENDING');
    assert.equal((await call('GET', `/rider/searches/${searchId}/quotes`, undefined, otherToken)).status, 404);

    // The driver gets the ride offer and accepts; on_select then names them.
    const offer = await eventually('the ride offer', async () => {
      const offers = await call('GET', '/driver/ride-offers', undefined, driver.token);
      return (offers.body.offers as { id: string }[])[0];
    });
    assert.equal((await call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, driver.token)).status, 200);
    const quote = await eventually('the received quote', async () => {
      const found = await quoteOf(searchId, quoteId);
      return found.status === 'PENDING' ? undefined : found;
    });
    assert.equal(quote.status, 'RECEIVED', JSON.stringify(quote));
    assert.equal(quote.driver.name, 'Ravi Kumar');
    assert.equal(quote.vehicle.number, driver.registration);
    assert.equal(quote.price.currency, 'INR');
    assert.ok(Number(quote.price.value) >= Number(estimate.fare.min) && Number(quote.price.value) <= Number(estimate.fare.max), JSON.stringify({ quote, estimate }));
    assert.ok(Array.isArray(quote.breakup) && quote.breakup.length > 0);
    assert.ok(new Date(quote.validUntil).getTime() > Date.now());

    // Another rider cannot book it; one Idempotency-Key books once and answers the same.
    assert.equal((await call('POST', `/rider/quotes/${quoteId}/book`, undefined, otherToken, { 'idempotency-key': 'book-1' })).status, 404);
    const first = await call('POST', `/rider/quotes/${quoteId}/book`, undefined, token, { 'idempotency-key': 'book-1' });
    const second = await call('POST', `/rider/quotes/${quoteId}/book`, undefined, token, { 'idempotency-key': 'book-1' });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.equal(second.status, 202);
    assert.deepEqual(second.body, first.body);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    const bookings = await flow.rows<{ id: string }>('SELECT id FROM atlas_app.booking WHERE quote_id = $1', [quoteId]);
    assert.deepEqual(bookings.map((b) => b.id), [first.body.bookingId]);
    // Without the key, a booked quote is not booked again.
    const again = await call('POST', `/rider/quotes/${quoteId}/book`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'CONFLICT');

    const bookingId = first.body.bookingId as string;
    assert.equal((await call('GET', `/rider/bookings/${bookingId}`, undefined, otherToken)).status, 404);
    const booking = await eventually('the confirmed booking', async () => {
      const found = await bookingOf(bookingId);
      return found.status === 'CONFIRMED' || found.status === 'FAILED' ? found : undefined;
    });
    assert.equal(booking.status, 'CONFIRMED', JSON.stringify(booking));
    assert.equal(booking.fare.quoted, quote.price.value);
    assert.equal(booking.fare.confirmed, quote.price.value);
    assert.equal(booking.currency, 'INR');
    assert.equal(booking.paymentTerms.collected_by, 'BPP', 'paid on fulfilment (the default), the provider collects');
    assert.ok(Array.isArray(booking.cancellationTerms) && booking.cancellationTerms.length > 0);
    assert.equal(booking.error, null);

    // The BAP's booking matches our BPP's: its order id, the ride's OTP and driver.
    const [bppRide] = await flow.rows<{ otp: string; status: string }>(
      `SELECT r.otp, b.status FROM atlas_driver_offer_bpp.ride r JOIN atlas_driver_offer_bpp.booking b ON b.id = r.booking_id WHERE b.id = $1`,
      [booking.bppOrderId],
    );
    assert.ok(bppRide, 'the BPP confirmed the same order');
    assert.equal(booking.ride.otp, bppRide.otp);
    assert.equal(booking.ride.state, 'RIDE_ASSIGNED');
    // The driver's number as the BPP's on_confirm gave it (none, or masked), never another.
    const onConfirm = await eventually('our BPP on_confirm in the message log', async () =>
      (await flow.net.records()).find((r) => r.direction === 'outbound' && r.role === 'bpp' && r.action === 'on_confirm' && JSON.parse(r.raw_body).message?.order?.id === booking.bppOrderId),
    );
    const sentPhone = JSON.parse(onConfirm.raw_body).message.order.fulfillments[0].agent?.contact?.phone ?? null;
    assert.deepEqual(booking.ride.driver, { name: 'Ravi Kumar', phone: sentPhone });
    assert.deepEqual(booking.ride.vehicle, { number: driver.registration, variant: 'SEDAN' });
    assert.equal(booking.ride.history.length, 1);
    assert.equal(booking.ride.history[0].state, 'RIDE_ASSIGNED');
    assert.equal(booking.ride.finalFare, null);
    assert.equal(booking.cancellation, null);

    // Every step's callback was applied once, in the search's transaction.
    const applied = await flow.rows<{ action: string }>(
      `SELECT action FROM atlas_app.callback_record WHERE transaction_id = $1 AND outcome = 'APPLIED' AND bpp_id = $2 ORDER BY received_at`,
      [transactionId, flow.net.ourBpp.id],
    );
    assert.deepEqual(applied.map((r) => r.action), ['on_search', 'on_select', 'on_init', 'on_confirm']);
  });

  it('NACKs an on_select for another item (20005) or above the estimate (21003) and keeps the quote pending; an error on_select fails it', async () => {
    const { searchId, transactionId } = await search({ lat: 12.9, lon: 77.6 }, { lat: 12.95, lon: 77.58 });
    const searched = await sentToFake('search', transactionId);
    assert.equal((await fromFakeBpp('on_search', answer(searched, 'on_search', 'X16'))).status, 200);
    const estimates = await eventually('the fake BPP estimates', async () => {
      const view = await call('GET', `/rider/searches/${searchId}`);
      const found = (view.body.estimates as any[]).filter((e) => e.bppId === flow.net.bpp.subscriberId);
      return found.length === 2 ? found : undefined;
    });
    const auto = estimates.find((e) => e.itemId === 'I1');
    const sedan = estimates.find((e) => e.itemId === 'I2');

    const selected = await call('POST', `/rider/estimates/${auto.id}/select`);
    assert.equal(selected.status, 202, JSON.stringify(selected.body));
    const select = await sentToFake('select', transactionId);
    checkSent(select, 'select');
    assert.deepEqual(select.body.message, { order: { provider: { id: 'P1' }, items: [{ id: 'I1' }] } });
    const onSelect = (mutate: (body: any) => void = () => undefined) =>
      answer(select, 'on_select', 'X17', (body) => {
        body.message.order.quote.ttl = 'PT300S';
        mutate(body);
      });

    expectNack(await fromFakeBpp('on_select', onSelect((b) => (b.message.order.items[0].id = 'I2'))), '20005');
    expectNack(await fromFakeBpp('on_select', onSelect((b) => (b.message.order.provider.id = 'P9'))), '20003');
    expectNack(await fromFakeBpp('on_select', onSelect((b) => (b.message.order.quote.price.value = '177'))), '21003');
    const pending = await quoteOf(searchId, selected.body.quoteId);
    assert.equal(pending.status, 'PENDING');
    assert.equal(pending.price, null);
    assert.equal((await call('POST', `/rider/quotes/${selected.body.quoteId}/book`)).status, 409);

    // A consistent on_select (146 within 136..176) is the quote.
    assert.equal((await fromFakeBpp('on_select', onSelect())).status, 200);
    const received = await quoteOf(searchId, selected.body.quoteId);
    assert.equal(received.status, 'RECEIVED');
    assert.deepEqual(received.price, { value: '146', currency: 'INR' });

    // No driver for the sedan: the BPP answers 90203 and the quote fails with it.
    const sedanSelected = await call('POST', `/rider/estimates/${sedan.id}/select`);
    const sedanSelect = await flow.net.bpp.waitFor((m) => m.action === 'select' && (m.body.message as any).order.items[0].id === 'I2' && m.body.context.transaction_id === transactionId);
    const failed = await fromFakeBpp('on_select', {
      context: { ...sedanSelect.body.context, action: 'on_select', timestamp: new Date().toISOString() },
      error: { type: 'DOMAIN-ERROR', code: '90203', message: 'no driver available for the selected ride' },
    });
    assert.equal(failed.status, 200, JSON.stringify(failed.body));
    const failedQuote = await quoteOf(searchId, sedanSelected.body.quoteId);
    assert.equal(failedQuote.status, 'FAILED');
    assert.deepEqual(failedQuote.error, { code: '90203', message: 'no driver available for the selected ride' });
    assert.equal((await call('POST', `/rider/quotes/${sedanSelected.body.quoteId}/book`)).status, 409);
  });

  it('books through init and confirm: a raised on_init and an on_confirm we never asked for are NACKed; the consistent ones confirm', async () => {
    const { transactionId, quoteId } = await quotedByFake({ lat: 12.91, lon: 77.61 });

    const booked = await call('POST', `/rider/quotes/${quoteId}/book`);
    assert.equal(booked.status, 202, JSON.stringify(booked.body));
    const { bookingId } = booked.body;
    assert.equal((await bookingOf(bookingId)).status, 'INITIATING');
    const init = await sentToFake('init', transactionId);
    checkSent(init, 'init');
    const draft = (init.body.message as any).order;
    assert.deepEqual(draft.provider, { id: 'P1' });
    assert.deepEqual(draft.items, [{ id: 'I1' }]);
    assert.deepEqual(draft.billing, { name: 'Asha Rao' });
    assert.equal(draft.fulfillments[0].id, 'F1');
    assert.deepEqual(draft.fulfillments[0].customer, { person: { name: 'Asha Rao' }, contact: { phone: mobile } });
    assert.deepEqual(draft.fulfillments[0].vehicle, { category: 'AUTO_RICKSHAW', variant: 'AUTO_RICKSHAW' });
    assert.deepEqual(draft.fulfillments[0].stops.map((s: any) => s.type), ['START', 'END']);
    assert.equal(draft.payments[0].collected_by, 'BPP');
    assert.equal(draft.payments[0].status, 'NOT-PAID');

    expectNack(await fromFakeBpp('on_init', answer(init, 'on_init', 'X13', (b) => (b.message.order.quote.price.value = '146.01'))), '21003');
    assert.equal((await bookingOf(bookingId)).status, 'INITIATING');
    assert.equal((await fromFakeBpp('on_init', answer(init, 'on_init', 'X13'))).status, 200);
    const confirming = await bookingOf(bookingId);
    assert.equal(confirming.status, 'CONFIRMING');
    assert.equal(confirming.paymentTerms.id, 'PA1');

    const confirm = await sentToFake('confirm', transactionId);
    checkSent(confirm, 'confirm');
    assert.equal((confirm.body.message as any).order.payments[0].id, 'PA1');
    assert.deepEqual((confirm.body.message as any).order.billing, { name: 'Asha Rao' });

    // An on_confirm answering no confirm of ours, then one for another provider: NACKed, nothing changes.
    expectNack(await fromFakeBpp('on_confirm', answer(confirm, 'on_confirm', 'X10', (b) => (b.context.message_id = randomUUID()))), '20008');
    expectNack(await fromFakeBpp('on_confirm', answer(confirm, 'on_confirm', 'X10', (b) => (b.message.order.provider.id = 'P9'))), '20003');
    const still = await bookingOf(bookingId);
    assert.equal(still.status, 'CONFIRMING');
    assert.equal(still.ride, null);

    const onConfirm = answer(confirm, 'on_confirm', 'X10');
    assert.equal((await fromFakeBpp('on_confirm', onConfirm)).status, 200);
    // The same on_confirm again is a duplicate: ACKed, applied once.
    assert.equal((await fromFakeBpp('on_confirm', onConfirm)).status, 200);
    const confirmed = await bookingOf(bookingId);
    assert.equal(confirmed.status, 'CONFIRMED');
    assert.equal(confirmed.bppOrderId, 'O1');
    assert.deepEqual(confirmed.fare, { quoted: '146', confirmed: '146', final: null });
    assert.equal(confirmed.ride.otp, '234234');
    assert.equal(confirmed.ride.state, 'RIDE_ASSIGNED');
    assert.deepEqual(confirmed.ride.driver, { name: 'Jason Roy', phone: '9856798567' });
    assert.deepEqual(confirmed.ride.vehicle, { number: 'KA-01-AD-9876', variant: 'AUTO_RICKSHAW' });
    assert.equal(confirmed.ride.history.length, 1);
    const rides = await flow.rows('SELECT id FROM atlas_app.ride WHERE booking_id = $1', [bookingId]);
    assert.equal(rides.length, 1);
  });

  it('fails the booking with the BPP code when on_init is an error', async () => {
    const { transactionId, quoteId } = await quotedByFake({ lat: 12.92, lon: 77.62 });
    const { bookingId } = (await call('POST', `/rider/quotes/${quoteId}/book`)).body;
    const init = await sentToFake('init', transactionId);
    const failed = await fromFakeBpp('on_init', {
      context: { ...init.body.context, action: 'on_init', timestamp: new Date().toISOString() },
      error: { type: 'DOMAIN-ERROR', code: '90203', message: 'no driver assigned to the selected ride yet' },
    });
    assert.equal(failed.status, 200, JSON.stringify(failed.body));
    const booking = await bookingOf(bookingId);
    assert.equal(booking.status, 'FAILED');
    assert.deepEqual(booking.error, { code: '90203', message: 'no driver assigned to the selected ride yet' });
    assert.equal(booking.ride, null);
    assert.equal((await call('GET', `/rider/bookings/${bookingId}`, undefined, otherToken)).status, 404);
  });

  it('fails the quote, or the booking, whose select or init the BPP refuses with a NACK', async () => {
    const refuse = new Set(['select', 'init']);
    const nack = (code: string) => ({ status: 400, body: { message: { ack: { status: 'NACK' } }, error: { type: 'DOMAIN-ERROR', code, message: 'refused' } } });
    const { searchId, transactionId, auto } = await searchedFake({ lat: 12.93, lon: 77.63 });
    try {
      flow.net.bpp.respond = (m) => (refuse.has(m.action) && m.body.context.transaction_id === transactionId ? nack('30004') : { status: 200, body: { message: { ack: { status: 'ACK' } } } });
      const refused = (await call('POST', `/rider/estimates/${auto.id}/select`)).body.quoteId;
      const failedQuote = await eventually('the refused quote failed', async () => {
        const found = await quoteOf(searchId, refused);
        return found.status === 'FAILED' ? found : undefined;
      });
      assert.equal(failedQuote.error.code, '30004');

      refuse.delete('select');
      const { quoteId } = (await call('POST', `/rider/estimates/${auto.id}/select`)).body;
      const selects = () => flow.net.bpp.received.filter((m) => m.action === 'select' && m.body.context.transaction_id === transactionId);
      const second = await eventually('the second select', async () => selects()[1]);
      assert.equal((await fromFakeBpp('on_select', answer(second, 'on_select', 'X17', (b) => (b.message.order.quote.ttl = 'PT300S')))).status, 200);
      assert.equal((await quoteOf(searchId, quoteId)).status, 'RECEIVED');
      const { bookingId } = (await call('POST', `/rider/quotes/${quoteId}/book`)).body;
      const failed = await eventually('the refused booking failed', async () => {
        const found = await bookingOf(bookingId);
        return found.status === 'FAILED' ? found : undefined;
      });
      assert.equal(failed.error.code, '30004');
    } finally {
      flow.net.bpp.respond = () => ({ status: 200, body: { message: { ack: { status: 'ACK' } } } });
    }
  });
});

describe('BAP quote view', () => {
  const pending = {
    id: 'q',
    estimate_id: 'e',
    status: 'PENDING',
    price: null,
    currency: null,
    breakup: null,
    driver_name: null,
    vehicle_number: null,
    vehicle_category: 'CAB',
    vehicle_variant: 'SEDAN',
    valid_until: null,
    error_code: null,
    error_message: null,
    created_at: new Date(1_000_000),
  } as unknown as SelectedQuote;

  it('shows a select unanswered past its ttl as EXPIRED (a later on_select is refused as late), and a pending one within it as PENDING', () => {
    assert.equal(quoteView(pending, 1_000_000 + 29_000, 30_000).status, 'PENDING');
    assert.equal(quoteView(pending, 1_000_000 + 31_000, 30_000).status, 'EXPIRED');
    assert.equal(quoteView({ ...pending, status: 'RECEIVED', price: '146.0000000000', currency: 'INR' }, 1_000_000 + 31_000, 30_000).status, 'RECEIVED');
    assert.deepEqual(quoteView({ ...pending, status: 'RECEIVED', price: '146.5000000000', currency: 'INR' }, 0, 30_000).price, { value: '146.5', currency: 'INR' });
  });
});
