import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type { LatLon } from '../../src/bpp/domain/index.js';
import { registerBpp } from '../../src/bpp/index.js';
import { createBecknValidator, type BecknValidator } from '../../src/protocol/schemas/index.js';
import { parseAuthorizationHeader, verifyParsedAuthorization } from '../../src/protocol/signing/index.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import type { ReceivedMessage } from '../support/fake-participant.js';

type Variant = 'SEDAN' | 'AUTO_RICKSHAW';

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
  cancellation_fees: { RIDE_ASSIGNED: '30' },
  currency: 'INR',
};

interface Reply {
  status: number;
  body: any;
}

/**
 * A merchant in std:080 served by our BPP, with drivers the test places
 * through the operator and driver APIs, and signed search/select from the
 * fake BAP. Each scenario uses its own pickup, far enough (over 10 km) from
 * the others that their drivers never meet.
 */
function network(offerExpiryMs?: number) {
  const state = { net: undefined as unknown as BecknHarness, merchantId: '' };

  const call = async (method: string, path: string, body: unknown, token: string): Promise<Reply> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(state.net.app.baseUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: response.status, body: await response.json() };
  };
  const operator = async (method: string, path: string, body?: unknown) => {
    const answer = await call(method, path, body, state.net.app.ctx.config.secrets.adminToken);
    assert.ok(answer.status === 200 || answer.status === 201, `${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };

  /** A driver with a vehicle and a token, online at `at`. */
  const addDriver = async (variant: Variant, at: LatLon) => {
    const driver = await operator('POST', '/provider/drivers', {
      merchant_id: state.merchantId,
      name: `Driver ${variant}`,
      mobile_number: `+9197${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
    });
    await operator('POST', '/provider/vehicles', {
      driver_id: driver.id,
      registration_no: `KA05${randomUUID().slice(0, 6).toUpperCase()}`,
      category: variant === 'AUTO_RICKSHAW' ? 'AUTO_RICKSHAW' : 'CAB',
      variant,
      capacity: variant === 'AUTO_RICKSHAW' ? 3 : 4,
    });
    const { token } = await operator('POST', `/provider/drivers/${driver.id}/tokens`);
    const online = await call('POST', '/driver/status', { online: true }, token);
    assert.equal(online.status, 200, JSON.stringify(online.body));
    const located = await call('POST', '/driver/location', { points: [{ ...at, ts: Date.now() }] }, token);
    assert.equal(located.status, 200, JSON.stringify(located.body));
    return { id: driver.id as string, token: token as string };
  };

  const send = async (action: 'search' | 'select', context: Record<string, unknown>, message: unknown): Promise<ReceivedMessage> => {
    const body: { context: Record<string, unknown>; message: unknown } = {
      context: { domain: 'ONDC:TRV10', action, version: '2.0.1', location: { city: { code: 'std:080' }, country: { code: 'IND' } }, ...context },
      message,
    };
    const answer = await state.net.bap.post(`${state.net.ourBpp.url}/${action}`, body);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const callback = await state.net.bap.waitFor((m) => m.body.context.message_id === body.context.message_id, 30_000);
    assert.equal(callback.action, `on_${action}`);
    const header = parseAuthorizationHeader(String(callback.headers.authorization));
    assert.ok(verifyParsedAuthorization(header, callback.raw, state.net.app.ctx.config.secrets.signingPublicKey).ok, `on_${action} signed by our BPP key`);
    return callback;
  };

  /** Searches from `pickup`; the RIDE item id of `variant` and the transaction id. */
  const searchItem = async (pickup: LatLon, variant: Variant) => {
    const context = state.net.toOurBpp();
    const callback = await send('search', context, {
      intent: {
        fulfillment: { stops: [{ type: 'START', location: { gps: gps(pickup) } }, { type: 'END', location: { gps: gps(drop) } }] },
        payment: { collected_by: 'BPP' },
      },
    });
    const provider = (callback.body.message as any).catalog.providers[0];
    const item = provider.items.find(
      (i: { fulfillment_ids: string[] }) => provider.fulfillments.find((f: { id: string }) => f.id === i.fulfillment_ids[0]).vehicle.variant === variant,
    );
    assert.ok(item, `on_search offers ${variant}`);
    return { itemId: item.id as string, price: item.price, providerId: provider.id as string, transactionId: context.transaction_id as string };
  };

  const select = (transactionId: string, itemId: string, providerId: string) =>
    send('select', state.net.toOurBpp({ transaction_id: transactionId }), { order: { provider: { id: providerId }, items: [{ id: itemId }] } });

  const allocationOf = async (estimateId: string) => {
    const [row] = await state.net.app.ctx.sequelize.query<{ id: string; status: string; driver_id: string | null }>(
      'SELECT id, status, driver_id FROM atlas_driver_offer_bpp.allocation WHERE estimate_id = $1',
      { type: QueryTypes.SELECT, bind: [estimateId] },
    );
    return row;
  };
  const offerStatuses = async (allocationId: string) =>
    (
      await state.net.app.ctx.sequelize.query<{ driver_id: string; status: string }>(
        'SELECT driver_id, status FROM atlas_driver_offer_bpp.ride_offer WHERE allocation_id = $1',
        { type: QueryTypes.SELECT, bind: [allocationId] },
      )
    ).reduce<Record<string, string>>((all, row) => ({ ...all, [row.driver_id]: row.status }), {});
  const driverStatus = async (driverId: string) =>
    (
      await state.net.app.ctx.sequelize.query<{ status: string }>('SELECT status FROM atlas_driver_offer_bpp.driver WHERE id = $1', {
        type: QueryTypes.SELECT,
        bind: [driverId],
      })
    )[0]?.status;

  const start = async () => {
    state.net = await startBecknHarness({ beforeStart: (ctx) => registerBpp(ctx, offerExpiryMs === undefined ? {} : { offerExpiryMs }) });
    const merchant = await operator('POST', '/provider/merchants', {
      name: 'Allocation Cabs',
      subscriber_id: state.net.ourBpp.id,
      cities: [{ city_code: 'std:080', currency: 'INR' }],
    });
    state.merchantId = merchant.id;
    for (const variant of ['SEDAN', 'AUTO_RICKSHAW']) await operator('PUT', `/provider/fare-policies/${merchant.cities[0].id}/${variant}`, policyBody);
  };

  return { state, call, addDriver, searchItem, select, allocationOf, offerStatuses, driverStatus, start };
}

describe('BPP select -> on_select quote, ride offers and allocation', function () {
  this.timeout(180_000);
  const t = network();
  let validator: BecknValidator;

  before(async () => {
    validator = createBecknValidator();
    await t.start();
  });
  after(async () => {
    await t.state.net?.close();
  });

  it('answers select with a valid quote and lets exactly one of two racing drivers take the ride', async () => {
    const pickup = { lat: 12.93, lon: 77.62 };
    const near = await t.addDriver('SEDAN', { lat: 12.931, lon: 77.621 });
    const far = await t.addDriver('SEDAN', { lat: 12.94, lon: 77.63 });
    const { itemId, price, providerId, transactionId } = await t.searchItem(pickup, 'SEDAN');

    const onSelect = await t.select(transactionId, itemId, providerId);
    assert.deepEqual(validator.validate('on_select', onSelect.body), []);
    assert.equal(onSelect.body.error, undefined);
    const order = (onSelect.body.message as any).order;
    assert.equal(order.items[0].id, itemId);
    assert.deepEqual(order.items[0].price, price);
    assert.equal(order.quote.price.value, price.value);
    const breakupTotal = order.quote.breakup.reduce((total: number, line: { price: { value: string } }) => total + Number(line.price.value), 0);
    assert.equal(breakupTotal.toFixed(2), Number(price.value).toFixed(2), 'the breakup adds up to the quoted price');
    assert.equal(order.fulfillments[0].vehicle.variant, 'SEDAN');
    assert.equal(order.fulfillments[0].agent, undefined, 'no driver in on_select');

    // Both nearby sedans got an offer, nearest first in the store's order.
    const offers = await Promise.all([near, far].map(async (d) => (await t.call('GET', '/driver/ride-offers', undefined, d.token)).body.offers));
    for (const list of offers) assert.equal(list.length, 1);
    assert.ok(offers[0][0].distance_to_pickup_meters < offers[1][0].distance_to_pickup_meters);
    assert.equal(offers[0][0].fare.value, price.value);

    const answers = await Promise.all([near, far].map((d, i) => t.call('POST', `/driver/ride-offers/${offers[i][0].id}/accept`, undefined, d.token)));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
    const winner = answers[0]?.status === 200 ? near : far;
    const loser = winner === near ? far : near;
    const allocation = await t.allocationOf(itemId);
    assert.equal(allocation?.status, 'ASSIGNED');
    assert.equal(allocation?.driver_id, winner.id);
    assert.deepEqual(await t.offerStatuses(allocation.id), { [winner.id]: 'ACCEPTED', [loser.id]: 'TAKEN' });
    assert.equal(await t.driverStatus(winner.id), 'ON_RIDE');
    assert.equal(await t.driverStatus(loser.id), 'ONLINE');

    // Accepting again changes nothing; the loser has no open offer left.
    const again = await t.call('POST', `/driver/ride-offers/${offers[0][0].id}/accept`, undefined, near.token);
    assert.equal(again.status, 409);
    assert.deepEqual((await t.call('GET', '/driver/ride-offers', undefined, loser.token)).body.offers, []);
    assert.equal((await t.allocationOf(itemId))?.driver_id, winner.id);
  });

  it('lets a driver decline; a declined or foreign offer cannot be accepted', async () => {
    const pickup = { lat: 13.05, lon: 77.62 };
    const driver = await t.addDriver('AUTO_RICKSHAW', { lat: 13.051, lon: 77.621 });
    const stranger = await t.addDriver('SEDAN', { lat: 13.052, lon: 77.622 });
    const { itemId, providerId, transactionId } = await t.searchItem(pickup, 'AUTO_RICKSHAW');
    assert.equal((await t.select(transactionId, itemId, providerId)).body.error, undefined);

    const [offer] = (await t.call('GET', '/driver/ride-offers', undefined, driver.token)).body.offers;
    assert.ok(offer);
    assert.deepEqual((await t.call('GET', '/driver/ride-offers', undefined, stranger.token)).body.offers, [], 'a sedan gets no auto offer');
    assert.equal((await t.call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, stranger.token)).status, 404);
    assert.equal((await t.call('POST', `/driver/ride-offers/${randomUUID()}/decline`, undefined, driver.token)).status, 404);

    const declined = await t.call('POST', `/driver/ride-offers/${offer.id}/decline`, undefined, driver.token);
    assert.equal(declined.status, 200, JSON.stringify(declined.body));
    assert.equal((await t.call('POST', `/driver/ride-offers/${offer.id}/decline`, undefined, driver.token)).status, 409);
    assert.equal((await t.call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, driver.token)).status, 409);
    assert.deepEqual((await t.call('GET', '/driver/ride-offers', undefined, driver.token)).body.offers, []);
    const allocation = await t.allocationOf(itemId);
    assert.equal(allocation?.status, 'SEARCHING');
    assert.deepEqual(await t.offerStatuses(allocation.id), { [driver.id]: 'DECLINED' });
    assert.equal(await t.driverStatus(driver.id), 'ONLINE');
  });

  it('answers 30004 for an item no search offered', async () => {
    const onSelect = await t.select(randomUUID(), randomUUID(), t.state.merchantId);
    assert.deepEqual(validator.validate('on_select', onSelect.body), []);
    assert.equal(onSelect.body.message, undefined);
    assert.equal((onSelect.body.error as { code: string }).code, '30004');
  });

  it('answers 90203 when no driver of the variant is available any more', async () => {
    const pickup = { lat: 12.8, lon: 77.62 };
    const driver = await t.addDriver('SEDAN', { lat: 12.801, lon: 77.621 });
    const { itemId, providerId, transactionId } = await t.searchItem(pickup, 'SEDAN');
    assert.equal((await t.call('POST', '/driver/status', { online: false }, driver.token)).status, 200);

    const onSelect = await t.select(transactionId, itemId, providerId);
    assert.deepEqual(validator.validate('on_select', onSelect.body), []);
    assert.equal(onSelect.body.message, undefined);
    assert.equal((onSelect.body.error as { code: string }).code, '90203');
    assert.equal(await t.allocationOf(itemId), undefined);
  });
});

describe('BPP allocation timeout', function () {
  this.timeout(180_000);
  const t = network(1_500);

  before(() => t.start());
  after(async () => {
    await t.state.net?.close();
  });

  it('fails the allocation and expires its offers when nobody accepts in time', async () => {
    const pickup = { lat: 12.93, lon: 77.62 };
    const driver = await t.addDriver('SEDAN', { lat: 12.931, lon: 77.621 });
    const { itemId, providerId, transactionId } = await t.searchItem(pickup, 'SEDAN');
    assert.equal((await t.select(transactionId, itemId, providerId)).body.error, undefined);
    const offerId = (
      await t.state.net.app.ctx.sequelize.query<{ id: string }>(
        'SELECT o.id FROM atlas_driver_offer_bpp.ride_offer o JOIN atlas_driver_offer_bpp.allocation a ON a.id = o.allocation_id WHERE a.estimate_id = $1',
        { type: QueryTypes.SELECT, bind: [itemId] },
      )
    )[0]?.id;
    assert.ok(offerId);

    const deadline = Date.now() + 60_000;
    while ((await t.allocationOf(itemId))?.status !== 'FAILED') {
      assert.ok(Date.now() < deadline, 'the allocation failed within a minute');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const allocation = await t.allocationOf(itemId);
    assert.equal(allocation?.driver_id, null);
    assert.deepEqual(await t.offerStatuses(allocation.id), { [driver.id]: 'EXPIRED' });
    assert.equal((await t.call('POST', `/driver/ride-offers/${offerId}/accept`, undefined, driver.token)).status, 409);
    assert.deepEqual((await t.call('GET', '/driver/ride-offers', undefined, driver.token)).body.offers, []);
    assert.equal(await t.driverStatus(driver.id), 'ONLINE');
  });
});
