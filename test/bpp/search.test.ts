import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { estimateFare, formatMoney, parseMoney, type FarePolicy, type LatLon } from '../../src/bpp/domain/index.js';
import { registerBpp } from '../../src/bpp/index.js';
import { parseAuthorizationHeader, verifyParsedAuthorization } from '../../src/protocol/signing/index.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import type { ReceivedMessage } from '../support/fake-participant.js';

/** Drivers wait around here; the first pickup is among them. */
const pickup: LatLon = { lat: 12.93, lon: 77.62 };
const drop: LatLon = { lat: 12.97, lon: 77.59 };
/** Inside the airport zone, about 3 km from the drivers. */
const airportPickup: LatLon = { lat: 12.95, lon: 77.64 };
/** Nowhere near any driver. */
const remotePickup: LatLon = { lat: 13.4, lon: 77.2 };

const airportPolygon = [
  [77.635, 12.945],
  [77.645, 12.945],
  [77.645, 12.955],
  [77.635, 12.955],
  [77.635, 12.945],
];

const policyBody = (baseFare: string, perKm: string) => ({
  base_distance_meters: 2000,
  base_fare: baseFare,
  per_km: perKm,
  per_minute: '1.5',
  waiting_free_minutes: 3,
  waiting_charge_per_minute: '2',
  pickup_charge: '20',
  cancellation_fees: { RIDE_ASSIGNED: '30' },
  currency: 'INR',
});

/** The domain view of `policyBody` (no night shift, so the clock does not matter). */
const domainPolicy = (baseFare: string, perKm: string): FarePolicy => ({
  currency: 'INR',
  baseDistanceMeters: 2000,
  baseFare,
  perKmFare: perKm,
  perMinuteFare: '1.5',
  nightShift: null,
  waitingFreeMinutes: 3,
  waitingPerMinuteFare: '2',
  pickupCharge: '20',
  cancellationFees: { RIDE_ASSIGNED: '30' },
});

const fares = { SEDAN: ['60', '14'], AUTO_RICKSHAW: ['30', '15'], SUV: ['90', '20'], HATCHBACK: ['50', '12'] } as const;

function signedByUs(net: BecknHarness, callback: ReceivedMessage): boolean {
  const header = parseAuthorizationHeader(String(callback.headers.authorization));
  return verifyParsedAuthorization(header, callback.raw, net.app.ctx.config.secrets.signingPublicKey).ok;
}

interface Item {
  id: string;
  descriptor: { code: string };
  fulfillment_ids: string[];
  price: { currency: string; value: string; minimum_value: string; maximum_value: string };
  tags: { descriptor: { code: string }; list: { descriptor: { code: string }; value: string }[] }[];
}

const tagValues = (item: Item, group: string): Record<string, string> =>
  Object.fromEntries((item.tags.find((t) => t.descriptor.code === group)?.list ?? []).map((entry) => [entry.descriptor.code, entry.value]));

describe('BPP search -> on_search catalog of estimates', function () {
  this.timeout(120_000);
  let net: BecknHarness;

  const operator = async (method: string, path: string, body: unknown) => {
    const response = await fetch(net.app.baseUrl + path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${net.app.ctx.config.secrets.adminToken}` },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as any;
    assert.ok(response.status === 200 || response.status === 201, `${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };

  /** A driver with a vehicle; online and located when `at` is given. */
  const addDriver = async (merchantId: string, variant: keyof typeof fares, at: LatLon | null, online: boolean) => {
    const driver = await operator('POST', '/provider/drivers', {
      merchant_id: merchantId,
      name: `Driver ${variant}`,
      mobile_number: `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
    });
    await operator('POST', '/provider/vehicles', {
      driver_id: driver.id,
      registration_no: `KA01${randomUUID().slice(0, 6).toUpperCase()}`,
      category: variant === 'AUTO_RICKSHAW' ? 'AUTO_RICKSHAW' : 'CAB',
      variant,
      capacity: variant === 'AUTO_RICKSHAW' ? 3 : 4,
    });
    if (online) await net.app.ctx.bppModels.Driver.update({ status: 'ONLINE' }, { where: { id: driver.id } });
    if (at) await net.app.ctx.driverLocations.update(driver.id, { ...at, ts: Date.now() });
    return driver.id as string;
  };

  const search = async (from: LatLon | string, to: LatLon, cityCode = 'std:080'): Promise<ReceivedMessage> => {
    const gps = (p: LatLon) => `${p.lat}, ${p.lon}`;
    const body: { context: Record<string, unknown>; message: unknown } = {
      context: {
        domain: 'ONDC:TRV10',
        action: 'search',
        version: '2.0.1',
        location: { city: { code: cityCode }, country: { code: 'IND' } },
        ...net.toOurBpp(),
      },
      message: {
        intent: {
          fulfillment: {
            stops: [
              { type: 'start', location: { gps: typeof from === 'string' ? from : gps(from) } },
              { type: 'END', location: { gps: gps(to) } },
            ],
          },
          payment: { collected_by: 'BPP' },
        },
      },
    };
    const answer = await net.bap.post(`${net.ourBpp.url}/search`, body);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const callback = await net.bap.waitFor((m) => m.body.context.message_id === body.context.message_id, 30_000);
    assert.equal(callback.action, 'on_search');
    assert.equal(callback.body.context.bpp_id, net.ourBpp.id);
    assert.ok(signedByUs(net, callback), 'on_search signed by our BPP key');
    return callback;
  };

  const expected = async (variant: keyof typeof fares, from: LatLon, inSpecialLocation: boolean) => {
    const route = await net.app.ctx.routePlanner.route(from, drop);
    const [baseFare, perKm] = fares[variant];
    const policy = domainPolicy(baseFare, perKm);
    return estimateFare(inSpecialLocation ? policy : { ...policy, pickupCharge: '0' }, {
      ...route,
      at: new Date(),
      ...(inSpecialLocation ? { pickupChargeExtra: parseMoney('50', 'INR') } : {}),
    });
  };

  before(async () => {
    net = await startBecknHarness({ beforeStart: (ctx) => registerBpp(ctx) });
    const merchant = await operator('POST', '/provider/merchants', {
      name: 'Namma Cabs',
      subscriber_id: net.ourBpp.id,
      cities: [{ city_code: 'std:080', currency: 'INR' }],
    });
    const cityId = merchant.cities[0].id as string;
    for (const [variant, [baseFare, perKm]] of Object.entries(fares)) {
      await operator('PUT', `/provider/fare-policies/${cityId}/${variant}`, policyBody(baseFare, perKm));
    }
    await operator('POST', '/provider/special-locations', {
      merchant_operating_city_id: cityId,
      name: 'Airport',
      category: 'SureAirport',
      geometry: { type: 'Polygon', coordinates: [airportPolygon] },
      gates: [
        { name: 'Arrivals gate A', point: { lat: 12.951, lon: 77.641 }, can_queue_up_on_gate: true, default_driver_extra: '50' },
        { name: 'Cargo gate', point: { lat: 12.946, lon: 77.644 }, can_queue_up_on_gate: false, default_driver_extra: '50' },
      ],
      priority: { pickup_priority: 1, drop_priority: 1 },
    });
    await addDriver(merchant.id, 'SEDAN', { lat: 12.931, lon: 77.621 }, true);
    await addDriver(merchant.id, 'SEDAN', { lat: 12.94, lon: 77.63 }, true);
    await addDriver(merchant.id, 'AUTO_RICKSHAW', { lat: 12.929, lon: 77.618 }, true);
    // Near but offline, and online but 19 km away: neither variant is offered.
    await addDriver(merchant.id, 'SUV', { lat: 12.932, lon: 77.622 }, false);
    await addDriver(merchant.id, 'HATCHBACK', { lat: 13.1, lon: 77.6 }, true);
  });
  after(async () => {
    await net?.close();
  });

  it('offers one RIDE item per variant with an online driver nearby, priced by the fare policy', async () => {
    const callback = await search(pickup, drop);
    const provider = (callback.body.message as any).catalog.providers[0];
    const items = provider.items as Item[];
    const variants = items.map((item) => {
      const fulfillment = provider.fulfillments.find((f: { id: string }) => f.id === item.fulfillment_ids[0]);
      assert.deepEqual(
        fulfillment.stops.map((s: { type: string }) => s.type),
        ['START', 'END'],
      );
      return fulfillment.vehicle.variant as keyof typeof fares;
    });
    assert.deepEqual(variants.sort(), ['AUTO_RICKSHAW', 'SEDAN']);
    for (const [index, item] of items.entries()) {
      const variant = variants[index] as keyof typeof fares;
      const fare = await expected(variant, pickup, false);
      assert.equal(item.descriptor.code, 'RIDE');
      assert.deepEqual(item.price, {
        currency: 'INR',
        value: formatMoney(fare.value),
        minimum_value: formatMoney(fare.minimum),
        maximum_value: formatMoney(fare.maximum),
      });
      assert.equal(tagValues(item, 'FARE_BREAKUP').PICKUP_CHARGE, undefined, 'no pickup charge outside special locations');
      assert.equal(tagValues(item, 'FARE_BREAKUP').TOTAL_FARE, formatMoney(fare.value));
      assert.equal(tagValues(item, 'SPECIAL_LOCATION').PICKUP_GATE_NAME, undefined);
    }
    assert.ok(Number(items[0]?.price.maximum_value) > Number(items[0]?.price.minimum_value));

    // The search and its estimates are stored; a RIDE item's id is its estimate's id.
    const stored = await net.app.ctx.sequelize.query<{ id: string; value: string; lines: string; distance_meters: number }>(
      `SELECT e.id, trim_scale(e.value)::text AS value, s.distance_meters,
              (SELECT count(*) FROM atlas_driver_offer_bpp.estimate_fare_line l WHERE l.estimate_id = e.id)::text AS lines
         FROM atlas_driver_offer_bpp.estimate e JOIN atlas_driver_offer_bpp.search_request s ON s.id = e.search_request_id
        WHERE s.transaction_id = $1`,
      { type: QueryTypes.SELECT, bind: [callback.body.context.transaction_id] },
    );
    const route = await net.app.ctx.routePlanner.route(pickup, drop);
    assert.deepEqual(stored.map((row) => row.id).sort(), items.map((item) => item.id).sort());
    for (const row of stored) {
      const item = items.find((i) => i.id === row.id) as Item;
      assert.equal(Number(row.value), Number(item.price.value));
      assert.equal(row.distance_meters, route.distanceMeters);
      assert.equal(Number(row.lines), item.tags.find((t) => t.descriptor.code === 'FARE_BREAKUP')?.list.length);
    }
  });

  it('adds the pickup charge and names the gate when the pickup is inside a special location', async () => {
    const callback = await search(airportPickup, drop);
    const provider = (callback.body.message as any).catalog.providers[0];
    const items = provider.items as Item[];
    assert.equal(items.length, 2);
    for (const item of items) {
      const fulfillment = provider.fulfillments.find((f: { id: string }) => f.id === item.fulfillment_ids[0]);
      const fare = await expected(fulfillment.vehicle.variant, airportPickup, true);
      assert.equal(item.price.value, formatMoney(fare.value));
      // The policy's 20 plus the gate's 50.
      assert.equal(tagValues(item, 'FARE_BREAKUP').PICKUP_CHARGE, '70.00');
      assert.equal(tagValues(item, 'SPECIAL_LOCATION').PICKUP_GATE_NAME, 'Arrivals gate A');
      assert.equal(tagValues(item, 'SPECIAL_LOCATION').SPECIAL_LOCATION_NAME, 'Airport');
      assert.equal(fulfillment.stops[0].location.descriptor.name, 'Arrivals gate A');
    }
    const outside = await expected('SEDAN', airportPickup, false);
    const inside = await expected('SEDAN', airportPickup, true);
    assert.equal(formatMoney(inside.value), formatMoney({ currency: 'INR', minor: outside.value.minor + 7000n }));
  });

  it('answers an empty catalog when no driver is near the pickup', async () => {
    const callback = await search(remotePickup, drop);
    assert.equal(callback.body.error, undefined);
    assert.deepEqual((callback.body.message as any).catalog.providers, []);
  });

  it('answers error 90201 for a city the merchant does not serve', async () => {
    const callback = await search(pickup, drop, 'std:011');
    assert.equal(callback.body.message, undefined);
    assert.equal((callback.body.error as { code: string }).code, '90201');
  });

  it('NACKs a malformed START gps with 30000 naming the path, before any handler runs', async () => {
    const body = {
      context: { domain: 'ONDC:TRV10', action: 'search', version: '2.0.1', location: { city: { code: 'std:080' }, country: { code: 'IND' } }, ...net.toOurBpp() },
      message: { intent: { fulfillment: { stops: [{ type: 'START', location: { gps: 'twelve, seventy-seven' } }, { type: 'END', location: { gps: '12.97, 77.59' } }] }, payment: { collected_by: 'BPP' } } },
    };
    const answer = await net.bap.post(`${net.ourBpp.url}/search`, body);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, '30000');
    assert.equal(answer.body.error.paths, '/message/intent/fulfillment/stops/0/location/gps');
  });
});
