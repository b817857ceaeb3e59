import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Reply {
  status: number;
  body: any;
}

describe('driver app API: tokens, status and location', function () {
  this.timeout(120_000);
  let app: TestApp;
  let merchantId: string;
  let mobileSuffix = 1000;

  /** JSON over real HTTP; `token` null sends no Authorization header. */
  async function call(method: string, path: string, body: unknown, token: string | null): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const response = await fetch(app.baseUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : JSON.parse(text) };
  }

  const admin = (method: string, path: string, body?: unknown) => call(method, path, body, app.ctx.config.secrets.adminToken);

  async function createDriver(withVehicle: boolean): Promise<string> {
    mobileSuffix += 1;
    const driver = await admin('POST', '/provider/drivers', { merchant_id: merchantId, name: 'Driver', mobile_number: `+91987654${mobileSuffix}` });
    assert.equal(driver.status, 201, JSON.stringify(driver.body));
    if (withVehicle) {
      const vehicle = await admin('POST', '/provider/vehicles', {
        driver_id: driver.body.id,
        registration_no: `KA01AB${mobileSuffix}`,
        category: 'AUTO_RICKSHAW',
        variant: 'AUTO_RICKSHAW',
        capacity: 3,
      });
      assert.equal(vehicle.status, 201, JSON.stringify(vehicle.body));
    }
    return driver.body.id;
  }

  async function issueToken(driverId: string): Promise<string> {
    const issued = await admin('POST', `/provider/drivers/${driverId}/tokens`);
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    assert.equal(issued.body.driver_id, driverId);
    return issued.body.token;
  }

  async function statusOf(driverId: string): Promise<string> {
    const [row] = await app.ctx.sequelize.query<{ status: string }>('SELECT status FROM atlas_driver_offer_bpp.driver WHERE id = $1', {
      type: QueryTypes.SELECT,
      bind: [driverId],
    });
    assert.ok(row);
    return row.status;
  }

  before(async () => {
    app = await startTestApp();
    const merchant = await admin('POST', '/provider/merchants', {
      name: 'Driver App Autos',
      subscriber_id: `bpp.${randomUUID()}.example`,
      cities: [{ city_code: 'std:080', currency: 'INR' }],
    });
    assert.equal(merchant.status, 201, JSON.stringify(merchant.body));
    merchantId = merchant.body.id;
  });

  after(async () => {
    await app?.close();
  });

  it('issues a token stored only as its keyed hash, and revokes every token of the driver', async () => {
    const driverId = await createDriver(true);
    const first = await issueToken(driverId);
    const second = await issueToken(driverId);
    assert.notEqual(first, second);

    const rows = await app.ctx.sequelize.query<{ token_hash: string }>(
      'SELECT token_hash FROM atlas_driver_offer_bpp.driver_token WHERE driver_id = $1 ORDER BY created_at',
      { type: QueryTypes.SELECT, bind: [driverId] },
    );
    assert.equal(rows.length, 2);
    assert.ok(rows.every((row) => row.token_hash !== first && row.token_hash !== second), 'tokens are never stored in the clear');

    assert.equal((await call('POST', '/driver/status', { online: true }, first)).status, 200);
    assert.equal((await call('POST', '/driver/status', { online: false }, second)).status, 200);

    const revoked = await admin('DELETE', `/provider/drivers/${driverId}/tokens`);
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.equal(revoked.body.revoked, 2);
    for (const token of [first, second]) {
      const refused = await call('POST', '/driver/status', { online: true }, token);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error.code, 'UNAUTHORIZED');
    }
    assert.equal(await statusOf(driverId), 'OFFLINE');

    const fresh = await issueToken(driverId);
    assert.equal((await call('POST', '/driver/status', { online: true }, fresh)).status, 200);
  });

  it('refuses token routes without the admin token and for unknown drivers', async () => {
    const driverId = await createDriver(false);
    const driverToken = await issueToken(driverId);
    assert.equal((await call('POST', `/provider/drivers/${driverId}/tokens`, undefined, null)).status, 401);
    assert.equal((await call('POST', `/provider/drivers/${driverId}/tokens`, undefined, driverToken)).status, 401);
    assert.equal((await call('DELETE', `/provider/drivers/${driverId}/tokens`, undefined, driverToken)).status, 401);
    assert.equal((await admin('POST', `/provider/drivers/${randomUUID()}/tokens`)).status, 404);
    assert.equal((await admin('DELETE', `/provider/drivers/${randomUUID()}/tokens`)).status, 404);
    assert.equal((await admin('POST', '/provider/drivers/not-a-uuid/tokens')).status, 400);
  });

  it('answers 401 before validating: no token, a wrong token, or the admin token on driver routes', async () => {
    for (const token of [null, 'not-a-driver-token', app.ctx.config.secrets.adminToken]) {
      const badBody = await call('POST', '/driver/status', { online: 'maybe', extra: 1 }, token);
      assert.equal(badBody.status, 401, JSON.stringify(badBody.body));
      assert.equal(badBody.body.error.code, 'UNAUTHORIZED');
      const badPoints = await call('POST', '/driver/location', { points: [] }, token);
      assert.equal(badPoints.status, 401);
    }
  });

  it('goes online and offline; refuses online without a vehicle and offline while on a ride (409)', async () => {
    const noVehicle = await createDriver(false);
    const noVehicleToken = await issueToken(noVehicle);
    const refused = await call('POST', '/driver/status', { online: true }, noVehicleToken);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'CONFLICT');
    assert.equal(await statusOf(noVehicle), 'OFFLINE');

    const driverId = await createDriver(true);
    const token = await issueToken(driverId);
    const online = await call('POST', '/driver/status', { online: true }, token);
    assert.equal(online.status, 200, JSON.stringify(online.body));
    assert.deepEqual(online.body, { driver_id: driverId, status: 'ONLINE' });
    assert.equal(await statusOf(driverId), 'ONLINE');

    const posted = await call('POST', '/driver/location', { points: [{ lat: 12.93, lon: 77.62, ts: Date.now() }] }, token);
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    assert.ok(await app.ctx.driverLocations.last(driverId));

    const offline = await call('POST', '/driver/status', { online: false }, token);
    assert.deepEqual(offline.body, { driver_id: driverId, status: 'OFFLINE' });
    assert.equal(await statusOf(driverId), 'OFFLINE');
    assert.equal(await app.ctx.driverLocations.last(driverId), null, 'going offline forgets the live position');

    // Rides are not built yet: the ride assignment is simulated by setting the status directly.
    await app.ctx.sequelize.query("UPDATE atlas_driver_offer_bpp.driver SET status = 'ON_RIDE' WHERE id = $1", { bind: [driverId] });
    const whileOnRide = await call('POST', '/driver/status', { online: false }, token);
    assert.equal(whileOnRide.status, 409);
    assert.equal(whileOnRide.body.error.code, 'CONFLICT');
    assert.equal(await statusOf(driverId), 'ON_RIDE');
    const onlineOnRide = await call('POST', '/driver/status', { online: true }, token);
    assert.deepEqual(onlineOnRide.body, { driver_id: driverId, status: 'ON_RIDE' });
    const duringRide = await call('POST', '/driver/location', { points: [{ lat: 12.94, lon: 77.63, ts: Date.now() }] }, token);
    assert.equal(duringRide.status, 200, 'a driver on a ride keeps posting fixes');
  });

  it('keeps the newest fix of a shuffled batch with duplicates, and ignores a later batch of older fixes', async () => {
    const driverId = await createDriver(true);
    const token = await issueToken(driverId);
    assert.equal((await call('POST', '/driver/status', { online: true }, token)).status, 200);

    const base = Date.now() - 60_000;
    const points = [
      { lat: 12.931, lon: 77.621, ts: base + 10_000 },
      { lat: 12.935, lon: 77.625, ts: new Date(base + 50_000).toISOString() },
      { lat: 12.93, lon: 77.62, ts: base },
      { lat: 12.935, lon: 77.625, ts: base + 50_000 },
      { lat: 12.933, lon: 77.623, ts: new Date(base + 30_000).toISOString() },
      { lat: 12.931, lon: 77.621, ts: base + 10_000 },
    ];
    const posted = await call('POST', '/driver/location', { points }, token);
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    assert.deepEqual(await app.ctx.driverLocations.last(driverId), { lat: 12.935, lon: 77.625, ts: base + 50_000 });
    assert.deepEqual(posted.body.last, { lat: 12.935, lon: 77.625, ts: new Date(base + 50_000).toISOString() });

    const late = await call('POST', '/driver/location', { points: [{ lat: 12.9, lon: 77.6, ts: base + 20_000 }] }, token);
    assert.equal(late.status, 200);
    assert.deepEqual(await app.ctx.driverLocations.last(driverId), { lat: 12.935, lon: 77.625, ts: base + 50_000 });
  });

  it('refuses a batch with any bad point (400) and changes nothing', async () => {
    const driverId = await createDriver(true);
    const token = await issueToken(driverId);
    assert.equal((await call('POST', '/driver/status', { online: true }, token)).status, 200);
    const before = { lat: 12.93, lon: 77.62, ts: Date.now() - 120_000 };
    assert.equal((await call('POST', '/driver/location', { points: [before] }, token)).status, 200);

    const good = { lat: 12.95, lon: 77.64, ts: Date.now() - 1_000 };
    const badBatches: unknown[] = [
      { points: [] },
      { points: Array.from({ length: 101 }, (_, i) => ({ ...good, ts: good.ts - i })) },
      { points: [good, { lat: 91, lon: 77.6, ts: good.ts }] },
      { points: [good, { lat: 12.9, lon: 181, ts: good.ts }] },
      { points: [good, { lat: 12.9, lon: 77.6, ts: Date.now() + 10 * 60_000 }] },
      { points: [good, { lat: 12.9, lon: 77.6, ts: new Date(Date.now() + 10 * 60_000).toISOString() }] },
      { points: [good, { lat: 12.9, lon: 77.6, ts: 'yesterday' }] },
      { points: [good, { lat: 12.9, lon: 77.6 }] },
      { points: [{ ...good, speed: 3 }] },
    ];
    for (const batch of badBatches) {
      const refused = await call('POST', '/driver/location', batch, token);
      assert.equal(refused.status, 400, JSON.stringify(batch).slice(0, 200));
      assert.equal(refused.body.error.code, 'VALIDATION_FAILED');
    }
    assert.deepEqual(await app.ctx.driverLocations.last(driverId), before);
  });

  it("refuses an offline driver's location with 409 and stores nothing", async () => {
    const driverId = await createDriver(true);
    const token = await issueToken(driverId);
    const refused = await call('POST', '/driver/location', { points: [{ lat: 12.93, lon: 77.62, ts: Date.now() }] }, token);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'CONFLICT');
    assert.equal(await app.ctx.driverLocations.last(driverId), null);
  });

  it("acts only on the token's own driver: A's token and A's revocation never touch B", async () => {
    const driverA = await createDriver(true);
    const driverB = await createDriver(true);
    const tokenA = await issueToken(driverA);
    const tokenB = await issueToken(driverB);
    assert.equal((await call('POST', '/driver/status', { online: true }, tokenB)).status, 200);
    const pointB = { lat: 12.96, lon: 77.61, ts: Date.now() - 5_000 };
    assert.equal((await call('POST', '/driver/location', { points: [pointB] }, tokenB)).status, 200);

    const onlineA = await call('POST', '/driver/status', { online: true }, tokenA);
    assert.equal(onlineA.body.driver_id, driverA);
    const pointA = { lat: 12.91, lon: 77.65, ts: Date.now() };
    assert.equal((await call('POST', '/driver/location', { points: [pointA] }, tokenA)).status, 200);
    assert.equal((await call('POST', '/driver/status', { online: false }, tokenA)).status, 200);

    assert.equal(await statusOf(driverA), 'OFFLINE');
    assert.equal(await statusOf(driverB), 'ONLINE');
    assert.deepEqual(await app.ctx.driverLocations.last(driverB), pointB);

    assert.equal((await admin('DELETE', `/provider/drivers/${driverA}/tokens`)).body.revoked, 1);
    assert.equal((await call('POST', '/driver/status', { online: true }, tokenA)).status, 401);
    const stillB = await call('POST', '/driver/status', { online: true }, tokenB);
    assert.deepEqual(stillB.body, { driver_id: driverB, status: 'ONLINE' });
  });
});
