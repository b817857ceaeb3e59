import assert from 'node:assert/strict';
import { haversineMeters, type DriverLocationStore, type LocationPoint } from '../../src/infra/geo/index.js';

export interface DriverLocationFixture {
  /** Two stores on one backend and prefix (replicas), both reading `clock.now`. */
  replicas: [DriverLocationStore, DriverLocationStore];
  /** A store on the same backend under another prefix. */
  otherPrefix: DriverLocationStore;
  clock: { now: number };
  cleanup(): Promise<void>;
}

/** Every store is made with staleAfterSeconds = STALE_AFTER_SECONDS. */
export const STALE_AFTER_SECONDS = 60;

export type MakeDriverLocationFixture = () => Promise<DriverLocationFixture>;

const center = { lat: 12.9716, lon: 77.5946 };
/** A point `meters` due north of the center (one degree of latitude is about 111.2 km). */
const north = (meters: number, ts: number): LocationPoint => ({ lat: center.lat + meters / 111_195, lon: center.lon, ts });

/** The behaviour every DriverLocationStore adapter must show. */
export function runDriverLocationStoreContract(adapterName: string, makeFixture: MakeDriverLocationFixture): void {
  describe(`DriverLocationStore contract: ${adapterName}`, function () {
    this.timeout(20_000);
    let fixture: DriverLocationFixture;
    let a: DriverLocationStore;
    let b: DriverLocationStore;

    beforeEach(async () => {
      fixture = await makeFixture();
      [a, b] = fixture.replicas;
    });
    afterEach(() => fixture.cleanup());

    it('lists drivers nearest first with their distance, up to the limit, on every replica', async () => {
      const ts = fixture.clock.now;
      await a.update('d-1200', north(1200, ts));
      await b.update('d-100', north(100, ts));
      await a.update('d-3000', north(3000, ts));
      await b.update('d-500', north(500, ts));
      const found = await b.nearby(center, 5000, { limit: 10 });
      assert.deepEqual(
        found.map((d) => d.driverId),
        ['d-100', 'd-500', 'd-1200', 'd-3000'],
      );
      for (const driver of found) {
        const expected = Number(driver.driverId.slice(2));
        assert.ok(Math.abs(driver.distanceMeters - expected) < expected * 0.01, `${driver.driverId} at ${driver.distanceMeters} m`);
      }
      assert.deepEqual(
        (await a.nearby(center, 5000, { limit: 2 })).map((d) => d.driverId),
        ['d-100', 'd-500'],
      );
    });

    it('leaves out drivers beyond the radius', async () => {
      const ts = fixture.clock.now;
      await a.update('near', north(900, ts));
      await a.update('far', north(1100, ts));
      assert.deepEqual(
        (await a.nearby(center, 1000, { limit: 10 })).map((d) => d.driverId),
        ['near'],
      );
      assert.deepEqual(await a.nearby({ lat: 28.6139, lon: 77.209 }, 5000, { limit: 10 }), []);
    });

    it('leaves out drivers not updated within the staleness window, until they report again', async () => {
      const start = fixture.clock.now;
      await a.update('quiet', north(200, start));
      fixture.clock.now += 30_000;
      await a.update('active', north(400, start + 30_000));
      fixture.clock.now += STALE_AFTER_SECONDS * 1000 - 30_000;
      assert.deepEqual(
        (await b.nearby(center, 1000, { limit: 10 })).map((d) => d.driverId),
        ['quiet', 'active'],
        'exactly at the window both still count',
      );
      fixture.clock.now += 1;
      assert.deepEqual(
        (await b.nearby(center, 1000, { limit: 10 })).map((d) => d.driverId),
        ['active'],
      );
      assert.deepEqual(await b.last('quiet'), north(200, start), 'a stale driver keeps its last location');
      await a.update('quiet', north(200, start + 61_000));
      assert.deepEqual(
        (await b.nearby(center, 1000, { limit: 10 })).map((d) => d.driverId),
        ['quiet', 'active'],
      );
    });

    it('keeps the latest fix by ts: older and duplicate fixes are ignored', async () => {
      const ts = fixture.clock.now;
      await a.update('d1', north(300, ts));
      await b.update('d1', north(800, ts - 5_000));
      assert.deepEqual(await a.last('d1'), north(300, ts));
      await b.update('d1', north(800, ts));
      assert.deepEqual(await a.last('d1'), north(300, ts), 'a second fix with the same ts is a repeat');
      await b.update('d1', north(700, ts + 1_000));
      assert.deepEqual(await b.last('d1'), north(700, ts + 1_000));
      const [found] = await a.nearby(center, 5000, { limit: 10 });
      assert.equal(found?.driverId, 'd1');
      assert.ok(Math.abs((found?.distanceMeters ?? 0) - 700) < 7, 'nearby uses the newest position');
    });

    it('forgets a removed driver and answers null for an unknown one', async () => {
      const ts = fixture.clock.now;
      await a.update('gone', north(100, ts));
      await a.update('stays', north(200, ts));
      await b.remove('gone');
      await b.remove('never-seen');
      assert.equal(await a.last('gone'), null);
      assert.deepEqual(
        (await a.nearby(center, 1000, { limit: 10 })).map((d) => d.driverId),
        ['stays'],
      );
      await a.update('gone', north(100, ts - 10_000));
      assert.deepEqual(await a.last('gone'), north(100, ts - 10_000), 'after remove, any fix is accepted again');
    });

    it('round-trips a ride trail ordered by ts, collapsing exact duplicates', async () => {
      const t = 1_700_000_000_000;
      await a.appendWaypoints('ride-1', [north(0, t + 2000), north(10, t), north(5, t + 1000)]);
      await b.appendWaypoints('ride-1', [north(5, t + 1000), north(20, t + 3000), north(10, t)]);
      await b.appendWaypoints('ride-1', []);
      await a.appendWaypoints('ride-2', [north(99, t)]);
      assert.deepEqual(await b.waypoints('ride-1'), [north(10, t), north(5, t + 1000), north(0, t + 2000), north(20, t + 3000)]);
      await a.appendWaypoints('ride-1', [north(11, t)]);
      const sameInstant = (await a.waypoints('ride-1')).filter((p) => p.ts === t);
      assert.equal(sameInstant.length, 2, 'two different fixes at one instant are both kept');
      await a.clearWaypoints('ride-1');
      assert.deepEqual(await b.waypoints('ride-1'), []);
      assert.deepEqual(await b.waypoints('ride-2'), [north(99, t)]);
      assert.deepEqual(await b.waypoints('never-started'), []);
    });

    it('keeps another prefix apart', async () => {
      const ts = fixture.clock.now;
      await a.update('d1', north(100, ts));
      await a.appendWaypoints('ride-1', [north(1, ts)]);
      const other = fixture.otherPrefix;
      assert.deepEqual(await other.nearby(center, 5000, { limit: 10 }), []);
      assert.equal(await other.last('d1'), null);
      assert.deepEqual(await other.waypoints('ride-1'), []);
      await other.update('d2', north(50, ts));
      await other.remove('d1');
      await other.clearWaypoints('ride-1');
      assert.deepEqual(
        (await a.nearby(center, 5000, { limit: 10 })).map((d) => d.driverId),
        ['d1'],
      );
      assert.equal((await a.waypoints('ride-1')).length, 1);
    });

    it('rejects invalid points and queries', async () => {
      const ts = fixture.clock.now;
      await assert.rejects(a.update('d1', { lat: 89, lon: 0, ts }), RangeError);
      await assert.rejects(a.update('d1', { lat: 0, lon: 181, ts }), RangeError);
      await assert.rejects(a.update('d1', { lat: Number.NaN, lon: 0, ts }), RangeError);
      await assert.rejects(a.update('d1', { lat: 0, lon: 0, ts: 1.5 }), RangeError);
      await assert.rejects(a.update('', north(0, ts)), RangeError);
      await assert.rejects(a.nearby(center, 0, { limit: 5 }), RangeError);
      await assert.rejects(a.nearby(center, 100, { limit: 0 }), RangeError);
      await assert.rejects(a.appendWaypoints('ride', [north(0, ts), { lat: 0, lon: 200, ts }]), RangeError);
      assert.deepEqual(await a.waypoints('ride'), [], 'a batch with an invalid point stores nothing');
      assert.equal(await a.last('d1'), null);
    });

    it('measures distances the way haversine does, within GEO precision', async () => {
      const ts = fixture.clock.now;
      const somewhere = { lat: 12.98, lon: 77.61, ts };
      await a.update('d1', somewhere);
      const [found] = await a.nearby(center, 10_000, { limit: 1 });
      const expected = haversineMeters(center, somewhere);
      assert.ok(found && Math.abs(found.distanceMeters - expected) < expected * 0.005, `${found?.distanceMeters} vs ${expected}`);
    });
  });
}
