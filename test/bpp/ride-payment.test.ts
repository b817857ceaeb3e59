import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LatLon } from '../../src/bpp/domain/index.js';
import type { ReceivedMessage } from '../support/fake-participant.js';
import { bapPayment, startBookingFlow, type BookingFlow, type Selection } from './booking-flow.js';

/** Pickups more than the 5 km offer radius apart, so each test's drivers only see their own ride. */
const pickups: Record<string, LatLon> = {
  preOrder: { lat: 12.75, lon: 77.45 },
  refused: { lat: 12.75, lon: 77.55 },
  cash: { lat: 12.75, lon: 77.65 },
  bapOnFulfillment: { lat: 12.75, lon: 77.75 },
};

/** The rider side collects before the ride. */
const preOrderPayment = { collected_by: 'BAP', type: 'PRE-ORDER', status: 'NOT-PAID' };
/** The provider collects at the end of the ride (cash to the driver). */
const cashPayment = { collected_by: 'BPP', type: 'ON-FULFILLMENT', status: 'NOT-PAID' };

/** "146.00" -> "146", "146.50" -> "146.5": trailing fraction zeros dropped. */
const trimZeros = (value: string) => (value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value);
/** The same amount written differently: "146" <-> "146.00", "146.50" -> "146.5". */
const respell = (value: string) => (trimZeros(value) === value ? `${value}${value.includes('.') ? '' : '.'}00` : trimZeros(value));

describe('BPP payments carried in Beckn messages', function () {
  this.timeout(240_000);
  let flow: BookingFlow;

  before(async () => {
    flow = await startBookingFlow();
  });
  after(async () => {
    await flow?.close();
  });

  /** A sedan driver near `pickup` accepts and the BAP inits with `payment`: the selection, the on_init draft and the driver. */
  const initialised = async (pickup: LatLon, payment: Record<string, unknown>) => {
    const driver = await flow.addSedan({ lat: pickup.lat + 0.001, lon: pickup.lon + 0.001 });
    const selection = await flow.selectSedan(pickup, driver);
    const onInit = await flow.send('init', flow.net.toOurBpp({ transaction_id: selection.transactionId }), flow.draftOrder(selection, payment));
    assert.equal(onInit.body.error, undefined, JSON.stringify(onInit.body.error));
    const draft = (onInit.body.message as any).order;
    return { driver, selection, draft };
  };
  const confirm = (selection: Selection, payment: Record<string, unknown>) =>
    flow.send('confirm', flow.net.toOurBpp({ transaction_id: selection.transactionId }), flow.draftOrder(selection, payment));
  const bookingOf = async (itemId: string) =>
    (
      await flow.rows<{ id: string; status: string; payment_terms: any }>(
        `SELECT b.id, b.status, b.payment_terms FROM atlas_driver_offer_bpp.booking b
           JOIN atlas_driver_offer_bpp.allocation a ON a.id = b.allocation_id WHERE a.estimate_id = $1`,
        [itemId],
      )
    )[0];
  const ridesOf = (bookingId: string) => flow.rows<{ id: string }>('SELECT id FROM atlas_driver_offer_bpp.ride WHERE booking_id = $1', [bookingId]);
  const orderOf = (callback: ReceivedMessage) => {
    assert.equal(callback.body.error, undefined, JSON.stringify(callback.body.error));
    return (callback.body.message as any).order;
  };

  it('confirms a PRE-ORDER paid by the BAP with the quoted amount, and every later answer carries PAID with its transaction id', async () => {
    const { selection, draft } = await initialised(pickups.preOrder!, preOrderPayment);
    assert.equal(draft.payments[0].type, 'PRE-ORDER');
    assert.equal(draft.payments[0].status, 'NOT-PAID');
    const transactionId = `TXN-${randomUUID()}`;
    const paid = { ...draft.payments[0], status: 'PAID', params: { transaction_id: transactionId, amount: respell(draft.quote.price.value), currency: 'INR' } };
    assert.notEqual(paid.params.amount, draft.quote.price.value, 'the amount is the quote written differently');

    const onConfirm = await confirm(selection, paid);
    const order = orderOf(onConfirm);
    assert.equal(order.status, 'ACTIVE');
    assert.equal(order.payments[0].status, 'PAID');
    assert.deepEqual(order.payments[0].params, paid.params);
    assert.equal(order.payments[0].id, draft.payments[0].id);
    assert.equal(order.payments[0].collected_by, 'BAP');
    assert.equal(order.payments[0].type, 'PRE-ORDER');
    const booking = await bookingOf(selection.itemId);
    assert.equal(booking?.status, 'CONFIRMED');
    assert.equal(booking.payment_terms.status, 'PAID');
    assert.equal(booking.payment_terms.params.transaction_id, transactionId);
    assert.equal((await ridesOf(booking.id)).length, 1);

    const again = await confirm(selection, paid);
    assert.deepEqual(again.body.message, onConfirm.body.message, 'a repeated confirm answers the same');
    assert.equal((await ridesOf(booking.id)).length, 1);

    const status = orderOf(await flow.send('status', flow.net.toOurBpp({ transaction_id: selection.transactionId }), { order_id: order.id }));
    assert.deepEqual(status.payments, order.payments, 'status carries the payment as confirmed');
  });

  it('refuses a PRE-ORDER confirm not PAID, without transaction_id or with another amount or currency with 40004, and changes nothing', async () => {
    const { selection, draft } = await initialised(pickups.refused!, preOrderPayment);
    const quoted = draft.quote.price.value as string;
    const params = { transaction_id: `TXN-${randomUUID()}`, amount: quoted, currency: 'INR' };
    const refusals: [string, Record<string, unknown>][] = [
      ['not paid', { ...draft.payments[0], status: 'NOT-PAID', params }],
      ['no transaction_id', { ...draft.payments[0], status: 'PAID', params: { amount: quoted, currency: 'INR' } }],
      ['a wrong amount', { ...draft.payments[0], status: 'PAID', params: { ...params, amount: `${trimZeros(quoted)}1` } }],
      ['an amount finer than the currency', { ...draft.payments[0], status: 'PAID', params: { ...params, amount: trimZeros(quoted).includes('.') ? `${trimZeros(quoted)}001` : `${quoted}.001` } }],
      ['no amount', { ...draft.payments[0], status: 'PAID', params: { transaction_id: params.transaction_id, currency: 'INR' } }],
      ['another currency', { ...draft.payments[0], status: 'PAID', params: { ...params, currency: 'USD' } }],
    ];
    for (const [what, payment] of refusals) {
      const onConfirm = await confirm(selection, payment);
      assert.equal(onConfirm.body.message, undefined, what);
      assert.equal((onConfirm.body.error as { code: string } | undefined)?.code, '40004', what);
      const booking = await bookingOf(selection.itemId);
      assert.equal(booking?.status, 'NEW', `${what}: the booking stays NEW`);
      assert.equal(booking.payment_terms.status, 'NOT-PAID', `${what}: the terms are as agreed at init`);
      assert.equal((await ridesOf(booking.id)).length, 0, `${what}: no ride`);
    }

    // The refusals left the order confirmable.
    const order = orderOf(await confirm(selection, { ...draft.payments[0], status: 'PAID', params }));
    assert.equal(order.payments[0].status, 'PAID');
  });

  it('records the cash the driver collects at the ride end once, as CHARGED, and reports it PAID from RIDE_ENDED on', async () => {
    const pickup = pickups.cash!;
    const { driver, selection, draft } = await initialised(pickup, cashPayment);
    const onConfirm = orderOf(await confirm(selection, { ...draft.payments[0] }));
    assert.equal(onConfirm.payments[0].status, 'NOT-PAID', 'an ON-FULFILLMENT payment confirms unpaid');
    assert.equal(onConfirm.payments[0].collected_by, 'BPP');
    const [ride] = await flow.rows<{ id: string; otp: string }>('SELECT id, otp FROM atlas_driver_offer_bpp.ride WHERE booking_id = $1', [onConfirm.id]);
    assert.ok(ride);
    const move = (what: string, body?: unknown) => flow.call('POST', `/driver/rides/${ride.id}/${what}`, body, driver.token);
    assert.equal((await move('arrived')).status, 200);
    assert.equal((await move('start', { otp: ride.otp })).status, 200);
    const t0 = Date.now() - 60_000;
    const points = Array.from({ length: 4 }, (_, i) => ({ lat: pickup.lat + i * 0.005, lon: pickup.lon, ts: t0 + i * 15_000 }));
    assert.equal((await flow.call('POST', '/driver/location', { points }, driver.token)).status, 200);
    const ended = await move('end');
    assert.equal(ended.status, 200, JSON.stringify(ended.body));

    const paymentRows = async () => ({
      orders: await flow.rows<{ id: string; amount: string; currency: string; status: string; merchant_id: string }>(
        'SELECT id, trim_scale(amount)::text AS amount, currency, status, merchant_id FROM atlas_driver_offer_bpp.payment_order WHERE booking_id = $1',
        [onConfirm.id],
      ),
      transactions: await flow.rows<{ txn_uuid: string; amount: string; currency: string; status: string; payment_method_type: string; juspay_response: unknown }>(
        `SELECT t.txn_uuid, trim_scale(t.amount)::text AS amount, t.currency, t.status, t.payment_method_type, t.juspay_response
           FROM atlas_driver_offer_bpp.payment_transaction t JOIN atlas_driver_offer_bpp.payment_order o ON o.id = t.order_id WHERE o.booking_id = $1`,
        [onConfirm.id],
      ),
    });
    const [stored] = await flow.rows<{ final_fare: string }>('SELECT trim_scale(final_fare)::text AS final_fare FROM atlas_driver_offer_bpp.ride WHERE id = $1', [ride.id]);
    assert.ok(stored?.final_fare);
    assert.equal(trimZeros(ended.body.final_fare.value), stored.final_fare);
    const first = await paymentRows();
    assert.equal(first.orders.length, 1, 'one payment order');
    assert.deepEqual(
      { amount: first.orders[0]!.amount, currency: first.orders[0]!.currency, status: first.orders[0]!.status, merchant: first.orders[0]!.merchant_id },
      { amount: stored.final_fare, currency: 'INR', status: 'CHARGED', merchant: flow.merchantId },
    );
    assert.equal(first.transactions.length, 1, 'one payment transaction');
    const [txn] = first.transactions;
    assert.deepEqual(
      { amount: txn!.amount, currency: txn!.currency, status: txn!.status, method: txn!.payment_method_type, response: txn!.juspay_response },
      { amount: stored.final_fare, currency: 'INR', status: 'CHARGED', method: 'CASH', response: null },
    );

    const pushed = await flow.net.bap.waitFor(
      (m) => m.action === 'on_status' && m.body.context.transaction_id === selection.transactionId && (m.body.message as any)?.order?.fulfillments?.[0]?.state?.descriptor?.code === 'RIDE_ENDED',
      30_000,
    );
    flow.checkCallback(pushed, 'on_status');
    const rideEnded = orderOf(pushed);
    const expectedParams = { amount: ended.body.final_fare.value, currency: 'INR', transaction_id: txn!.txn_uuid };
    assert.equal(rideEnded.payments[0].status, 'PAID');
    assert.deepEqual(rideEnded.payments[0].params, expectedParams);
    assert.equal(rideEnded.payments[0].collected_by, 'BPP');
    assert.equal(rideEnded.quote.price.value, expectedParams.amount, 'the payment is the final fare the order quotes');

    assert.equal((await move('end')).status, 409, 'ending twice');
    const status = orderOf(await flow.send('status', flow.net.toOurBpp({ transaction_id: selection.transactionId }), { order_id: onConfirm.id }));
    assert.equal(status.payments[0].status, 'PAID');
    assert.deepEqual(status.payments[0].params, expectedParams);
    assert.deepEqual(await paymentRows(), first, 'no second payment row');
  });

  it('leaves an ON-FULFILLMENT payment collected by the BAP NOT-PAID at confirm and ride end, recording no payment', async () => {
    const { driver, selection, order, ride } = await flow.confirmedRide(pickups.bapOnFulfillment!);
    assert.equal(order.payments[0].status, 'NOT-PAID');
    assert.equal(order.payments[0].params, undefined);
    const move = async (what: string, body?: unknown) => assert.equal((await flow.call('POST', `/driver/rides/${ride.id}/${what}`, body, driver.token)).status, 200, what);
    await move('arrived');
    await move('start', { otp: ride.otp });
    await move('end');
    const pushed = await flow.net.bap.waitFor(
      (m) => m.action === 'on_status' && m.body.context.transaction_id === selection.transactionId && (m.body.message as any)?.order?.fulfillments?.[0]?.state?.descriptor?.code === 'RIDE_ENDED',
      30_000,
    );
    assert.deepEqual(orderOf(pushed).payments, order.payments, 'the payment as confirmed');
    assert.equal((await flow.rows('SELECT id FROM atlas_driver_offer_bpp.payment_order WHERE booking_id = $1', [order.id])).length, 0);
  });
});
