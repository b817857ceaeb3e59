import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { bapPayment, drop, gps, startBookingFlow, type BookingFlow } from './booking-flow.js';

describe('BPP init -> on_init and confirm -> on_confirm', function () {
  this.timeout(180_000);
  let flow: BookingFlow;
  let merchantId = '';
  const addSedan: BookingFlow['addSedan'] = (...args) => flow.addSedan(...args);
  const send: BookingFlow['send'] = (...args) => flow.send(...args);
  const selectSedan: BookingFlow['selectSedan'] = (...args) => flow.selectSedan(...args);
  const draftOrder: BookingFlow['draftOrder'] = (...args) => flow.draftOrder(...args);
  const rows: BookingFlow['rows'] = (sql, bind) => flow.rows(sql, bind);
  const net = { toOurBpp: (...args: Parameters<BookingFlow['net']['toOurBpp']>) => flow.net.toOurBpp(...args) };

  before(async () => {
    flow = await startBookingFlow();
    merchantId = flow.merchantId;
  });
  after(async () => {
    await flow?.close();
  });

  it('books the assigned driver: on_init with quote, payment and cancellation terms, on_confirm with driver, vehicle and OTP', async () => {
    const driver = await addSedan({ lat: 12.931, lon: 77.621 });
    const selection = await selectSedan({ lat: 12.93, lon: 77.62 }, driver);

    const onInit = await send('init', net.toOurBpp({ transaction_id: selection.transactionId }), draftOrder(selection, bapPayment));
    assert.equal(onInit.body.error, undefined);
    const draft = (onInit.body.message as any).order;
    assert.equal(draft.items[0].id, selection.itemId);
    assert.equal(draft.quote.price.value, selection.price.value, 'the quote is the estimate total');
    assert.deepEqual(draft.quote.breakup, selection.selected.quote.breakup);
    assert.equal(draft.fulfillments[0].vehicle.variant, 'SEDAN');
    assert.deepEqual(draft.fulfillments[0].stops, selection.selected.fulfillments[0].stops);
    assert.equal(draft.payments[0].collected_by, 'BAP');
    assert.deepEqual(draft.payments[0].tags, bapPayment.tags, "the BAP's terms are kept");
    const fees = Object.fromEntries(
      draft.cancellation_terms.map((t: any) => [t.fulfillment_state.descriptor.code, t.cancellation_fee.amount.value]),
    );
    assert.deepEqual(fees, { RIDE_ASSIGNED: '30.00', RIDE_ENROUTE_PICKUP: '0.00', RIDE_ARRIVED_PICKUP: '50.00', RIDE_STARTED: '0.00' });
    const [booking] = await rows<{ id: string; status: string; quote_value: string; payment_collected_by: string }>(
      `SELECT b.id, b.status, trim_scale(b.quote_value)::text AS quote_value, b.payment_collected_by
         FROM atlas_driver_offer_bpp.booking b JOIN atlas_driver_offer_bpp.allocation a ON a.id = b.allocation_id WHERE a.estimate_id = $1`,
      [selection.itemId],
    );
    assert.equal(booking?.status, 'NEW');
    assert.equal(Number(booking.quote_value), Number(selection.price.value));
    assert.equal(booking.payment_collected_by, 'BAP');
    const lines = await rows<{ amount: string }>('SELECT amount::text FROM atlas_driver_offer_bpp.booking_fare_line WHERE booking_id = $1 AND code <> $2', [
      booking.id,
      'TOTAL',
    ]);
    assert.ok(lines.length > 0);
    assert.equal(lines.reduce((total, line) => total + Number(line.amount), 0).toFixed(2), Number(selection.price.value).toFixed(2));

    const confirmMessage = draftOrder(selection, { ...draft.payments[0] });
    const onConfirm = await send('confirm', net.toOurBpp({ transaction_id: selection.transactionId }), confirmMessage);
    assert.equal(onConfirm.body.error, undefined);
    const order = (onConfirm.body.message as any).order;
    assert.equal(order.id, booking.id);
    assert.equal(order.status, 'ACTIVE');
    const fulfillment = order.fulfillments[0];
    assert.equal(fulfillment.state.descriptor.code, 'RIDE_ASSIGNED');
    assert.equal(fulfillment.agent.person.name, 'Ravi Kumar');
    assert.match(fulfillment.agent.contact.phone, /^\+91\*{6}\d{4}$/, 'the driver phone is shared masked only');
    assert.deepEqual(fulfillment.vehicle, { category: 'CAB', variant: 'SEDAN', registration: driver.registration, make: 'Maruti Suzuki', model: 'Dzire' });
    assert.deepEqual(fulfillment.customer, { person: { name: 'Joe Adams' }, contact: { phone: '9876556789' } }, 'the rider as init named them');
    const start = fulfillment.stops.find((s: { type: string }) => s.type === 'START');
    assert.equal(start.authorization.type, 'OTP');
    assert.match(start.authorization.token, /^\d{4}$/);
    const [ride] = await rows<{ otp: string; driver_id: string; status: string }>('SELECT otp, driver_id, status FROM atlas_driver_offer_bpp.ride WHERE booking_id = $1', [
      booking.id,
    ]);
    assert.deepEqual(ride, { otp: start.authorization.token, driver_id: driver.id, status: 'NEW' });
    assert.equal((await rows<{ status: string }>('SELECT status FROM atlas_driver_offer_bpp.booking WHERE id = $1', [booking.id]))[0]?.status, 'CONFIRMED');

    // A second confirm (a fresh message) is answered from the stored booking and ride.
    const again = await send('confirm', net.toOurBpp({ transaction_id: selection.transactionId }), confirmMessage);
    assert.deepEqual(again.body.message, onConfirm.body.message);
    assert.equal((await rows('SELECT id FROM atlas_driver_offer_bpp.ride WHERE booking_id = $1', [booking.id])).length, 1);
  });

  it('answers init with 90203 while no driver has accepted, and creates no booking', async () => {
    await addSedan({ lat: 13.051, lon: 77.621 });
    const selection = await selectSedan({ lat: 13.05, lon: 77.62 });
    const onInit = await send('init', net.toOurBpp({ transaction_id: selection.transactionId }), draftOrder(selection, bapPayment));
    assert.equal(onInit.body.message, undefined);
    assert.equal((onInit.body.error as { code: string }).code, '90203');
    const bookings = await rows(
      'SELECT b.id FROM atlas_driver_offer_bpp.booking b JOIN atlas_driver_offer_bpp.allocation a ON a.id = b.allocation_id WHERE a.estimate_id = $1',
      [selection.itemId],
    );
    assert.equal(bookings.length, 0);
  });

  it('answers 30004 to a confirm for an order nobody initialised', async () => {
    const unknown = { itemId: randomUUID(), providerId: merchantId, selected: { fulfillments: [{ id: 'F1', stops: [{ type: 'START', location: { gps: gps(drop) } }] }] } };
    const onConfirm = await send('confirm', net.toOurBpp(), draftOrder(unknown, { ...bapPayment, id: 'PA1' }));
    assert.equal(onConfirm.body.message, undefined);
    assert.equal((onConfirm.body.error as { code: string }).code, '30004');
  });
});
