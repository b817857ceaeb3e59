import assert from 'node:assert/strict';
import { startBookingFlow, type BookingFlow } from '../bpp/booking-flow.js';
import { waitFor } from '../support/wait-until.js';

/**
 * A booking paid before the ride, through our BAP and our BPP in one
 * service and the payment simulator the service started: init proposes
 * PRE-ORDER collected by the BAP, on_init leaves the booking awaiting its
 * payment, the rider pays on the payment page, and only the charge sends
 * the confirm, which carries the payment PAID to the BPP.
 */
describe('BAP booking paid before the ride (PRE-ORDER): the charge sends the confirm', function () {
  this.timeout(180_000);
  let flow: BookingFlow;
  let token: string;

  const call = async (method: string, path: string, body?: unknown, bearer: string = token) => {
    const response = await fetch(flow.net.app.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> => waitFor(what, probe, { timeoutMs, intervalMs: 100 });
  const bookingOf = async (bookingId: string) => (await call('GET', `/rider/bookings/${bookingId}`)).body;

  /** A quote from our BPP's sedan, its driver having accepted the offer. */
  const receivedQuote = async (pickup: { lat: number; lon: number }) => {
    const driver = await flow.addSedan({ lat: pickup.lat + 0.001, lon: pickup.lon + 0.001 });
    const started = await call('POST', '/rider/searches', { pickup, drop: { lat: 12.97, lon: 77.59 } });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const { searchId } = started.body;
    const estimate = await eventually('a sedan estimate from our BPP', async () => {
      const view = await call('GET', `/rider/searches/${searchId}`);
      return (view.body.estimates as any[]).find((e) => e.bppId === flow.net.ourBpp.id && e.vehicle.variant === 'SEDAN');
    });
    const { quoteId } = (await call('POST', `/rider/estimates/${estimate.id}/select`)).body;
    const offer = await eventually('the ride offer', async () => ((await call('GET', '/driver/ride-offers', undefined, driver.token)).body.offers as { id: string }[])[0]);
    assert.equal((await call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, driver.token)).status, 200);
    const quote = await eventually('the received quote', async () => {
      const quotes = (await call('GET', `/rider/searches/${searchId}/quotes`)).body.quotes as any[];
      const found = quotes.find((q) => q.id === quoteId);
      return found?.status === 'PENDING' ? undefined : found;
    });
    assert.equal(quote.status, 'RECEIVED', JSON.stringify(quote));
    return quote as { id: string; price: { value: string; currency: string } };
  };

  before(async () => {
    flow = await startBookingFlow();
    const created = await call('POST', '/admin/riders', { name: 'Meera Iyer', mobile_number: `+9196${String(Date.now()).slice(-8)}` }, flow.net.app.ctx.config.secrets.adminToken);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    token = created.body.token;
  });
  after(async () => {
    await flow?.close();
  });

  it('waits for the payment after on_init, and confirms with the payment PAID once the rider paid', async () => {
    const quote = await receivedQuote({ lat: 12.931, lon: 77.621 });
    const booked = await call('POST', `/rider/quotes/${quote.id}/book`, { paymentType: 'PRE-ORDER' });
    assert.equal(booked.status, 202, JSON.stringify(booked.body));
    const { bookingId } = booked.body;

    const awaiting = await eventually('the booking awaiting its payment', async () => {
      const view = await bookingOf(bookingId);
      return view.status === 'INITIATING' ? undefined : view;
    });
    assert.equal(awaiting.status, 'AWAITING_PAYMENT', JSON.stringify(awaiting));
    assert.equal(awaiting.paymentTerms.collected_by, 'BAP');
    assert.equal(awaiting.paymentTerms.type, 'PRE-ORDER');
    const [sent] = await flow.rows<{ confirm_message_id: string | null }>('SELECT confirm_message_id FROM atlas_app.booking WHERE id = $1', [bookingId]);
    assert.equal(sent?.confirm_message_id, null, 'no confirm before the payment');

    const payment = await call('POST', `/rider/bookings/${bookingId}/payment`);
    assert.equal(payment.status, 201, JSON.stringify(payment.body));
    assert.deepEqual(payment.body.amount, { value: quote.price.value, currency: quote.price.currency });
    // The rider completes the payment page; the simulator's webhook charges the order and the charge sends the confirm.
    assert.equal((await fetch(payment.body.paymentLinks.web)).status, 200);

    const confirmed = await eventually('the confirmed booking', async () => {
      const view = await bookingOf(bookingId);
      return view.status === 'CONFIRMED' || view.status === 'FAILED' ? view : undefined;
    });
    assert.equal(confirmed.status, 'CONFIRMED', JSON.stringify(confirmed));
    assert.equal(confirmed.paymentTerms.status, 'PAID');
    assert.equal(confirmed.paymentTerms.params.amount, quote.price.value);
    assert.equal(confirmed.paymentTerms.params.currency, quote.price.currency);
    assert.ok(confirmed.paymentTerms.params.transaction_id, 'the confirm names the gateway transaction');

    const attempts = await flow.rows<{ status: string; amount: string; juspay_response: unknown; retry_count: number }>(
      `SELECT t.status, trim_scale(t.amount)::text AS amount, t.juspay_response, t.retry_count
         FROM atlas_app.payment_transaction t JOIN atlas_app.payment_order o ON o.id = t.order_id WHERE o.booking_id = $1`,
      [bookingId],
    );
    assert.equal(attempts.length, 1, JSON.stringify(attempts));
    assert.equal(attempts[0]?.status, 'CHARGED');
    assert.equal(attempts[0]?.amount, quote.price.value);
    assert.equal(attempts[0]?.retry_count, 0);
    assert.ok(attempts[0]?.juspay_response && typeof attempts[0].juspay_response === 'object', 'the gateway answer is kept');

    // Our BPP holds the booking paid, with the gateway's transaction id.
    const [{ transaction_id: transactionId } = { transaction_id: '' }] = await flow.rows<{ transaction_id: string }>('SELECT transaction_id FROM atlas_app.booking WHERE id = $1', [bookingId]);
    const [bpp] = await flow.rows<{ status: string; payment_terms: any }>(
      `SELECT b.status, b.payment_terms FROM atlas_driver_offer_bpp.booking b WHERE b.transaction_id = $1`,
      [transactionId],
    );
    assert.equal(bpp?.status, 'CONFIRMED', JSON.stringify(bpp));
    assert.equal(bpp?.payment_terms.status, 'PAID');
    assert.equal(bpp?.payment_terms.params.transaction_id, confirmed.paymentTerms.params.transaction_id);
    const confirms = await flow.rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM beckn_protocol.outbox WHERE action = 'confirm' AND transaction_id = $1`,
      [transactionId],
    );
    assert.equal(confirms[0]?.n, 1, 'one confirm');
  });

  it('cancels a booking awaiting its payment at no fee, with its payment order; a pay request afterwards is refused', async () => {
    const quote = await receivedQuote({ lat: 12.938, lon: 77.622 });
    const { bookingId } = (await call('POST', `/rider/quotes/${quote.id}/book`, { paymentType: 'PRE-ORDER' })).body;
    await eventually('the booking awaiting its payment', async () => ((await bookingOf(bookingId)).status === 'AWAITING_PAYMENT' ? true : undefined));
    const payment = await call('POST', `/rider/bookings/${bookingId}/payment`);
    assert.equal(payment.status, 201, JSON.stringify(payment.body));

    const reason = '001';
    const soft = await call('POST', `/rider/bookings/${bookingId}/cancel`, { reasonCode: reason, confirm: false });
    assert.equal(soft.status, 200, JSON.stringify(soft.body));
    assert.equal(soft.body.fee, null);
    const cancelled = await call('POST', `/rider/bookings/${bookingId}/cancel`, { reasonCode: reason, confirm: true });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'CANCELLED');
    assert.equal((await call('GET', `/rider/bookings/${bookingId}/payment`)).body.status, 'CANCELLED');
    assert.equal((await call('POST', `/rider/bookings/${bookingId}/payment`)).status, 409);
    const confirms = await flow.rows('SELECT id FROM atlas_app.booking WHERE id = $1 AND confirm_message_id IS NOT NULL', [bookingId]);
    assert.deepEqual(confirms, [], 'no confirm went out');

    // The rider completes the payment page all the same: the charge of the cancelled booking is refunded in full, and still no confirm goes out.
    assert.equal((await fetch(payment.body.paymentLinks.web)).status, 200);
    const refunded = await eventually('the late charge refunded', async () => {
      const view = (await call('GET', `/rider/bookings/${bookingId}/payment`)).body;
      return view.refunds?.[0]?.status === 'SUCCESS' ? view : undefined;
    });
    assert.equal(refunded.status, 'CHARGED');
    assert.deepEqual(refunded.refunds.map((r: any) => r.amount), [payment.body.amount]);
    assert.equal((await bookingOf(bookingId)).status, 'CANCELLED');
    assert.deepEqual(await flow.rows('SELECT id FROM atlas_app.booking WHERE id = $1 AND confirm_message_id IS NOT NULL', [bookingId]), []);
  });

  it('fails a booking not paid within its payment window, cancelling its payment order', async () => {
    const bap = flow.net.app.ctx.bap as { paymentWindowMs?: number };
    bap.paymentWindowMs = 300;
    try {
      const quote = await receivedQuote({ lat: 12.939, lon: 77.627 });
      const { bookingId } = (await call('POST', `/rider/quotes/${quote.id}/book`, { paymentType: 'PRE-ORDER' })).body;
      const ended = await eventually('the unpaid booking ended', async () => {
        const view = await bookingOf(bookingId);
        return view.status === 'FAILED' || view.status === 'CONFIRMED' ? view : undefined;
      });
      assert.equal(ended.status, 'FAILED', JSON.stringify(ended));
      assert.equal(ended.error.code, 'PAYMENT_NOT_RECEIVED');
      assert.equal((await call('POST', `/rider/bookings/${bookingId}/payment`)).status, 409);
    } finally {
      delete bap.paymentWindowMs;
    }
  });

  it('refuses a payment for a booking the provider collects at the end of the ride, and for one with no agreed fare', async () => {
    const quote = await receivedQuote({ lat: 12.933, lon: 77.625 });
    const booked = await call('POST', `/rider/quotes/${quote.id}/book`);
    assert.equal(booked.status, 202, JSON.stringify(booked.body));
    const { bookingId } = booked.body;
    const refusedEarly = await call('POST', `/rider/bookings/${bookingId}/payment`);
    const confirmed = await eventually('the confirmed booking', async () => {
      const view = await bookingOf(bookingId);
      return view.status === 'CONFIRMED' || view.status === 'FAILED' ? view : undefined;
    });
    assert.equal(confirmed.status, 'CONFIRMED', JSON.stringify(confirmed));
    assert.equal(confirmed.paymentTerms.collected_by, 'BPP');
    assert.equal(refusedEarly.status, 409, JSON.stringify(refusedEarly.body));
    const refused = await call('POST', `/rider/bookings/${bookingId}/payment`);
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.match(refused.body.error.message, /provider collects/);
    assert.deepEqual(await flow.rows('SELECT id FROM atlas_app.payment_order WHERE booking_id = $1', [bookingId]), []);
  });

  it('refuses a payment type it does not know with a 400 and books nothing', async () => {
    const quote = await receivedQuote({ lat: 12.936, lon: 77.628 });
    const refused = await call('POST', `/rider/quotes/${quote.id}/book`, { paymentType: 'PRE_PAID' });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'VALIDATION_FAILED');
    assert.deepEqual(await flow.rows('SELECT id FROM atlas_app.booking WHERE quote_id = $1', [quote.id]), []);
  });
});
