import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type { LatLon } from '../../src/bpp/domain/index.js';
import { registerBpp, type BppOptions } from '../../src/bpp/index.js';
import { allocationWindowMs, createAllocationBatchJob } from '../../src/bpp/allocation/index.js';
import { createBecknValidator } from '../../src/protocol/schemas/index.js';
import { parseAuthorizationHeader, verifyParsedAuthorization } from '../../src/protocol/signing/index.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import type { ReceivedMessage } from '../support/fake-participant.js';
import { waitForProtocolIdle } from '../support/protocol-idle.js';
import { waitFor } from '../support/wait-until.js';

type Variant = 'SEDAN' | 'AUTO_RICKSHAW';

const drop: LatLon = { lat: 12.97, lon: 77.59 };
const gps = (p: LatLon) => `${p.lat}, ${p.lon}`;
const square = (lon: number, lat: number, size: number): [number, number][] => [
  [lon, lat],
  [lon + size, lat],
  [lon + size, lat + size],
  [lon, lat + size],
  [lon, lat],
];

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

interface Driver {
  id: string;
  token: string;
  name: string;
  registration: string;
  mobile: string;
}

/**
 * A merchant in std:080 served by our BPP, with drivers the test places
 * through the operator and driver APIs, and signed search/select from the
 * fake BAP. Each scenario uses its own pickup, far enough (over 10 km) from
 * the others that their drivers never meet.
 */
function network(options: BppOptions) {
  const state = { net: undefined as unknown as BecknHarness, merchantId: '', cityId: '' };
  const validator = createBecknValidator();

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
  const rows = <T extends object>(sql: string, bind: unknown[]) => state.net.app.ctx.sequelize.query<T>(sql, { type: QueryTypes.SELECT, bind });

  /** A driver with a vehicle and a token, online at `at`. */
  const addDriver = async (variant: Variant, at: LatLon): Promise<Driver> => {
    const name = `Driver ${randomUUID().slice(0, 8)}`;
    const mobile = `+9197${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    const driver = await operator('POST', '/provider/drivers', { merchant_id: state.merchantId, name, mobile_number: mobile });
    const registration = `KA05${randomUUID().slice(0, 6).toUpperCase()}`;
    await operator('POST', '/provider/vehicles', {
      driver_id: driver.id,
      registration_no: registration,
      category: variant === 'AUTO_RICKSHAW' ? 'AUTO_RICKSHAW' : 'CAB',
      variant,
      capacity: variant === 'AUTO_RICKSHAW' ? 3 : 4,
    });
    const { token } = await operator('POST', `/provider/drivers/${driver.id}/tokens`);
    const online = await call('POST', '/driver/status', { online: true }, token);
    assert.equal(online.status, 200, JSON.stringify(online.body));
    const located = await call('POST', '/driver/location', { points: [{ ...at, ts: Date.now() }] }, token);
    assert.equal(located.status, 200, JSON.stringify(located.body));
    return { id: driver.id as string, token: token as string, name, registration, mobile };
  };

  /** Checks a callback of our BPP for its signature and schema. */
  const checkCallback = (callback: ReceivedMessage, action: string) => {
    assert.equal(callback.action, action);
    const header = parseAuthorizationHeader(String(callback.headers.authorization));
    assert.ok(verifyParsedAuthorization(header, callback.raw, state.net.app.ctx.config.secrets.signingPublicKey).ok, `${action} signed by our BPP key`);
    assert.deepEqual(validator.validate(action as never, callback.body), []);
  };

  /** Posts a signed request from the fake BAP (ACK expected); its message_id. */
  const post = async (action: 'search' | 'select', context: Record<string, unknown>, message: unknown): Promise<string> => {
    const body: { context: Record<string, unknown>; message: unknown } = {
      context: { domain: 'ONDC:TRV10', action, version: '2.0.1', location: { city: { code: 'std:080' }, country: { code: 'IND' } }, ...context },
      message,
    };
    const answer = await state.net.bap.post(`${state.net.ourBpp.url}/${action}`, body);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return body.context.message_id as string;
  };

  /** The callbacks the BAP received for a request so far. */
  const callbacksOf = (messageId: string) => state.net.bap.received.filter((m) => m.body.context.message_id === messageId);

  /** Waits for the callback of a request and checks its signature and schema. */
  const callbackOf = async (messageId: string, action: string, timeoutMs = 30_000) => {
    const callback = await state.net.bap.waitFor((m) => m.body.context.message_id === messageId, timeoutMs);
    checkCallback(callback, action);
    return callback;
  };

  /** Searches from `pickup`; the RIDE item id of `variant` and the transaction id. */
  const searchItem = async (pickup: LatLon, variant: Variant) => {
    const context = state.net.toOurBpp();
    const messageId = await post('search', context, {
      intent: {
        fulfillment: { stops: [{ type: 'START', location: { gps: gps(pickup) } }, { type: 'END', location: { gps: gps(drop) } }] },
        payment: { collected_by: 'BPP' },
      },
    });
    const callback = await callbackOf(messageId, 'on_search');
    const provider = (callback.body.message as any).catalog.providers[0];
    const item = provider.items.find(
      (i: { fulfillment_ids: string[] }) => provider.fulfillments.find((f: { id: string }) => f.id === i.fulfillment_ids[0]).vehicle.variant === variant,
    );
    assert.ok(item, `on_search offers ${variant}`);
    return { itemId: item.id as string, price: item.price, providerId: provider.id as string, transactionId: context.transaction_id as string };
  };

  /** Sends select; its message_id (the on_select, if any, comes later). */
  const select = (s: { transactionId: string; itemId: string; providerId: string }) =>
    post('select', state.net.toOurBpp({ transaction_id: s.transactionId }), { order: { provider: { id: s.providerId }, items: [{ id: s.itemId }] } });

  const allocationOf = async (estimateId: string) =>
    (
      await rows<{ id: string; status: string; driver_id: string | null; batch: number }>(
        'SELECT id, status, driver_id, batch FROM atlas_driver_offer_bpp.allocation WHERE estimate_id = $1',
        [estimateId],
      )
    )[0];
  const offerStatuses = async (allocationId: string) =>
    (await rows<{ driver_id: string; status: string }>('SELECT driver_id, status FROM atlas_driver_offer_bpp.ride_offer WHERE allocation_id = $1', [allocationId])).reduce<
      Record<string, string>
    >((all, row) => ({ ...all, [row.driver_id]: row.status }), {});
  const offerBatches = async (allocationId: string) =>
    (await rows<{ driver_id: string; batch: number }>('SELECT driver_id, batch FROM atlas_driver_offer_bpp.ride_offer WHERE allocation_id = $1', [allocationId])).reduce<
      Record<string, number>
    >((all, row) => ({ ...all, [row.driver_id]: row.batch }), {});
  const driverStatus = async (driverId: string) =>
    (await rows<{ status: string }>('SELECT status FROM atlas_driver_offer_bpp.driver WHERE id = $1', [driverId]))[0]?.status;

  const openOffers = async (driver: Driver) => {
    const answer = await call('GET', '/driver/ride-offers', undefined, driver.token);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.offers as { id: string; allocation_id: string; distance_to_pickup_meters: number; fare: { value: string } }[];
  };
  /** Polls until `probe` gives a value. */
  const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> =>
    waitFor(what, probe, { timeoutMs, intervalMs: 100 });
  /** Once this returns, every message handled and every callback queued so far was delivered. */
  const idle = () => waitForProtocolIdle(state.net.app.ctx);
  /** The driver's open offer of the allocation of `itemId`, once there is one. */
  const offerOf = (driver: Driver, itemId: string) =>
    eventually(`an offer of ${itemId} to ${driver.name}`, async () => {
      const allocation = await allocationOf(itemId);
      return allocation ? (await openOffers(driver)).find((offer) => offer.allocation_id === allocation.id) : undefined;
    });
  const allocated = (itemId: string) => eventually(`the allocation of ${itemId}`, () => allocationOf(itemId));

  const start = async () => {
    state.net = await startBecknHarness({ beforeStart: (ctx) => registerBpp(ctx, options) });
    const merchant = await operator('POST', '/provider/merchants', {
      name: 'Allocation Cabs',
      subscriber_id: state.net.ourBpp.id,
      cities: [{ city_code: 'std:080', currency: 'INR' }],
    });
    state.merchantId = merchant.id;
    state.cityId = merchant.cities[0].id;
    for (const variant of ['SEDAN', 'AUTO_RICKSHAW']) await operator('PUT', `/provider/fare-policies/${state.cityId}/${variant}`, policyBody);
  };

  return {
    state,
    call,
    operator,
    rows,
    addDriver,
    checkCallback,
    callbacksOf,
    callbackOf,
    searchItem,
    select,
    allocationOf,
    offerStatuses,
    offerBatches,
    driverStatus,
    openOffers,
    offerOf,
    allocated,
    eventually,
    idle,
    start,
  };
}

/** The on_select order must name `driver` and their vehicle. */
function assertNamesDriver(order: any, driver: Driver, variant: Variant) {
  const masked = `${driver.mobile.slice(0, 3)}${'*'.repeat(driver.mobile.length - 7)}${driver.mobile.slice(-4)}`;
  assert.deepEqual(order.fulfillments[0].agent, { person: { name: driver.name }, contact: { phone: masked } }, 'the driver, their phone number masked');
  assert.deepEqual(order.fulfillments[0].vehicle, {
    category: variant === 'AUTO_RICKSHAW' ? 'AUTO_RICKSHAW' : 'CAB',
    variant,
    registration: driver.registration,
  });
}

describe('BPP select -> ride offers in batches -> on_select with the driver', function () {
  this.timeout(180_000);
  const t = network({ batchSize: 2 });

  before(() => t.start());
  after(async () => {
    await t.state.net?.close();
  });

  it('answers select only once a driver accepted: of two racing drivers exactly one wins and exactly one on_select names them', async () => {
    const pickup = { lat: 12.93, lon: 77.62 };
    const near = await t.addDriver('SEDAN', { lat: 12.931, lon: 77.621 });
    const far = await t.addDriver('SEDAN', { lat: 12.94, lon: 77.63 });
    const selection = await t.searchItem(pickup, 'SEDAN');

    const messageId = await t.select(selection);
    const offers = [await t.offerOf(near, selection.itemId), await t.offerOf(far, selection.itemId)] as const;
    assert.ok(offers[0].distance_to_pickup_meters < offers[1].distance_to_pickup_meters);
    assert.equal(offers[0].fare.value, selection.price.value);
    await t.idle();
    assert.deepEqual(t.callbacksOf(messageId), [], 'no on_select while no driver accepted');

    const answers = await Promise.all([near, far].map((d, i) => t.call('POST', `/driver/ride-offers/${offers[i as 0 | 1].id}/accept`, undefined, d.token)));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
    const winner = answers[0]?.status === 200 ? near : far;
    const loser = winner === near ? far : near;
    const allocation = await t.allocationOf(selection.itemId);
    assert.ok(allocation);
    assert.equal(allocation.status, 'ASSIGNED');
    assert.equal(allocation.driver_id, winner.id);
    assert.deepEqual(await t.offerStatuses(allocation.id), { [winner.id]: 'ACCEPTED', [loser.id]: 'TAKEN' });
    assert.equal(await t.driverStatus(winner.id), 'ON_RIDE');
    assert.equal(await t.driverStatus(loser.id), 'ONLINE');

    const onSelect = await t.callbackOf(messageId, 'on_select');
    assert.equal(onSelect.body.context.transaction_id, selection.transactionId);
    assert.equal(onSelect.body.error, undefined);
    const order = (onSelect.body.message as any).order;
    assert.equal(order.items[0].id, selection.itemId);
    assert.deepEqual(order.items[0].price, selection.price);
    assert.equal(order.quote.price.value, selection.price.value);
    const breakupTotal = order.quote.breakup.reduce((total: number, line: { price: { value: string } }) => total + Number(line.price.value), 0);
    assert.equal(breakupTotal.toFixed(2), Number(selection.price.value).toFixed(2), 'the breakup adds up to the quoted price');
    assertNamesDriver(order, winner, 'SEDAN');

    // Accepting again changes nothing; the loser has no open offer left; the BAP got one on_select.
    const again = await t.call('POST', `/driver/ride-offers/${offers[0].id}/accept`, undefined, near.token);
    assert.equal(again.status, 409);
    assert.deepEqual(await t.openOffers(loser), []);
    assert.equal((await t.allocationOf(selection.itemId))?.driver_id, winner.id);
    await t.idle();
    assert.equal(t.callbacksOf(messageId).length, 1, 'exactly one on_select');
    assert.equal(t.state.net.bap.received.filter((m) => m.action === 'on_select' && m.body.context.transaction_id === selection.transactionId).length, 1);

    // A repeated select of the assigned ride is answered at once with the same driver.
    const repeat = await t.select(selection);
    const repeated = await t.callbackOf(repeat, 'on_select');
    assertNamesDriver((repeated.body.message as any).order, winner, 'SEDAN');
  });

  it('offers the next batch, nearest first, once the whole first batch declined; a repeated select is answered by the pending on_select', async () => {
    const pickup = { lat: 12.7, lon: 77.62 };
    const first = await t.addDriver('SEDAN', { lat: 12.7005, lon: 77.6205 });
    const second = await t.addDriver('SEDAN', { lat: 12.702, lon: 77.622 });
    const third = await t.addDriver('SEDAN', { lat: 12.71, lon: 77.63 });
    const selection = await t.searchItem(pickup, 'SEDAN');
    const firstSelect = await t.select(selection);

    const firstOffer = await t.offerOf(first, selection.itemId);
    const secondOffer = await t.offerOf(second, selection.itemId);
    assert.deepEqual(await t.openOffers(third), [], 'the third driver is not in the first batch');
    const allocation = await t.allocationOf(selection.itemId);
    assert.equal(allocation?.batch, 1);

    // A repeated select while looking for a driver gets no answer of its own yet.
    const secondSelect = await t.select(selection);
    await t.idle();
    assert.deepEqual(t.callbacksOf(secondSelect), []);

    assert.equal((await t.call('POST', `/driver/ride-offers/${firstOffer.id}/decline`, undefined, first.token)).status, 200);
    assert.deepEqual(await t.openOffers(third), [], 'one open offer keeps the batch going');
    assert.equal((await t.call('POST', `/driver/ride-offers/${secondOffer.id}/decline`, undefined, second.token)).status, 200);

    const thirdOffer = await t.offerOf(third, selection.itemId);
    assert.deepEqual(await t.offerBatches(allocation.id), { [first.id]: 1, [second.id]: 1, [third.id]: 2 });
    assert.equal((await t.allocationOf(selection.itemId))?.batch, 2);
    assert.deepEqual(await t.openOffers(first), [], 'a driver who declined gets no second offer');
    assert.equal((await t.call('POST', `/driver/ride-offers/${thirdOffer.id}/accept`, undefined, third.token)).status, 200);

    const onSelect = await t.callbackOf(secondSelect, 'on_select');
    assertNamesDriver((onSelect.body.message as any).order, third, 'SEDAN');
    await t.idle();
    assert.deepEqual(t.callbacksOf(firstSelect), [], 'the latest select is the one answered');
    assert.deepEqual(await t.offerStatuses(allocation.id), { [first.id]: 'DECLINED', [second.id]: 'DECLINED', [third.id]: 'ACCEPTED' });
  });

  it('lets a driver decline; a declined or foreign offer cannot be accepted', async () => {
    const pickup = { lat: 13.05, lon: 77.62 };
    const driver = await t.addDriver('AUTO_RICKSHAW', { lat: 13.051, lon: 77.621 });
    const stranger = await t.addDriver('SEDAN', { lat: 13.052, lon: 77.622 });
    const selection = await t.searchItem(pickup, 'AUTO_RICKSHAW');
    await t.select(selection);

    const offer = await t.offerOf(driver, selection.itemId);
    assert.deepEqual(await t.openOffers(stranger), [], 'a sedan gets no auto offer');
    assert.equal((await t.call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, stranger.token)).status, 404);
    assert.equal((await t.call('POST', `/driver/ride-offers/${randomUUID()}/decline`, undefined, driver.token)).status, 404);

    const declined = await t.call('POST', `/driver/ride-offers/${offer.id}/decline`, undefined, driver.token);
    assert.equal(declined.status, 200, JSON.stringify(declined.body));
    assert.equal((await t.call('POST', `/driver/ride-offers/${offer.id}/decline`, undefined, driver.token)).status, 409);
    assert.equal((await t.call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, driver.token)).status, 409);
    assert.deepEqual(await t.openOffers(driver), []);
    const allocation = await t.allocationOf(selection.itemId);
    assert.equal(allocation?.status, 'SEARCHING', 'nobody else to offer, but the window is still open');
    assert.deepEqual(await t.offerStatuses(allocation.id), { [driver.id]: 'DECLINED' });
    assert.equal(await t.driverStatus(driver.id), 'ONLINE');
  });

  it('answers 30004 at once for an item no search offered', async () => {
    const messageId = await t.select({ transactionId: randomUUID(), itemId: randomUUID(), providerId: t.state.merchantId });
    const onSelect = await t.callbackOf(messageId, 'on_select');
    assert.equal(onSelect.body.message, undefined);
    assert.equal((onSelect.body.error as { code: string }).code, '30004');
  });

  it('answers 90203 at once when no driver of the variant is available any more', async () => {
    const pickup = { lat: 12.8, lon: 77.62 };
    const driver = await t.addDriver('SEDAN', { lat: 12.801, lon: 77.621 });
    const selection = await t.searchItem(pickup, 'SEDAN');
    assert.equal((await t.call('POST', '/driver/status', { online: false }, driver.token)).status, 200);

    const onSelect = await t.callbackOf(await t.select(selection), 'on_select');
    assert.equal(onSelect.body.message, undefined);
    assert.equal((onSelect.body.error as { code: string }).code, '90203');
    assert.equal(await t.allocationOf(selection.itemId), undefined);
  });
});

describe('BPP allocation: special-location queue priority', function () {
  this.timeout(180_000);
  const t = network({ batchSize: 1 });

  before(() => t.start());
  after(async () => {
    await t.state.net?.close();
  });

  it('offers drivers queued at the gates of the pickup location and its linked locations first, queue by pickup priority, then the nearest', async () => {
    // The metro (priority 1) is linked from the airport (priority 2) that holds the pickup; both have a queue gate.
    const metro = await t.operator('POST', '/provider/special-locations', {
      merchant_operating_city_id: t.state.cityId,
      name: 'Metro',
      category: 'SureMetro',
      geometry: { type: 'Polygon', coordinates: [square(77.64, 12.59, 0.02)] },
      gates: [{ name: 'Metro queue', point: { lat: 12.601, lon: 77.646 }, polygon: { type: 'Polygon', coordinates: [square(77.645, 12.6, 0.002)] }, can_queue_up_on_gate: true }],
      priority: { pickup_priority: 1, drop_priority: 1 },
    });
    await t.operator('POST', '/provider/special-locations', {
      merchant_operating_city_id: t.state.cityId,
      name: 'Airport',
      category: 'SureAirport',
      geometry: { type: 'Polygon', coordinates: [square(77.61, 12.59, 0.02)] },
      linked_location_ids: [metro.id],
      gates: [
        { name: 'Airport queue', point: { lat: 12.605, lon: 77.625 }, polygon: { type: 'Polygon', coordinates: [square(77.624, 12.604, 0.002)] }, can_queue_up_on_gate: true },
        { name: 'Airport drop-off', point: { lat: 12.595, lon: 77.615 }, polygon: { type: 'Polygon', coordinates: [square(77.614, 12.594, 0.002)] } },
      ],
      priority: { pickup_priority: 2, drop_priority: 2 },
    });
    const pickup = { lat: 12.6, lon: 77.62 };
    const nearest = await t.addDriver('SEDAN', { lat: 12.6005, lon: 77.6205 });
    const atDropOff = await t.addDriver('SEDAN', { lat: 12.595, lon: 77.615 });
    const airportQueue = await t.addDriver('SEDAN', { lat: 12.605, lon: 77.625 });
    const metroQueue = await t.addDriver('SEDAN', { lat: 12.601, lon: 77.646 });
    const selection = await t.searchItem(pickup, 'SEDAN');
    const messageId = await t.select(selection);

    // One driver per batch: metro queue, airport queue, then the rest nearest first (a gate without a queue is no queue).
    for (const expected of [metroQueue, airportQueue, nearest, atDropOff]) {
      const offer = await t.offerOf(expected, selection.itemId);
      for (const other of [metroQueue, airportQueue, nearest, atDropOff].filter((d) => d !== expected)) {
        assert.equal((await t.openOffers(other)).length, 0, `only ${expected.name} has an open offer`);
      }
      if (expected === atDropOff) {
        assert.equal((await t.call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, expected.token)).status, 200);
      } else {
        assert.equal((await t.call('POST', `/driver/ride-offers/${offer.id}/decline`, undefined, expected.token)).status, 200);
      }
    }
    const allocation = await t.allocationOf(selection.itemId);
    assert.deepEqual(await t.offerBatches(allocation!.id), { [metroQueue.id]: 1, [airportQueue.id]: 2, [nearest.id]: 3, [atDropOff.id]: 4 });
    assertNamesDriver(((await t.callbackOf(messageId, 'on_select')).body.message as any).order, atDropOff, 'SEDAN');
  });
});

describe('BPP allocation window', function () {
  this.timeout(180_000);
  const t = network({ batchSize: 1, offerExpiryMs: 1_000, allocationWindowMs: 4_000 });

  before(() => t.start());
  after(async () => {
    await t.state.net?.close();
  });

  it('keeps the window within the select ttl and the configured maximum', () => {
    assert.equal(allocationWindowMs('PT30S', 60_000), 27_000, 'ends before the ttl, leaving time for on_select');
    assert.equal(allocationWindowMs('PT30S', 60_000, 5_000), 22_000, 'counted from the select\'s timestamp');
    assert.equal(allocationWindowMs('PT2S', 60_000), 1_000, 'never shorter than a second');
    assert.equal(allocationWindowMs('PT2M', 60_000), 60_000);
    assert.equal(allocationWindowMs(undefined, 60_000), 60_000);
    assert.equal(allocationWindowMs('P120S', 60_000), 60_000, 'not an ISO duration: the maximum');
  });

  it('offers the next batch when the offers of a batch expire', async () => {
    const pickup = { lat: 12.5, lon: 77.62 };
    const first = await t.addDriver('SEDAN', { lat: 12.5005, lon: 77.6205 });
    const second = await t.addDriver('SEDAN', { lat: 12.503, lon: 77.623 });
    const selection = await t.searchItem(pickup, 'SEDAN');
    const messageId = await t.select(selection);
    const expired = await t.offerOf(first, selection.itemId);
    assert.deepEqual(await t.openOffers(second), []);

    const offer = await t.offerOf(second, selection.itemId);
    const allocation = await t.allocationOf(selection.itemId);
    assert.deepEqual(await t.offerStatuses(allocation!.id), { [first.id]: 'EXPIRED', [second.id]: 'OFFERED' });
    assert.equal((await t.call('POST', `/driver/ride-offers/${expired.id}/accept`, undefined, first.token)).status, 409);
    assert.equal((await t.call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, second.token)).status, 200);
    assertNamesDriver(((await t.callbackOf(messageId, 'on_select')).body.message as any).order, second, 'SEDAN');
  });

  it('fails the allocation at the end of the window and answers the select with 90203, once', async () => {
    const pickup = { lat: 12.4, lon: 77.62 };
    const driver = await t.addDriver('SEDAN', { lat: 12.401, lon: 77.621 });
    const selection = await t.searchItem(pickup, 'SEDAN');
    const started = Date.now();
    const messageId = await t.select(selection);
    const offer = await t.offerOf(driver, selection.itemId);

    const onSelect = await t.callbackOf(messageId, 'on_select', 30_000);
    assert.ok(Date.now() - started >= 3_000, 'not before the window ends');
    assert.equal(onSelect.body.message, undefined);
    assert.equal((onSelect.body.error as { code: string }).code, '90203');
    assert.equal(onSelect.body.context.transaction_id, selection.transactionId);
    const allocation = await t.allocationOf(selection.itemId);
    assert.equal(allocation?.status, 'FAILED');
    assert.equal(allocation?.driver_id, null);
    assert.deepEqual(await t.offerStatuses(allocation!.id), { [driver.id]: 'EXPIRED' });
    assert.equal((await t.call('POST', `/driver/ride-offers/${offer.id}/accept`, undefined, driver.token)).status, 409);
    assert.deepEqual(await t.openOffers(driver), []);
    assert.equal(await t.driverStatus(driver.id), 'ONLINE');

    // The job running again (at-least-once delivery) changes nothing and answers nothing more.
    const { ctx } = t.state.net.app;
    const job = createAllocationBatchJob({
      sequelize: ctx.sequelize,
      driverLocations: ctx.driverLocations,
      scheduler: ctx.scheduler,
      sender: ctx.beckn.protocol.sender,
      logger: ctx.logger,
    });
    await job({ id: randomUUID(), type: 'bpp.allocation-batch', payload: { allocationId: allocation!.id }, attempt: 2, scheduledFor: Date.now() });
    await t.idle();
    assert.equal(t.callbacksOf(messageId).length, 1, 'one on_select');
    assert.equal((await t.allocationOf(selection.itemId))?.status, 'FAILED');
  });
});

describe('BPP allocation: a Closed special location', function () {
  this.timeout(180_000);
  const t = network({ batchSize: 1, offerExpiryMs: 1_000, allocationWindowMs: 4_000 });

  before(() => t.start());
  after(async () => {
    await t.state.net?.close();
  });

  it('offers a pickup inside it only to the drivers queued at its gates, never to a nearer driver outside the queue', async () => {
    await t.operator('POST', '/provider/special-locations', {
      merchant_operating_city_id: t.state.cityId,
      location_name: 'Closed Airport',
      location_type: 'Closed',
      category: 'SureAirport',
      geometry: { type: 'Polygon', coordinates: [square(77.6, 13.29, 0.02)] },
      gates: [{ name: 'Taxi queue', point: { lat: 13.306, lon: 77.616 }, polygon: { type: 'Polygon', coordinates: [square(77.615, 13.305, 0.002)] }, can_queue_up_on_gate: true }],
    });
    const pickup = { lat: 13.3, lon: 77.61 };
    const nearest = await t.addDriver('SEDAN', { lat: 13.3005, lon: 77.6105 });
    const queued = await t.addDriver('SEDAN', { lat: 13.306, lon: 77.616 });
    const selection = await t.searchItem(pickup, 'SEDAN');
    const messageId = await t.select(selection);

    const offer = await t.offerOf(queued, selection.itemId);
    assert.equal((await t.call('POST', `/driver/ride-offers/${offer.id}/decline`, undefined, queued.token)).status, 200);
    // With the only queued driver declined, the allocation fails rather than reach past the queue.
    const onSelect = await t.callbackOf(messageId, 'on_select');
    assert.equal((onSelect.body.error as { code: string }).code, '90203');
    const allocation = await t.allocationOf(selection.itemId);
    assert.equal(allocation?.status, 'FAILED');
    assert.deepEqual(await t.offerBatches(allocation!.id), { [queued.id]: 1 }, 'the nearer driver outside the queue was never offered the ride');
    assert.deepEqual(await t.openOffers(nearest), []);
  });
});
