import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { containingSql } from '../../src/bpp/operator/special-location-routes.js';
import { startOperatorServer, type OperatorServer } from './operator-server.js';

/**
 * A U-shaped (concave) airport zone, as [lon, lat]: two prongs between
 * lon 77.00–77.01 and 77.03–77.04, joined along lat 12.90–12.91, with the
 * notch (lon 77.01–77.03, lat 12.91–12.94) outside it.
 */
const uShape = [
  [77.0, 12.9],
  [77.04, 12.9],
  [77.04, 12.94],
  [77.03, 12.94],
  [77.03, 12.91],
  [77.01, 12.91],
  [77.01, 12.94],
  [77.0, 12.94],
  [77.0, 12.9],
];

const square = (lon: number, lat: number, size: number): [number, number][] => [
  [lon, lat],
  [lon + size, lat],
  [lon + size, lat + size],
  [lon, lat + size],
  [lon, lat],
];

describe('provider special locations', function () {
  this.timeout(60_000);
  let server: OperatorServer;
  let cityId: string;
  let airportId: string;

  const containing = async (lat: number, lon: number) => {
    const answer = await server.call('GET', `/provider/special-locations?lat=${lat}&lon=${lon}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return (answer.body.special_locations as { location_name: string }[]).map((l) => l.location_name);
  };

  before(async () => {
    server = await startOperatorServer();
    const merchant = await server.call('POST', '/provider/merchants', {
      name: 'Namma Autos',
      subscriber_id: 'bpp.namma-autos.example',
      cities: [{ city_code: 'std:080', currency: 'INR' }],
    });
    cityId = merchant.body.cities[0].id;
    const airport = await server.call('POST', '/provider/special-locations', {
      merchant_operating_city_id: cityId,
      location_name: 'Airport',
      category: 'SureAirport',
      location_type: 'Closed',
      geometry: { type: 'Polygon', coordinates: [uShape] },
      gates: [
        { name: 'Arrival gate 1', point: { lat: 12.905, lon: 77.005 }, can_queue_up_on_gate: true, default_driver_extra: '100' },
        { name: 'Pickup zone', point: { lat: 12.905, lon: 77.035 }, polygon: { type: 'Polygon', coordinates: [square(77.034, 12.904, 0.002)] } },
      ],
      priority: { pickup_priority: 1, drop_priority: 2 },
    });
    assert.equal(airport.status, 201, JSON.stringify(airport.body));
    airportId = airport.body.id;
    // The former field names, still taken for one release.
    const metro = await server.call('POST', '/provider/special-locations', {
      merchant_operating_city_id: cityId,
      name: 'Metro',
      category: 'SureMetro',
      geometry: { type: 'Polygon', coordinates: [square(77.035, 12.935, 0.01)] },
      linked_location_ids: [airportId],
    });
    assert.equal(metro.status, 201, JSON.stringify(metro.body));
  });

  after(async () => {
    await server?.close();
  });

  it('finds the locations containing a point: inside, outside, in the notch of a concave polygon, on an edge, in an overlap', async () => {
    assert.deepEqual(await containing(12.905, 77.005), ['Airport'], 'in the base');
    assert.deepEqual(await containing(12.93, 77.005), ['Airport'], 'in the left prong');
    assert.deepEqual(await containing(12.93, 77.02), [], 'in the notch: inside the bounding box, outside the polygon');
    assert.deepEqual(await containing(12.95, 77.1), [], 'far outside');
    assert.deepEqual(await containing(12.9, 77.02), ['Airport'], 'on the bottom edge');
    assert.deepEqual(await containing(12.938, 77.037), ['Airport', 'Metro'], 'where two locations overlap');
    assert.deepEqual(await containing(12.944, 77.044), ['Metro']);
  });

  it('answers the location with its geometry, gates and links as stored', async () => {
    const answer = await server.call('GET', '/provider/special-locations?lat=12.905&lon=77.005');
    const [airport] = answer.body.special_locations;
    assert.equal(airport.id, airportId);
    assert.equal(airport.category, 'SureAirport');
    assert.deepEqual(airport.geometry, { type: 'Polygon', coordinates: [uShape] });
    assert.deepEqual(
      airport.gates.map((g: any) => [g.name, g.point, g.can_queue_up_on_gate, g.default_driver_extra, g.polygon?.coordinates[0].length ?? null]),
      [
        ['Arrival gate 1', { lat: 12.905, lon: 77.005 }, true, '100', null],
        ['Pickup zone', { lat: 12.905, lon: 77.035 }, false, null, 5],
      ],
    );
    assert.equal(airport.location_name, 'Airport');
    assert.equal(airport.location_type, 'Closed');
    const metro = await server.call('GET', '/provider/special-locations?lat=12.944&lon=77.044');
    const [metroLocation] = metro.body.special_locations;
    assert.equal(metroLocation.location_name, 'Metro', 'created with the former `name`');
    assert.equal(metroLocation.location_type, 'Open', 'the default type');
    assert.deepEqual(metroLocation.linked_locations_ids, [airportId], 'created with the former `linked_location_ids`');
    assert.deepEqual([metroLocation.name, metroLocation.linked_location_ids], ['Metro', [airportId]], 'answered under the former names too');
    const [stored] = await server.sequelize.query(
      `SELECT location_name, linked_locations_ids, location_type FROM atlas_driver_offer_bpp.special_location WHERE id = $1`,
      { type: QueryTypes.SELECT, bind: [metroLocation.id] },
    );
    assert.deepEqual(stored, { location_name: 'Metro', linked_locations_ids: [airportId], location_type: 'Open' });
    const [priority] = await server.sequelize.query(
      'SELECT category, pickup_priority, drop_priority FROM atlas_driver_offer_bpp.special_location_priority',
      { type: QueryTypes.SELECT },
    );
    assert.deepEqual(priority, { category: 'SureAirport', pickup_priority: 1, drop_priority: 2 });
  });

  it('refuses bad GeoJSON with 400 and stores nothing', async () => {
    const base = { merchant_operating_city_id: cityId, name: 'Bad', category: 'SureBad' };
    const polygons: unknown[] = [
      { type: 'Polygon', coordinates: [uShape.slice(0, -1)] },
      { type: 'Polygon', coordinates: [[[77, 12.9], [77.01, 12.9], [77, 12.9]]] },
      { type: 'Polygon', coordinates: [square(77, 12.9, 0.01).map(([lon, lat]) => [lon + 200, lat])] },
      { type: 'Polygon', coordinates: [square(77, 95, 0.01)] },
      { type: 'Point', coordinates: [77, 12.9] },
      { type: 'Polygon', coordinates: [[[77, 12.9], [77.01, 12.91], [77.01, 12.9], [77, 12.91], [77, 12.9]]] },
      { type: 'Polygon', coordinates: [[[77, 12.9], [77.01, 12.9], [77.01, 12.9], [77, 12.9]]] },
      { type: 'Polygon', coordinates: [square(77, 12.9, 0.01), square(77.002, 12.902, 0.001)] },
      { type: 'Polygon', coordinates: [[[77, 12.9, 5], [77.01, 12.9, 5], [77.01, 12.91, 5], [77, 12.9, 5]]] },
      { type: 'Polygon', coordinates: [[['77', '12.9'], ['77.01', '12.9'], ['77.01', '12.91'], ['77', '12.9']]] },
    ];
    for (const geometry of polygons) {
      const answer = await server.call('POST', '/provider/special-locations', { ...base, geometry });
      assert.equal(answer.status, 400, `${JSON.stringify(geometry)} → ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.code, 'VALIDATION_FAILED');
    }
    const openGate = await server.call('POST', '/provider/special-locations', {
      ...base,
      geometry: { type: 'Polygon', coordinates: [square(77, 12.9, 0.01)] },
      gates: [{ name: 'g', point: { lat: 12.905, lon: 77.005 }, polygon: { type: 'Polygon', coordinates: [square(77, 12.9, 0.001).slice(0, -1)] } }],
    });
    assert.equal(openGate.status, 400);
    assert.match(openGate.body.error.message, /gates\/0\/polygon/);
    const unknownCity = await server.call('POST', '/provider/special-locations', {
      ...base,
      merchant_operating_city_id: randomUUID(),
      geometry: { type: 'Polygon', coordinates: [square(77, 12.9, 0.01)] },
    });
    assert.equal(unknownCity.status, 404);
    const badQuery = await server.call('GET', '/provider/special-locations?lat=91&lon=77');
    assert.equal(badQuery.status, 400);
    const [count] = await server.sequelize.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM atlas_driver_offer_bpp.special_location WHERE location_name = 'Bad'`,
      { type: QueryTypes.SELECT },
    );
    assert.equal(count?.n, '0');
  });

  it('takes the seed field names or, for one release, the former ones, never both, and only the seed types Open and Closed', async () => {
    const base = { merchant_operating_city_id: cityId, category: 'SureBad', geometry: { type: 'Polygon', coordinates: [square(77.2, 12.9, 0.01)] } };
    const refusals: [string, Record<string, unknown>][] = [
      ['no name at all', {}],
      ['both names', { location_name: 'Bad', name: 'Bad' }],
      ['both link lists', { location_name: 'Bad', linked_locations_ids: [airportId], linked_location_ids: [airportId] }],
      ['a type the seed does not name', { location_name: 'Bad', location_type: 'Gated' }],
      ['a type in the wrong case', { location_name: 'Bad', location_type: 'closed' }],
    ];
    for (const [what, fields] of refusals) {
      const answer = await server.call('POST', '/provider/special-locations', { ...base, ...fields });
      assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.code, 'VALIDATION_FAILED', what);
    }
    const created = await server.call('POST', '/provider/special-locations', { ...base, location_name: 'Depot', location_type: 'Open', linked_locations_ids: [airportId] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(
      [created.body.location_name, created.body.name, created.body.location_type, created.body.linked_locations_ids, created.body.linked_location_ids],
      ['Depot', 'Depot', 'Open', [airportId], [airportId]],
    );
  });

  it('has a GiST index on the polygon that the containment lookup uses', async () => {
    const [index] = await server.sequelize.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = 'atlas_driver_offer_bpp' AND tablename = 'special_location' AND indexname = 'special_location_geom_idx'`,
      { type: QueryTypes.SELECT },
    );
    assert.match(index?.indexdef ?? '', /USING gist \(geom\)/);
    // With sequential scans priced out, the plan shows whether the index can serve the route's lookup at all.
    const plan = await server.sequelize.transaction(async (transaction) => {
      await server.sequelize.query('SET LOCAL enable_seqscan = off', { transaction });
      const rows = await server.sequelize.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN ${containingSql}`,
        { type: QueryTypes.SELECT, transaction, bind: [77.005, 12.905, null] },
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    assert.match(plan, /special_location_geom_idx/);
  });
});
