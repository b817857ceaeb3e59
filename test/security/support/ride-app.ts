import type { DestinationStream } from 'pino';
import { registerBap } from '../../../src/bap/index.js';
import { registerBpp } from '../../../src/bpp/index.js';
import type { RawEnv } from '../../../src/config/index.js';
import { generateEncryptionKeyPair } from '../../../src/protocol/signing/index.js';
import { freePort, fullProfileEnv, startTestApp, type TestApp } from '../../support/test-app.js';
import { waitFor } from '../../support/wait-until.js';

/**
 * The whole service in one process (BAP, BPP, gateway, dev registry, both
 * domains' handlers) on a concrete port, so a rider's search reaches our own
 * BPP through the gateway as in `npm run demo`. `kafka: false` keeps the
 * message log in its file (the audit API reads it), so the raw log is a file
 * a test can read.
 */
export async function startRideApp(options: { env?: RawEnv; kafka?: boolean; logs?: string[] } = {}): Promise<TestApp> {
  const port = await freePort();
  // With an X25519 key, so the roles' on_subscribe routes are walked too.
  const env: RawEnv = fullProfileEnv({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    X25519_PRIVATE_KEY: generateEncryptionKeyPair().privateKeyDer,
    ...options.env,
  });
  if (options.kafka === false) {
    delete env.KAFKA_BROKERS;
    delete env.CLICKHOUSE_URL;
    delete env.CLICKHOUSE_DATABASE;
  }
  const logs = options.logs;
  const destination: DestinationStream | undefined = logs ? { write: (line: string) => void logs.push(line) } : undefined;
  return startTestApp(env, {}, destination, (ctx) => {
    registerBpp(ctx);
    registerBap(ctx, ctx.bap);
  });
}

export interface HttpAnswer {
  status: number;
  body: any;
  headers: Headers;
}

export function caller(baseUrl: string) {
  return async (method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
}

const PICKUP = { lat: 12.9719, lon: 77.6412 };
const DROP = { lat: 12.956, lon: 77.626 };

export interface RideSecrets {
  adminToken: string;
  riderToken: string;
  riderPhone: string;
  driverToken: string;
  driverPhone: string;
  otp: string;
  clientAuthToken: string;
}

export interface Ride extends RideSecrets {
  merchantId: string;
  cityId: string;
  riderId: string;
  driverId: string;
  bookingId: string;
  driverRideId: string;
  transactionId: string;
  searchId: string;
  quoteId: string;
  estimateId: string;
  paymentOrderId: string;
}

/**
 * A whole ride through the REST APIs, as `npm run demo` does it: the operator
 * onboards a merchant and a sedan driver, a rider signs up, searches, selects,
 * the driver accepts, the rider books paying before the ride, pays on the
 * simulator's page, the driver arrives, starts with the OTP, ends; the rider
 * rates. Every wait is on an observable state, bounded.
 */
export async function runRide(app: TestApp, stepTimeoutMs = 60_000): Promise<Ride> {
  const call = caller(app.baseUrl);
  const adminToken = app.ctx.config.secrets.adminToken;
  const ok = async (method: string, path: string, token: string, body?: unknown, headers?: Record<string, string>) => {
    const answer = await call(method, path, token, body, headers);
    if (answer.status >= 300) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const until = <T>(what: string, probe: () => Promise<T | undefined>) => waitFor(what, probe, { timeoutMs: stepTimeoutMs, intervalMs: 100 });
  const stamp = String(Date.now()).slice(-7);

  const merchant = await ok('POST', '/provider/merchants', adminToken, {
    name: 'Security Cabs',
    subscriber_id: app.ctx.config.beckn.subscriberIds.bpp,
    cities: [{ city_code: 'std:080', currency: 'INR' }],
  });
  const cityId = merchant.cities[0].id as string;
  await ok('PUT', `/provider/fare-policies/${cityId}/SEDAN`, adminToken, {
    base_distance_meters: 2000,
    base_fare: '80',
    per_km: '18',
    per_minute: '1.5',
    waiting_free_minutes: 3,
    waiting_charge_per_minute: '2',
    pickup_charge: '10',
    cancellation_fees: { RIDE_ASSIGNED: '25', RIDE_ARRIVED_PICKUP: '50' },
    currency: 'INR',
  });
  const driverPhone = `+91981${stamp}`;
  const driver = await ok('POST', '/provider/drivers', adminToken, { merchant_id: merchant.id, name: 'Ravi Kumar', mobile_number: driverPhone });
  await ok('POST', '/provider/vehicles', adminToken, { driver_id: driver.id, registration_no: `KA03SC${stamp.slice(-4)}`, category: 'CAB', variant: 'SEDAN', capacity: 4 });
  const { token: driverToken } = await ok('POST', `/provider/drivers/${driver.id}/tokens`, adminToken);
  await ok('POST', '/driver/status', driverToken, { online: true });
  await ok('POST', '/driver/location', driverToken, { points: [{ lat: PICKUP.lat + 0.0004, lon: PICKUP.lon + 0.0003, ts: Date.now() }] });

  const riderPhone = `+91982${stamp}`;
  const rider = await ok('POST', '/admin/riders', adminToken, { name: 'Asha Rao', mobile_number: riderPhone });
  const riderToken = rider.token as string;
  const search = await ok('POST', '/rider/searches', riderToken, { pickup: PICKUP, drop: DROP }, { 'idempotency-key': `sec-search-${stamp}` });
  const sedan = await until('a sedan estimate', async () => {
    const view = await ok('GET', `/rider/searches/${search.searchId}`, riderToken);
    return (view.estimates as any[]).find((e) => e.vehicle?.variant === 'SEDAN');
  });
  const { quoteId } = await ok('POST', `/rider/estimates/${sedan.id}/select`, riderToken, {}, { 'idempotency-key': `sec-select-${stamp}` });
  const offer = await until('a ride offer to the driver', async () => ((await ok('GET', '/driver/ride-offers', driverToken)).offers as any[])[0]);
  await ok('POST', `/driver/ride-offers/${offer.id}/accept`, driverToken);
  await until('the quote', async () => {
    const { quotes } = await ok('GET', `/rider/searches/${search.searchId}/quotes`, riderToken);
    const found = (quotes as any[]).find((q) => q.id === quoteId);
    if (found?.status === 'FAILED') throw new Error(`the quote failed: ${JSON.stringify(found)}`);
    return found?.status === 'RECEIVED' ? found : undefined;
  });
  const { bookingId } = await ok('POST', `/rider/quotes/${quoteId}/book`, riderToken, { paymentType: 'PRE-ORDER' }, { 'idempotency-key': `sec-book-${stamp}` });
  await until('the booking to await its payment', async () => {
    const view = await ok('GET', `/rider/bookings/${bookingId}`, riderToken);
    if (view.status === 'FAILED') throw new Error(`the booking failed: ${JSON.stringify(view)}`);
    return view.status === 'AWAITING_PAYMENT' ? view : undefined;
  });
  const order = await ok('POST', `/rider/bookings/${bookingId}/payment`, riderToken);
  const page = await fetch(order.paymentLinks.web);
  if (page.status !== 200) throw new Error(`the payment page answered ${page.status}`);
  await until('the payment to be charged', async () => ((await ok('GET', `/rider/bookings/${bookingId}/payment`, riderToken)).status === 'CHARGED' ? true : undefined));
  const booking = await until('the confirmed booking', async () => {
    const view = await ok('GET', `/rider/bookings/${bookingId}`, riderToken);
    if (view.status === 'FAILED') throw new Error(`the booking failed: ${JSON.stringify(view)}`);
    return view.status === 'CONFIRMED' && view.ride?.otp ? view : undefined;
  });
  const otp = String(booking.ride.otp);
  const driverRideId = await until('the ride in the driver app', async () => {
    const { rides } = await ok('GET', '/driver/rides', driverToken);
    return (rides as any[]).find((r) => r.status === 'NEW')?.id as string | undefined;
  });
  const rideState = (state: string) =>
    until(`the rider to see ${state}`, async () => ((await ok('GET', `/rider/bookings/${bookingId}`, riderToken)).ride?.state === state ? true : undefined));
  await ok('POST', `/driver/rides/${driverRideId}/arrived`, driverToken);
  await rideState('RIDE_ARRIVED_PICKUP');
  await ok('POST', `/driver/rides/${driverRideId}/start`, driverToken, { otp });
  await rideState('RIDE_STARTED');
  for (let i = 1; i <= 3; i += 1) {
    await ok('POST', '/driver/location', driverToken, {
      points: [{ lat: PICKUP.lat + ((DROP.lat - PICKUP.lat) * i) / 3, lon: PICKUP.lon + ((DROP.lon - PICKUP.lon) * i) / 3, ts: Date.now() }],
    }).catch(() => undefined);
  }
  await ok('POST', `/driver/rides/${driverRideId}/end`, driverToken);
  await until('the completed booking', async () => ((await ok('GET', `/rider/bookings/${bookingId}`, riderToken)).status === 'COMPLETED' ? true : undefined));
  await ok('POST', `/rider/bookings/${bookingId}/rating`, riderToken, { value: 5, comment: 'Smooth ride' }, { 'idempotency-key': `sec-rating-${stamp}` });
  return {
    adminToken,
    merchantId: merchant.id,
    cityId,
    riderId: rider.id,
    riderToken,
    riderPhone,
    driverId: driver.id,
    driverToken,
    driverPhone,
    otp,
    clientAuthToken: order.clientAuthToken,
    bookingId,
    driverRideId,
    transactionId: search.transactionId,
    searchId: search.searchId,
    quoteId,
    estimateId: sedan.id,
    paymentOrderId: order.orderId ?? order.id,
  };
}
