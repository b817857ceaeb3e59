/**
 * The network of `bench:ride`: a BPP process (also the registry and the
 * gateway) and a BAP process, each on the full profile with a database of its
 * own, talking signed HTTP on loopback as two participants would, with the
 * configurable waits of the ride path at their floor. Then an operator with a
 * sedan fare policy, and one lane per ride in flight: a rider, and a sedan
 * driver online at the lane's own pickup, more than the search radius from
 * every other lane's, so each ride's offer reaches its lane's driver only.
 */
import { randomUUID } from 'node:crypto';
import { createSigner } from '../src/protocol/signing/index.js';
import { freePort, testSecrets } from '../test/support/test-app.js';
import { benchRun, seedRecord, startBenchService, writeSeedFile, type BenchService } from './bench-processes.js';
import type { TeardownStack } from './bench-target.js';

export interface LatLon {
  lat: number;
  lon: number;
}

export interface Lane {
  index: number;
  pickup: LatLon;
  drop: LatLon;
  riderToken: string;
  driverToken: string;
}

export interface RideNetwork {
  bpp: BenchService;
  bap: BenchService;
  lanes: Lane[];
  /** The waits set through configuration, as `NAME=value`, for the report. */
  waits: string[];
}

/**
 * The waits on the ride path that configuration reaches. The inbox wakes on
 * each accepted message, the outbox on each queued one and the scheduler on
 * each job due at once, all in process, so no step of a ride waits for a poll:
 * the poll intervals (DELIVERY_POLL_INTERVAL_MS, SCHEDULER_POLL_INTERVAL_MS)
 * stay at their defaults, which only bound the wait for work another process
 * or a retry made due. Set to 10 ms they made a ride slower (p50 727 ms
 * against 513 ms, one ride in flight), their idle queries taking a third of a
 * core per process. BENCH_RIDE_SERVICE_POLL_MS sets both to compare.
 */
const servicePollMs = process.env.BENCH_RIDE_SERVICE_POLL_MS;
const waitEnv = {
  ...(servicePollMs ? { DELIVERY_POLL_INTERVAL_MS: servicePollMs, SCHEDULER_POLL_INTERVAL_MS: servicePollMs } : {}),
  DELIVERY_BASE_BACKOFF_MS: '50',
  DELIVERY_MAX_BACKOFF_MS: '500',
  SUPPLY_SNAPSHOT_INTERVAL_SECONDS: '0',
  API_RATE_LIMIT_PER_MINUTE: '10000000',
  BECKN_RATE_LIMIT_PER_MINUTE: '10000000',
};

const sedanPolicy = {
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

/** A REST call that must succeed; anything else throws with the answer. */
export async function call(baseUrl: string, method: string, path: string, token: string, body?: unknown): Promise<any> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status < 200 || response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return text === '' ? null : JSON.parse(text);
}

/** Lane i's pickup on a grid 0.1° apart (about 11 km, over twice the 5 km offer radius) around Bengaluru. */
function lanePickup(index: number): LatLon {
  return { lat: 12.75 + 0.1 * (index % 5), lon: 77.45 + 0.1 * Math.floor(index / 5) };
}

export async function startRideNetwork(teardown: TeardownStack, laneCount: number): Promise<RideNetwork> {
  const run = benchRun(teardown);
  const bppId = `bench-test.bpp.${run.id}`;
  const bapId = `bench-test.bap.${run.id}`;
  const bapSecrets = testSecrets();
  const bapPort = await freePort();
  const bapKey = createSigner({ subscriberId: bapId, uniqueKeyId: 'bench-bap-key', privateKey: bapSecrets.SIGNING_PRIVATE_KEY }).publicKey;
  const seedFile = writeSeedFile(run, [seedRecord(bapId, 'bench-bap-key', 'BAP', `http://127.0.0.1:${bapPort}/beckn/bap`, bapKey)]);
  const bpp = await startBenchService(run, 'ride_bpp', {
    ...waitEnv,
    ROLES: 'registry,gateway,bpp',
    WORKERS: '1',
    BPP_SUBSCRIBER_ID: bppId,
    GATEWAY_SUBSCRIBER_ID: `bench-test.gateway.${run.id}`,
    REGISTRY_SEED_FILE: seedFile,
  });
  const bap = await startBenchService(
    run,
    'ride_bap',
    {
      ...waitEnv,
      ROLES: 'bap',
      WORKERS: '1',
      PORT: String(bapPort),
      PUBLIC_URL: `http://127.0.0.1:${bapPort}`,
      REGISTRY_URL: `${bpp.baseUrl}/registry`,
      BAP_SUBSCRIBER_ID: bapId,
      UNIQUE_KEY_ID: 'bench-bap-key',
    },
    bapSecrets,
  );

  const admin = bpp.secrets.ADMIN_TOKEN;
  const merchant = await call(bpp.baseUrl, 'POST', '/provider/merchants', admin, { name: 'Bench Cabs', subscriber_id: bppId, cities: [{ city_code: 'std:080', currency: 'INR' }] });
  await call(bpp.baseUrl, 'PUT', `/provider/fare-policies/${merchant.cities[0].id}/SEDAN`, admin, sedanPolicy);

  const lanes: Lane[] = [];
  for (let index = 0; index < laneCount; index += 1) {
    const stamp = String(1_000_000 + index).slice(-6) + randomUUID().replace(/\D/g, '').slice(0, 2);
    const driver = await call(bpp.baseUrl, 'POST', '/provider/drivers', admin, { merchant_id: merchant.id, name: `Bench Driver ${index}`, mobile_number: `+9197${stamp}` });
    await call(bpp.baseUrl, 'POST', '/provider/vehicles', admin, { driver_id: driver.id, registration_no: `KA01B${stamp.slice(-5)}`, category: 'CAB', variant: 'SEDAN', capacity: 4 });
    const { token: driverToken } = await call(bpp.baseUrl, 'POST', `/provider/drivers/${driver.id}/tokens`, admin);
    await call(bpp.baseUrl, 'POST', '/driver/status', driverToken, { online: true });
    const rider = await call(bap.baseUrl, 'POST', '/admin/riders', bapSecrets.ADMIN_TOKEN, { name: `Bench Rider ${index}`, mobile_number: `+9198${stamp}` });
    const pickup = lanePickup(index);
    lanes.push({ index, pickup, drop: { lat: pickup.lat + 0.03, lon: pickup.lon + 0.02 }, riderToken: rider.token, driverToken });
  }
  return { bpp, bap, lanes, waits: Object.entries(waitEnv).map(([name, value]) => `${name}=${value}`) };
}
