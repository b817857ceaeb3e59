import assert from 'node:assert/strict';
import { haversineMeters, haversineRoutePlanner, traveledDistance, type Waypoint } from '../../../src/bpp/domain/index.js';

/** One degree of arc on the mean Earth sphere (R = 6 371 008.8 m). */
const DEGREE_METERS = (6_371_008.8 * Math.PI) / 180;

const start = { lat: 12.9716, lon: 77.5946 };
/** `meters` due north of start at `seconds`. */
const fix = (meters: number, seconds: number): Waypoint => ({ lat: start.lat + meters / DEGREE_METERS, lon: start.lon, ts: 1_700_000_000_000 + seconds * 1000 });

const near = (actual: number, expected: number, tolerance: number) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} not within ${tolerance} of ${expected}`);

describe('distance', () => {
  it('measures great-circle distances', () => {
    near(haversineMeters({ lat: 0, lon: 0 }, { lat: 1, lon: 0 }), DEGREE_METERS, 1e-6);
    near(haversineMeters({ lat: 0, lon: 0 }, { lat: 0, lon: 1 }), DEGREE_METERS, 1e-6);
    // Paris to London, about 343.6 km on the mean sphere.
    near(haversineMeters({ lat: 48.8566, lon: 2.3522 }, { lat: 51.5074, lon: -0.1278 }), 343_560, 500);
    assert.equal(haversineMeters(start, start), 0);
    const a = { lat: 12.9, lon: 77.6 };
    const b = { lat: 13.1, lon: 77.5 };
    assert.equal(haversineMeters(a, b), haversineMeters(b, a));
    near(haversineMeters({ lat: 0, lon: 0 }, { lat: 0, lon: 180 }), DEGREE_METERS * 180, 1e-3);
  });

  it('plans a route as straight line × road factor at the average speed', async () => {
    const to = { lat: start.lat + 1000 / DEGREE_METERS, lon: start.lon };
    assert.deepEqual(await haversineRoutePlanner({ averageSpeedKmph: 26 }).route(start, to), { distanceMeters: 1300, durationSeconds: 180 });
    assert.deepEqual(await haversineRoutePlanner({ roadFactor: 1, averageSpeedKmph: 36 }).route(start, to), { distanceMeters: 1000, durationSeconds: 100 });
    assert.throws(() => haversineRoutePlanner({ roadFactor: 0.8, averageSpeedKmph: 30 }), RangeError);
    assert.throws(() => haversineRoutePlanner({ averageSpeedKmph: 0 }), RangeError);
  });

  it('sums the trail in time order whatever order the fixes arrived in, ignoring repeats', () => {
    const trail = [fix(0, 0), fix(100, 10), fix(200, 20), fix(300, 30)];
    near(traveledDistance(trail), 300, 1e-6);
    const scrambled = [trail[2]!, trail[0]!, trail[3]!, trail[1]!, trail[2]!, trail[0]!, fix(900, 20)];
    near(traveledDistance(scrambled), 300, 1e-6);
  });

  it('skips GPS jumps implying more than 200 km/h and measures on from the last good fix', () => {
    // 10 s between fixes: 500 m is 180 km/h (kept), 600 m is 216 km/h (a jump).
    near(traveledDistance([fix(0, 0), fix(500, 10)]), 500, 1e-6);
    near(traveledDistance([fix(0, 0), fix(600, 10)]), 0, 1e-6);
    const withJump = [fix(0, 0), fix(100, 10), fix(5000, 20), fix(200, 30), fix(300, 40)];
    near(traveledDistance(withJump), 300, 1e-6);
    near(traveledDistance([fix(0, 0), fix(600, 10)], 250), 600, 1e-6);
  });

  it('is zero for an empty or single-fix trail', () => {
    assert.equal(traveledDistance([]), 0);
    assert.equal(traveledDistance([fix(0, 0)]), 0);
  });
});
