import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { startOperatorServer, type OperatorServer } from './operator-server.js';

const farePolicy = {
  base_distance_meters: 2000,
  base_fare: '30',
  per_km: '15.5',
  per_minute: '1.25',
  night_shift: { start: '22:00', end: '05:00', multiplier: '1.5' },
  waiting_free_minutes: 3,
  waiting_charge_per_minute: '1.5',
  pickup_charge: '10',
  cancellation_fees: { RIDE_ASSIGNED: '0', RIDE_ARRIVED_PICKUP: '25.75' },
  currency: 'INR',
};

describe('provider operator API', function () {
  this.timeout(60_000);
  let server: OperatorServer;
  let merchantId: string;
  let cityId: string;

  before(async () => {
    server = await startOperatorServer();
    const created = await server.call('POST', '/provider/merchants', {
      name: 'Namma Autos',
      subscriber_id: 'bpp.namma-autos.example',
      cities: [
        { city_code: 'std:080', currency: 'INR' },
        { city_code: 'std:044', currency: 'INR' },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    merchantId = created.body.id;
    cityId = created.body.cities[0].id;
  });

  after(async () => {
    await server?.close();
  });

  it('creates a merchant with its cities, and refuses a second merchant under the same subscriber id', async () => {
    const rows = await server.sequelize.query<{ city_code: string; subscriber_id: string }>(
      `SELECT c.city_code, m.subscriber_id FROM atlas_driver_offer_bpp.merchant_operating_city c
         JOIN atlas_driver_offer_bpp.merchant m ON m.id = c.merchant_id WHERE m.id = $1 ORDER BY c.city_code`,
      { type: QueryTypes.SELECT, bind: [merchantId] },
    );
    assert.deepEqual(rows.map((r) => r.city_code), ['std:044', 'std:080']);
    const again = await server.call('POST', '/provider/merchants', {
      name: 'Someone else',
      subscriber_id: 'bpp.namma-autos.example',
      cities: [{ city_code: 'std:080', currency: 'INR' }],
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'CONFLICT');
  });

  it('stores a driver\'s mobile number encrypted and hashed, answers it masked, and refuses a duplicate with 409', async () => {
    const created = await server.call('POST', '/provider/drivers', { merchant_id: merchantId, name: 'Ravi', mobile_number: '+919876543210' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.mobile_number_masked, '+91******3210');
    assert.equal(created.body.status, 'OFFLINE');
    assert.ok(!JSON.stringify(created.body).includes('9876543210'));

    const [row] = await server.sequelize.query<{ mobile_number_encrypted: string; mobile_number_hash: string }>(
      'SELECT mobile_number_encrypted, mobile_number_hash FROM atlas_driver_offer_bpp.driver WHERE id = $1',
      { type: QueryTypes.SELECT, bind: [created.body.id] },
    );
    assert.ok(row);
    assert.ok(!row.mobile_number_encrypted.includes('9876543210'));
    assert.equal(server.cipher.decrypt(row.mobile_number_encrypted), '+919876543210');
    assert.equal(row.mobile_number_hash, server.cipher.hash('+919876543210'));

    const duplicate = await server.call('POST', '/provider/drivers', { merchant_id: merchantId, name: 'Ravi again', mobile_number: '+919876543210' });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.error.code, 'CONFLICT');

    const otherMerchant = await server.call('POST', '/provider/merchants', {
      name: 'Chennai Cabs',
      subscriber_id: 'bpp.chennai-cabs.example',
      cities: [{ city_code: 'std:044', currency: 'INR' }],
    });
    const sameNumberElsewhere = await server.call('POST', '/provider/drivers', {
      merchant_id: otherMerchant.body.id,
      name: 'Ravi',
      mobile_number: '+919876543210',
    });
    assert.equal(sameNumberElsewhere.status, 201, 'uniqueness is per merchant');

    const unknownMerchant = await server.call('POST', '/provider/drivers', { merchant_id: randomUUID(), name: 'X', mobile_number: '+919800000001' });
    assert.equal(unknownMerchant.status, 404);
    const notE164 = await server.call('POST', '/provider/drivers', { merchant_id: merchantId, name: 'X', mobile_number: '09876543210' });
    assert.equal(notE164.status, 400);
  });

  it('registers one vehicle per driver, with a variant that fits its category', async () => {
    const driver = await server.call('POST', '/provider/drivers', { merchant_id: merchantId, name: 'Meena', mobile_number: '+919811111111' });
    const vehicle = { driver_id: driver.body.id, registration_no: 'ka-01 ab-1234', category: 'AUTO_RICKSHAW', variant: 'AUTO_RICKSHAW', capacity: 3 };
    const created = await server.call('POST', '/provider/vehicles', vehicle);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.registration_no, 'KA01AB1234');

    const second = await server.call('POST', '/provider/vehicles', { ...vehicle, registration_no: 'KA01AB9999' });
    assert.equal(second.status, 409);

    const other = await server.call('POST', '/provider/drivers', { merchant_id: merchantId, name: 'Arun', mobile_number: '+919822222222' });
    const samePlate = await server.call('POST', '/provider/vehicles', { ...vehicle, driver_id: other.body.id, registration_no: 'KA01AB1234' });
    assert.equal(samePlate.status, 409);
    const mismatch = await server.call('POST', '/provider/vehicles', { ...vehicle, driver_id: other.body.id, registration_no: 'KA01CD0001', variant: 'SEDAN' });
    assert.equal(mismatch.status, 400);
    const unknownVariant = await server.call('POST', '/provider/vehicles', { ...vehicle, driver_id: other.body.id, registration_no: 'KA01CD0002', category: 'CAB', variant: 'LIMOUSINE' });
    assert.equal(unknownVariant.status, 400);
    const noDriver = await server.call('POST', '/provider/vehicles', { ...vehicle, driver_id: randomUUID(), registration_no: 'KA01CD0003' });
    assert.equal(noDriver.status, 404);
  });

  it('upserts a fare policy with exact decimal amounts', async () => {
    const created = await server.call('PUT', `/provider/fare-policies/${cityId}/AUTO_RICKSHAW`, farePolicy);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.per_km, '15.5');
    assert.deepEqual(created.body.night_shift, { start: '22:00:00', end: '05:00:00', multiplier: '1.5' });
    assert.deepEqual(created.body.cancellation_fees, { RIDE_ASSIGNED: '0', RIDE_ARRIVED_PICKUP: '25.75' });

    const precise = '0.1234567891';
    const replaced = await server.call('PUT', `/provider/fare-policies/${cityId}/AUTO_RICKSHAW`, { ...farePolicy, per_km: precise, night_shift: undefined });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.id, created.body.id);
    assert.equal(replaced.body.per_km, precise);
    assert.equal(replaced.body.night_shift, null);
    const [row] = await server.sequelize.query<{ per_km: string; n: string }>(
      `SELECT per_km::text, count(*) OVER ()::text AS n FROM atlas_driver_offer_bpp.fare_policy WHERE merchant_operating_city_id = $1`,
      { type: QueryTypes.SELECT, bind: [cityId] },
    );
    assert.deepEqual(row, { per_km: '0.1234567891', n: '1' });
  });

  it('refuses float money, unknown variants, bad currencies and unknown cities', async () => {
    const path = `/provider/fare-policies/${cityId}`;
    const cases: [string, unknown, number][] = [
      [`${path}/SEDAN`, { ...farePolicy, base_fare: 30.5 }, 400],
      [`${path}/SEDAN`, { ...farePolicy, per_km: '1e3' }, 400],
      [`${path}/SEDAN`, { ...farePolicy, pickup_charge: '-1' }, 400],
      [`${path}/SEDAN`, { ...farePolicy, per_minute: '0.12345678901' }, 400],
      [`${path}/SEDAN`, { ...farePolicy, currency: 'inr' }, 400],
      [`${path}/SEDAN`, { ...farePolicy, currency: 'USD' }, 400],
      [`${path}/SEDAN`, { ...farePolicy, cancellation_fees: { RIDE_ENDED: '10' } }, 400],
      [`${path}/SEDAN`, { ...farePolicy, night_shift: { start: '22:00', end: '05:00', multiplier: '0.5' } }, 400],
      [`${path}/ROCKET`, farePolicy, 400],
      [`/provider/fare-policies/not-a-uuid/SEDAN`, farePolicy, 400],
      [`/provider/fare-policies/${randomUUID()}/SEDAN`, farePolicy, 404],
    ];
    for (const [target, body, status] of cases) {
      const answer = await server.call('PUT', target, body);
      assert.equal(answer.status, status, `${target} ${JSON.stringify(body)} → ${JSON.stringify(answer.body)}`);
    }
    const [count] = await server.sequelize.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM atlas_driver_offer_bpp.fare_policy WHERE vehicle_variant = 'SEDAN'`,
      { type: QueryTypes.SELECT },
    );
    assert.equal(count?.n, '0');
  });

  it('answers 401 without the admin token, with a wrong one, or with another scheme, and writes nothing', async () => {
    const body = { name: 'Sneaky', subscriber_id: 'bpp.sneaky.example', cities: [{ city_code: 'std:080', currency: 'INR' }] };
    for (const token of [null, 'wrong-token', `${server.adminToken}x`]) {
      const answer = await server.call('POST', '/provider/merchants', body, token);
      assert.equal(answer.status, 401);
      assert.equal(answer.body.error.code, 'UNAUTHORIZED');
    }
    const basic = await fetch(`${server.baseUrl}/provider/merchants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${server.adminToken}` },
      body: JSON.stringify(body),
    });
    assert.equal(basic.status, 401);
    const listing = await server.call('GET', '/provider/special-locations?lat=12.9&lon=77.6', undefined, 'wrong-token');
    assert.equal(listing.status, 401);
    const [count] = await server.sequelize.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM atlas_driver_offer_bpp.merchant WHERE subscriber_id = 'bpp.sneaky.example'`,
      { type: QueryTypes.SELECT },
    );
    assert.equal(count?.n, '0');
  });
});
