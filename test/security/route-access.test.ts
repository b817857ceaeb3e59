import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type { TestApp } from '../support/test-app.js';
import { mapLimit } from './support/concurrency.js';
import { caller, runRide, startRideApp, type Ride } from './support/ride-app.js';

type Kind = 'none' | 'rider' | 'driver' | 'admin' | 'auditor' | 'auditor_pii';
const kinds: readonly Kind[] = ['none', 'rider', 'driver', 'admin', 'auditor', 'auditor_pii'];

const everyone: readonly Kind[] = kinds;
const nobody: readonly Kind[] = [];
const auditors: readonly Kind[] = ['auditor', 'auditor_pii'];

/**
 * The expected matrix, written down: for each route of the app, the token
 * kinds that get past authentication and authorization (any answer but 401
 * and 403). Beckn endpoints and the payment webhook open to no bearer token
 * at all: they take signatures or the gateway's credentials.
 */
const expected: Record<string, readonly Kind[]> = {
  'GET /health/live': everyone,
  'GET /health/ready': everyone,
  'GET /metrics': everyone,
  'POST /registry/lookup': everyone,
  'POST /registry/subscribe': everyone,
  'POST /registry/subscribers/:subscriberId/:uniqueKeyId/status': ['admin'],
  'GET /registry/subscribers/:subscriberId/:uniqueKeyId/challenge': ['admin'],
  'POST /beckn/bpp/on_subscribe': everyone,
  'POST /beckn/bap/on_subscribe': everyone,
  'POST /beckn/gateway/on_subscribe': everyone,
  'POST /beckn/bpp/:action': nobody,
  'POST /beckn/bap/:action': nobody,
  'POST /beckn/gateway/search': nobody,
  'GET /audit/transactions/:transactionId': auditors,
  'GET /audit/messages': auditors,
  'GET /audit/messages/:recordId/raw': auditors,
  'POST /audit/messages/:recordId/verify': auditors,
  'GET /audit/transactions/:transactionId/conformance': auditors,
  'GET /audit/export': auditors,
  'GET /audit/stats': auditors,
  'GET /audit/transactions/:transactionId/ondc-log': auditors,
  'GET /audit/proofs/inclusion': auditors,
  'GET /audit/proofs/consistency': auditors,
  'GET /audit/checkpoints': auditors,
  'POST /provider/merchants': ['admin'],
  'GET /provider/merchants': ['admin'],
  'PUT /provider/merchants/:id/support': ['admin'],
  'POST /provider/drivers': ['admin'],
  'POST /provider/vehicles': ['admin'],
  'PUT /provider/fare-policies/:cityId/:variant': ['admin'],
  'POST /provider/special-locations': ['admin'],
  'GET /provider/special-locations': ['admin'],
  'GET /provider/payouts': ['admin'],
  'POST /provider/payouts/run': ['admin'],
  'GET /provider/analytics/summary': ['admin'],
  'GET /provider/analytics/timeseries': ['admin'],
  'GET /provider/analytics/heatmap': ['admin'],
  'POST /provider/drivers/:driverId/tokens': ['admin'],
  'DELETE /provider/drivers/:driverId/tokens': ['admin'],
  'POST /driver/status': ['driver'],
  'POST /driver/location': ['driver'],
  'GET /driver/ride-offers': ['driver'],
  'POST /driver/ride-offers/:id/accept': ['driver'],
  'POST /driver/ride-offers/:id/decline': ['driver'],
  'POST /driver/rides/:id/enroute': ['driver'],
  'POST /driver/rides/:id/arrived': ['driver'],
  'POST /driver/rides/:id/start': ['driver'],
  'POST /driver/rides/:id/end': ['driver'],
  'POST /driver/rides/:id/cancel': ['driver'],
  'GET /driver/rides': ['driver'],
  'GET /driver/earnings': ['driver'],
  'POST /admin/riders': ['admin'],
  'POST /rider/searches': ['rider'],
  'GET /rider/searches/:id': ['rider'],
  'GET /rider/searches/:id/events': ['rider'],
  'POST /rider/estimates/:id/select': ['rider'],
  'GET /rider/searches/:id/quotes': ['rider'],
  'POST /rider/quotes/:id/book': ['rider'],
  'GET /rider/bookings/:id': ['rider'],
  'GET /rider/bookings/:id/events': ['rider'],
  'GET /rider/bookings/:id/track': ['rider'],
  'POST /rider/bookings/:id/cancel': ['rider'],
  'POST /rider/bookings/:id/rating': ['rider'],
  'POST /rider/bookings/:id/support': ['rider'],
  'POST /rider/bookings/:id/drop': ['rider'],
  'POST /rider/bookings/:id/status': ['rider'],
  'POST /rider/bookings/:id/payment': ['rider'],
  'GET /rider/bookings/:id/payment': ['rider'],
  'POST /payments/webhook/:gateway': nobody,
  'GET /dashboard': everyone,
  'GET /dashboard/dashboard.js': everyone,
  'GET /dashboard/dashboard.css': everyone,
  'GET /dashboard/favicon.svg': everyone,
  'GET /dashboard/vendor/chart.umd.js': everyone,
  'GET /dashboard/vendor/leaflet.js': everyone,
  'GET /dashboard/vendor/leaflet.css': everyone,
  'GET /openapi.json': everyone,
};

/** Who a declared bearer scheme admits, for a route added after this matrix was written. */
const bySecurity: Record<string, readonly Kind[]> = {
  adminToken: ['admin'],
  auditorToken: auditors,
  driverToken: ['driver'],
  riderToken: ['rider'],
};

const becknActions = {
  bpp: ['search', 'select', 'init', 'confirm', 'status', 'track', 'cancel', 'update', 'rating', 'support'],
  bap: ['on_search', 'on_select', 'on_init', 'on_confirm', 'on_status', 'on_track', 'on_cancel', 'on_update', 'on_rating', 'on_support'],
};

/** A concrete path of a route: its parameters filled with fresh ids (or the one value a parameter takes). */
function concretePaths(path: string): string[] {
  if (path === '/beckn/bpp/:action') return becknActions.bpp.map((a) => `/beckn/bpp/${a}`);
  if (path === '/beckn/bap/:action') return becknActions.bap.map((a) => `/beckn/bap/${a}`);
  const fixed: Record<string, string> = { gateway: 'juspay', variant: 'SEDAN' };
  return [path.replace(/:(\w+)/g, (_m, name: string) => fixed[name] ?? randomUUID())];
}

describe('who each route opens to: no token and every kind of token, and no cross access between riders or drivers', function () {
  this.timeout(240_000);
  let app: TestApp;
  let ride: Ride;
  let tokens: Record<Exclude<Kind, 'none'>, string> & { rider2: string; driver2: string };
  const auditorPiiToken = randomBytes(24).toString('base64url');

  before(async () => {
    app = await startRideApp({ kafka: false, env: { AUDITOR_PII_TOKEN: auditorPiiToken } });
    ride = await runRide(app);
    const call = caller(app.baseUrl);
    const admin = app.ctx.config.secrets.adminToken;
    const rider2 = await call('POST', '/admin/riders', admin, { name: 'Other Rider', mobile_number: `+91983${String(Date.now()).slice(-7)}` });
    const driver2 = await call('POST', '/provider/drivers', admin, { merchant_id: ride.merchantId, name: 'Other Driver', mobile_number: `+91984${String(Date.now()).slice(-7)}` });
    const driver2Token = await call('POST', `/provider/drivers/${driver2.body.id}/tokens`, admin);
    assert.equal(driver2Token.status, 201, JSON.stringify(driver2Token.body));
    tokens = {
      rider: ride.riderToken,
      driver: ride.driverToken,
      admin,
      auditor: app.ctx.config.secrets.auditorToken,
      auditor_pii: auditorPiiToken,
      rider2: rider2.body.token,
      driver2: driver2Token.body.token,
    };
  });
  after(async () => {
    await app?.close();
  });

  const tokenOf = (kind: Kind): string | null => (kind === 'none' ? null : tokens[kind]);

  /** One request: the status only, so a stream answered 200 is not read to its end. */
  const probe = async (method: string, path: string, token: string | null, body?: unknown) => {
    const controller = new AbortController();
    const response = await fetch(app.baseUrl + path, {
      method: method.toUpperCase(),
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: controller.signal,
    });
    const type = response.headers.get('content-type') ?? '';
    const text = type.includes('event-stream') ? '' : await response.text();
    controller.abort();
    return { status: response.status, type, text };
  };

  it('opens each route to exactly the token kinds of the written matrix', async () => {
    const document = (await (await fetch(`${app.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const mounted = app.routes.map((r) => `${r.method.toUpperCase()} ${r.path}`);
    assert.deepEqual([...documented].sort(), [...mounted].sort(), '/openapi.json documents every mounted route');
    const unlisted: string[] = [];
    const cases = app.routes.flatMap((route) => {
      const key = `${route.method.toUpperCase()} ${route.path}`;
      let opens = expected[key];
      if (!opens) {
        // A route added after this matrix: it must declare a bearer scheme, and opens to its holders only.
        assert.ok(route.security && bySecurity[route.security], `${key} is not in the matrix and declares no known bearer scheme`);
        opens = bySecurity[route.security];
        unlisted.push(key);
      }
      const body = route.method === 'post' || route.method === 'put' || route.method === 'patch' ? {} : undefined;
      return concretePaths(route.path).flatMap((path) => kinds.map((kind) => ({ key, method: route.method, path, kind, body, opens: opens as readonly Kind[] })));
    });
    const started = Date.now();
    const outcomes = await mapLimit(cases, 8, async (c) => ({ ...c, answer: await probe(c.method, c.path, tokenOf(c.kind), c.body) }));
    const wrong: string[] = [];
    for (const o of outcomes) {
      // A Beckn endpoint past its per-address budget of unsigned refusals answers 429 before any signature: refused too.
      const passed = o.answer.status !== 401 && o.answer.status !== 403 && !(o.answer.status === 429 && o.path.startsWith('/beckn/'));
      if (passed !== o.opens.includes(o.kind)) wrong.push(`${o.method.toUpperCase()} ${o.path} as ${o.kind}: ${o.answer.status} ${o.answer.text.slice(0, 120)}`);
      if (o.answer.status >= 500) wrong.push(`${o.method.toUpperCase()} ${o.path} as ${o.kind}: 5xx ${o.answer.status} ${o.answer.text.slice(0, 200)}`);
      if (!passed && !o.answer.type.includes('json')) wrong.push(`${o.method.toUpperCase()} ${o.path} as ${o.kind}: refusal not JSON (${o.answer.type})`);
    }
    const routesWalked = new Set(outcomes.map((o) => o.key)).size;
    console.log(
      `      access matrix: ${routesWalked} routes, ${outcomes.length} requests (${kinds.length} token kinds) in ${Date.now() - started} ms; ` +
        `${outcomes.filter((o) => o.answer.status === 401).length} answered 401, ${outcomes.filter((o) => o.answer.status === 403).length} 403` +
        (unlisted.length ? `; routes newer than the matrix, checked by their scheme: ${unlisted.join(', ')}` : ''),
    );
    assert.deepEqual(wrong, []);
  });

  it("a rider never reaches another rider's search, estimate, quote, booking or payment (403/404, nothing changed)", async () => {
    const call = caller(app.baseUrl);
    const other = tokens.rider2;
    const attempts: [string, string, unknown?][] = [
      ['GET', `/rider/searches/${ride.searchId}`],
      ['GET', `/rider/searches/${ride.searchId}/events`],
      ['GET', `/rider/searches/${ride.searchId}/quotes`],
      ['POST', `/rider/estimates/${ride.estimateId}/select`, {}],
      ['POST', `/rider/quotes/${ride.quoteId}/book`, { paymentType: 'PRE-ORDER' }],
      ['GET', `/rider/bookings/${ride.bookingId}`],
      ['GET', `/rider/bookings/${ride.bookingId}/events`],
      ['GET', `/rider/bookings/${ride.bookingId}/track`],
      ['POST', `/rider/bookings/${ride.bookingId}/cancel`, { reasonCode: '001', confirm: true }],
      ['POST', `/rider/bookings/${ride.bookingId}/rating`, { value: 1 }],
      ['POST', `/rider/bookings/${ride.bookingId}/support`],
      ['POST', `/rider/bookings/${ride.bookingId}/status`],
      ['POST', `/rider/bookings/${ride.bookingId}/payment`],
      ['GET', `/rider/bookings/${ride.bookingId}/payment`],
    ];
    const before = await call('GET', `/rider/bookings/${ride.bookingId}`, tokens.rider);
    const answers = await mapLimit(attempts, 4, async ([method, path, body]) => ({ method, path, answer: await probe(method, path, other, body) }));
    const wrong = answers.filter((a) => a.answer.status !== 403 && a.answer.status !== 404).map((a) => `${a.method} ${a.path}: ${a.answer.status} ${a.answer.text.slice(0, 160)}`);
    assert.deepEqual(wrong, []);
    for (const a of answers) assert.ok(!a.answer.text.includes(ride.riderPhone.slice(-10)) && !a.answer.text.includes(ride.otp.length ? `"otp":"${ride.otp}"` : 'x'), `${a.path} shows nothing of the booking`);
    const after = await call('GET', `/rider/bookings/${ride.bookingId}`, tokens.rider);
    assert.deepEqual(after.body, before.body, "the owner's booking is unchanged");
  });

  it("a driver never reaches another driver's ride (403/404, nothing changed)", async () => {
    const other = tokens.driver2;
    const attempts: [string, string, unknown?][] = [
      ['POST', `/driver/rides/${ride.driverRideId}/arrived`],
      ['POST', `/driver/rides/${ride.driverRideId}/start`, { otp: ride.otp }],
      ['POST', `/driver/rides/${ride.driverRideId}/end`],
      ['POST', `/driver/rides/${ride.driverRideId}/cancel`, { reasonCode: '000' }],
    ];
    const rideRow = () =>
      app.ctx.sequelize.query<Record<string, unknown>>('SELECT * FROM atlas_driver_offer_bpp.ride WHERE id = $1', { type: QueryTypes.SELECT, bind: [ride.driverRideId] });
    const before = await rideRow();
    assert.equal(before.length, 1, 'the ride row exists');
    const answers = await mapLimit(attempts, 4, async ([method, path, body]) => ({ method, path, answer: await probe(method, path, other, body) }));
    const wrong = answers.filter((a) => a.answer.status !== 403 && a.answer.status !== 404).map((a) => `${a.method} ${a.path}: ${a.answer.status} ${a.answer.text.slice(0, 160)}`);
    assert.deepEqual(wrong, []);
    const listed = await probe('GET', '/driver/rides', other);
    assert.equal(listed.status, 200);
    assert.ok(!listed.text.includes(ride.driverRideId), "the other driver's ride list does not show the ride");
    const earnings = await probe('GET', '/driver/earnings', other);
    assert.ok(!earnings.text.includes(ride.driverRideId));
    assert.deepEqual(await rideRow(), before, 'the ride row is unchanged');
  });
});
