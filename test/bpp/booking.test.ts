import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type { LatLon } from '../../src/bpp/domain/index.js';
import { registerBpp } from '../../src/bpp/index.js';
import { createBecknValidator, type BecknAction, type BecknValidator } from '../../src/protocol/schemas/index.js';
import { parseAuthorizationHeader, verifyParsedAuthorization } from '../../src/protocol/signing/index.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import type { ReceivedMessage } from '../support/fake-participant.js';

const drop: LatLon = { lat: 12.97, lon: 77.59 };
const gps = (p: LatLon) => `${p.lat}, ${p.lon}`;

const policyBody = {
  base_distance_meters: 2000,
  base_fare: '60',
  per_km: '14',
  per_minute: '1.5',
  waiting_free_minutes: 3,
  waiting_charge_per_minute: '2',
  pickup_charge: '20',
  cancellation_fees: { RIDE_ASSIGNED: '30', RIDE_ARRIVED_PICKUP: '50' },
  currency: 'INR',
};

const bapPayment = {
  collected_by: 'BAP',
  type: 'ON-FULFILLMENT',
  status: 'NOT-PAID',
  tags: [{ descriptor: { code: 'SETTLEMENT_TERMS' }, display: false, list: [{ descriptor: { code: 'SETTLEMENT_WINDOW' }, value: 'PT60M' }] }],
};

describe('BPP init -> on_init and confirm -> on_confirm', function () {
  this.timeout(180_000);
  let net: BecknHarness;
  let validator: BecknValidator;
  let merchantId = '';

  const call = async (method: string, path: string, body: unknown, token: string) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(net.app.baseUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: response.status, body: (await response.json()) as any };
  };
  const operator = async (method: string, path: string, body?: unknown) => {
    const answer = await call(method, path, body, net.app.ctx.config.secrets.adminToken);
    assert.ok(answer.status === 200 || answer.status === 201, `${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };

  const addSedan = async (at: LatLon) => {
    const driver = await operator('POST', '/provider/drivers', {
      merchant_id: merchantId,
      name: 'Ravi Kumar',
      mobile_number: `+9197${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
    });
    const registration = `KA05${randomUUID().slice(0, 6).toUpperCase()}`;
    await operator('POST', '/provider/vehicles', { driver_id: driver.id, registration_no: registration, category: 'CAB', variant: 'SEDAN', capacity: 4 });
    const { token } = await operator('POST', `/provider/drivers/${driver.id}/tokens`);
    assert.equal((await call('POST', '/driver/status', { online: true }, token)).status, 200);
    assert.equal((await call('POST', '/driver/location', { points: [{ ...at, ts: Date.now() }] }, token)).status, 200);
    return { id: driver.id as string, token: token as string, registration };
  };

  /** Sends a signed request from the fake BAP and returns our BPP's callback, checked for its signature and schema. */
  const send = async (action: 'search' | 'select' | 'init' | 'confirm', context: Record<string, unknown>, message: unknown): Promise<ReceivedMessage> => {
    const body: { context: Record<string, unknown>; message: unknown } = {
      context: { domain: 'ONDC:TRV10', action, version: '2.0.1', location: { city: { code: 'std:080' }, country: { code: 'IND' } }, ...context },
      message,
    };
    const answer = await net.bap.post(`${net.ourBpp.url}/${action}`, body);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const callback = await net.bap.waitFor((m) => m.body.context.message_id === body.context.message_id, 30_000);
    assert.equal(callback.action, `on_${action}`);
    const header = parseAuthorizationHeader(String(callback.headers.authorization));
    assert.ok(verifyParsedAuthorization(header, callback.raw, net.app.ctx.config.secrets.signingPublicKey).ok, `on_${action} signed by our BPP key`);
    assert.deepEqual(validator.validate(`on_${action}` as BecknAction, callback.body), []);
    return callback;
  };

  /** search and select a sedan from `pickup`; the item, its price and the transaction. */
  const selectSedan = async (pickup: LatLon) => {
    const context = net.toOurBpp();
    const transactionId = context.transaction_id as string;
    const onSearch = await send('search', context, {
      intent: {
        fulfillment: { stops: [{ type: 'START', location: { gps: gps(pickup) } }, { type: 'END', location: { gps: gps(drop) } }] },
        payment: { collected_by: 'BAP' },
      },
    });
    const provider = (onSearch.body.message as any).catalog.providers[0];
    const item = provider.items.find(
      (i: { fulfillment_ids: string[] }) => provider.fulfillments.find((f: { id: string }) => f.id === i.fulfillment_ids[0]).vehicle.variant === 'SEDAN',
    );
    assert.ok(item, 'on_search offers a sedan');
    const onSelect = await send('select', net.toOurBpp({ transaction_id: transactionId }), { order: { provider: { id: provider.id }, items: [{ id: item.id }] } });
    assert.equal(onSelect.body.error, undefined);
    return { itemId: item.id as string, price: item.price, providerId: provider.id as string, transactionId, selected: (onSelect.body.message as any).order };
  };

  const draftOrder = (s: { itemId: string; providerId: string; selected: any }, payment: Record<string, unknown>) => ({
    order: {
      provider: { id: s.providerId },
      items: [{ id: s.itemId }],
      billing: { name: 'Joe Adams' },
      fulfillments: [
        {
          id: s.selected.fulfillments[0].id,
          customer: { person: { name: 'Joe Adams' }, contact: { phone: '9876556789' } },
          stops: s.selected.fulfillments[0].stops,
          vehicle: { category: 'CAB', variant: 'SEDAN' },
        },
      ],
      payments: [payment],
    },
  });

  const rows = <T extends object>(sql: string, bind: unknown[]) => net.app.ctx.sequelize.query<T>(sql, { type: QueryTypes.SELECT, bind });

  before(async () => {
    validator = createBecknValidator();
    net = await startBecknHarness({ beforeStart: (ctx) => registerBpp(ctx) });
    const merchant = await operator('POST', '/provider/merchants', {
      name: 'Booking Cabs',
      subscriber_id: net.ourBpp.id,
      cities: [{ city_code: 'std:080', currency: 'INR' }],
    });
    merchantId = merchant.id;
    await operator('PUT', `/provider/fare-policies/${merchant.cities[0].id}/SEDAN`, policyBody);
  });
  after(async () => {
    await net?.close();
  });

  it('books the assigned driver: on_init with quote, payment and cancellation terms, on_confirm with driver, vehicle and OTP', async () => {
    const driver = await addSedan({ lat: 12.931, lon: 77.621 });
    const selection = await selectSedan({ lat: 12.93, lon: 77.62 });
    const [offer] = (await call('GET', '/driver/ride-offers', undefined, driver.token)).body.offers;
    assert.ok(offer);
    assert.equal((await call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, driver.token)).status, 200);

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
    assert.equal(fulfillment.agent.contact, undefined, 'the driver phone is not shared');
    assert.deepEqual(fulfillment.vehicle, { category: 'CAB', variant: 'SEDAN', registration: driver.registration });
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
