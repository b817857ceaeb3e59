import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createClickHouse } from '../../src/infra/clickhouse/index.js';
import { createKafka } from '../../src/infra/kafka/index.js';
import { createSigner } from '../../src/protocol/signing/index.js';
import { startPaymentSimulator, type PaymentSimulator } from '../../src/payments/gateway/index.js';
import { quiet } from '../audit/sink-support.js';
import { policyBody } from '../bpp/booking-flow.js';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { testServices, uniqueTestName, uniqueTestPrefix } from '../support/services.js';
import { freePort, testSecrets } from '../support/test-app.js';
import { waitFor } from '../support/wait-until.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy.js';

/** Rides driven (REPLICAS_TEST_RIDES overrides it for a quicker local run), at most CONCURRENCY at a time. */
const RIDES = Number(process.env.REPLICAS_TEST_RIDES ?? 100);
const CONCURRENCY = 25;
/** Two of every five rides are paid before the ride (PRE-ORDER). */
const prepaid = (i: number) => i % 5 < 2;

/**
 * Two BAP and two BPP processes, each pair on one database of its own side,
 * sharing Redis and Kafka, behind a round-robin proxy per side: the registry
 * names the proxies as the subscriber URLs, and the rider and driver apps
 * call the proxies too, so every request, callback and webhook may land on
 * either replica. Many whole rides run at once; afterwards the databases,
 * the payment simulator and the audit log (Kafka → ClickHouse through the
 * audit sink) must each count every ride, booking, charge and message once.
 */
describe('replicas: two BAPs and two BPPs behind round-robin, many concurrent rides', function () {
  this.timeout(1_200_000);

  let bppDb: FreshDatabase;
  let bapDb: FreshDatabase;
  let bppSql: pg.Client;
  let bapSql: pg.Client;
  let bppProxy: RoundRobinProxy;
  let bapProxy: RoundRobinProxy;
  const processes: ServiceProcess[] = [];
  let gateway: PaymentSimulator;
  const bppSecrets = testSecrets();
  const bapSecrets = testSecrets();
  const suffix = randomUUID().slice(0, 8);
  const bppId = `replicas-test.bpp.${suffix}`;
  const bapId = `replicas-test.bap.${suffix}`;
  const gatewayAccount = { apiKey: randomUUID(), merchantId: 'replicas-rider-app', hookUser: 'replicas-hooks', hookPassword: randomUUID() };
  const topic = uniqueTestName('replicas_topic');
  const sinkGroup = uniqueTestName('replicas_sink');
  const eventsTopic = uniqueTestName('replicas_events');
  let merchantId: string;

  const serviceEnv = () => ({
    LOG_LEVEL: 'warn',
    REDIS_URL: testServices.redisUrl,
    KAFKA_BROKERS: testServices.kafkaBrokers.join(','),
    CLICKHOUSE_URL: testServices.clickhouseUrl,
    CLICKHOUSE_DATABASE: testServices.clickhouseDatabase,
    DEMO_NETWORK: 'false',
    KAFKA_MESSAGE_TOPIC: topic,
    KAFKA_MESSAGE_TOPIC_PARTITIONS: '2',
    EVENTS_TOPIC: eventsTopic,
    EVENTS_RELAY_POLL_MS: '200',
    DELIVERY_BASE_BACKOFF_MS: '50',
    DELIVERY_MAX_BACKOFF_MS: '1000',
    DELIVERY_POLL_INTERVAL_MS: '50',
    SCHEDULER_POLL_INTERVAL_MS: '100',
    SUPPLY_SNAPSHOT_INTERVAL_SECONDS: '0',
    DB_POOL_MAX: '12',
  });

  const call = async (base: string, method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // kept as text for the failure message
    }
    return { status: response.status, body: parsed };
  };
  const ok = async (base: string, method: string, path: string, token: string, body?: unknown) => {
    const answer = await call(base, method, path, token, body);
    assert.ok(answer.status >= 200 && answer.status < 300, `${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const operator = (method: string, path: string, body?: unknown) => ok(bppProxy.url, method, path, bppSecrets.ADMIN_TOKEN, body);
  /** Polls `check` until it gives a truthy value. */
  const until = <T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 120_000): Promise<T> =>
    waitFor(what, async () => (await check()) || undefined, { timeoutMs, intervalMs: 300 });

  /** Runs `work` over 0..count-1, at most `limit` at a time; every failure is kept and reported. */
  const pool = async <T>(count: number, limit: number, work: (i: number) => Promise<T>): Promise<{ results: (T | undefined)[]; errors: { i: number; error: unknown }[] }> => {
    const results: (T | undefined)[] = new Array(count).fill(undefined);
    const errors: { i: number; error: unknown }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(limit, count) }, async () => {
        while (next < count) {
          const i = next++;
          try {
            results[i] = await work(i);
          } catch (error) {
            errors.push({ i, error });
          }
        }
      }),
    );
    return { results, errors };
  };

  // Pickups on a grid 0.06° apart (about 6.5 km, beyond the 5 km search and offer radius), so each ride's only nearby driver is its own.
  const pickupOf = (i: number) => ({ lat: 12.6 + Math.floor(i / 10) * 0.06, lon: 77.3 + (i % 10) * 0.06 });
  const dropOf = (i: number) => ({ lat: pickupOf(i).lat + 0.012, lon: pickupOf(i).lon + 0.008 });

  before(async () => {
    const started = Date.now();
    bppDb = await freshServerDatabase('replicas_bpp');
    bapDb = await freshServerDatabase('replicas_bap');
    const [bpp1Port, bpp2Port, bap1Port, bap2Port, sinkPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    bppProxy = await startRoundRobinProxy([`http://127.0.0.1:${bpp1Port}`, `http://127.0.0.1:${bpp2Port}`]);
    bapProxy = await startRoundRobinProxy([`http://127.0.0.1:${bap1Port}`, `http://127.0.0.1:${bap2Port}`]);
    const dir = mkdtempSync(join(tmpdir(), 'beckn-ride-test-replicas-'));
    const seedFile = join(dir, 'registry-seed.json');
    const bapPublicKey = createSigner({ subscriberId: bapId, uniqueKeyId: 'replicas-bap-key', privateKey: bapSecrets.SIGNING_PRIVATE_KEY }).publicKey;
    writeFileSync(
      seedFile,
      JSON.stringify([
        {
          subscriber_id: bapId,
          unique_key_id: 'replicas-bap-key',
          type: 'BAP',
          subscriber_url: `${bapProxy.url}/beckn/bap`,
          signing_public_key: bapPublicKey,
          valid_from: new Date(Date.now() - 3_600_000).toISOString(),
          valid_until: new Date(Date.now() + 86_400_000).toISOString(),
          status: 'SUBSCRIBED',
        },
      ]),
    );
    // Both BPP processes play registry, gateway and BPP on one database; each registers the proxy's URL.
    const bppEnv = {
      ...serviceEnv(),
      ...bppSecrets,
      ROLES: 'registry,gateway,bpp',
      PUBLIC_URL: bppProxy.url,
      DATABASE_URL: bppDb.url,
      REDIS_KEY_PREFIX: uniqueTestPrefix('replicas-bpp'),
      BPP_SUBSCRIBER_ID: bppId,
      GATEWAY_SUBSCRIBER_ID: `replicas-test.gateway.${suffix}`,
      REGISTRY_SEED_FILE: seedFile,
    };
    processes.push(await startServiceProcess({ ...bppEnv, PORT: String(bpp1Port), DATA_DIR: join(dir, 'bpp-1') }, 120_000));
    gateway = await startPaymentSimulator({
      port: 0,
      apiKey: gatewayAccount.apiKey,
      merchantId: gatewayAccount.merchantId,
      webhookAuth: { scheme: 'basic', username: gatewayAccount.hookUser, password: gatewayAccount.hookPassword },
      webhookUrl: `${bapProxy.url}/payments/webhook/juspay`,
      logger: quiet,
    });
    const bapEnv = {
      ...serviceEnv(),
      PAYMENT_GATEWAY_URL: gateway.url,
      PAYMENT_GATEWAY_API_KEY: gatewayAccount.apiKey,
      PAYMENT_GATEWAY_MERCHANT_ID: gatewayAccount.merchantId,
      PAYMENT_WEBHOOK_USERNAME: gatewayAccount.hookUser,
      PAYMENT_WEBHOOK_PASSWORD: gatewayAccount.hookPassword,
      ...bapSecrets,
      ROLES: 'bap',
      REGISTRY_URL: `${bppProxy.url}/registry`,
      PUBLIC_URL: bapProxy.url,
      DATABASE_URL: bapDb.url,
      REDIS_KEY_PREFIX: uniqueTestPrefix('replicas-bap'),
      BAP_SUBSCRIBER_ID: bapId,
      UNIQUE_KEY_ID: 'replicas-bap-key',
    };
    processes.push(
      ...(await Promise.all([
        startServiceProcess({ ...bppEnv, PORT: String(bpp2Port), DATA_DIR: join(dir, 'bpp-2') }, 120_000),
        startServiceProcess({ ...bapEnv, PORT: String(bap1Port), DATA_DIR: join(dir, 'bap-1') }, 120_000),
        startServiceProcess({ ...bapEnv, PORT: String(bap2Port), DATA_DIR: join(dir, 'bap-2') }, 120_000),
        startServiceProcess(
          { ...serviceEnv(), ...testSecrets(), PORT: String(sinkPort), DATA_DIR: join(dir, 'sink'), AUDIT_SINK_GROUP: sinkGroup, AUDIT_SINK_BATCH_SIZE: '500' },
          120_000,
          'src/audit-sink.ts',
        ),
      ])),
    );
    bppSql = new pg.Client({ connectionString: bppDb.url });
    bapSql = new pg.Client({ connectionString: bapDb.url });
    await Promise.all([bppSql.connect(), bapSql.connect()]);
    const merchant = await operator('POST', '/provider/merchants', { name: 'Replica Cabs', subscriber_id: bppId, cities: [{ city_code: 'std:080', currency: 'INR' }] });
    merchantId = merchant.id;
    await operator('PUT', `/provider/fare-policies/${merchant.cities[0].id}/SEDAN`, policyBody);
    console.log(`replicas: 4 service processes and the audit sink up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  after(async () => {
    await bppSql?.end().catch(() => undefined);
    await bapSql?.end().catch(() => undefined);
    await Promise.all(
      processes.map(async (service) => {
        service.child.kill('SIGTERM');
        await service.exited;
      }),
    );
    await bppProxy?.close();
    await bapProxy?.close();
    await gateway?.close();
    await bppDb?.dispose();
    await bapDb?.dispose();
    const admin = createKafka({ brokers: testServices.kafkaBrokers, clientId: 'beckn-ride-test', logger: quiet }).admin();
    await admin.connect();
    await admin.deleteGroups([sinkGroup, `${sinkGroup}-events`]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic, eventsTopic] }).catch(() => undefined);
    await admin.disconnect();
  });

  /** A sedan driver online next to ride i's pickup, and ride i's rider. */
  const participants = async (i: number) => {
    const stamp = `${String(Date.now()).slice(-5)}${String(i).padStart(3, '0')}`;
    const driver = await operator('POST', '/provider/drivers', { merchant_id: merchantId, name: `Driver ${i}`, mobile_number: `+9197${stamp}` });
    await operator('POST', '/provider/vehicles', { driver_id: driver.id, registration_no: `KA05R${stamp.slice(-5)}`, category: 'CAB', variant: 'SEDAN', capacity: 4 });
    const { token } = await operator('POST', `/provider/drivers/${driver.id}/tokens`);
    await ok(bppProxy.url, 'POST', '/driver/status', token, { online: true });
    const pickup = pickupOf(i);
    await ok(bppProxy.url, 'POST', '/driver/location', token, { points: [{ lat: pickup.lat + 0.0005, lon: pickup.lon + 0.0005, ts: Date.now() }] });
    const rider = await ok(bapProxy.url, 'POST', '/admin/riders', bapSecrets.ADMIN_TOKEN, { name: `Rider ${i}`, mobile_number: `+9198${stamp}` });
    return { driver: { id: driver.id as string, token: token as string }, riderToken: rider.token as string };
  };

  /** Ride i from search to the end, every call through the proxies; returns what the checks below need. */
  const ride = async (i: number, driver: { id: string; token: string }, riderToken: string) => {
    const bap = (method: string, path: string, body?: unknown) => ok(bapProxy.url, method, path, riderToken, body);
    const drv = (method: string, path: string, body?: unknown) => ok(bppProxy.url, method, path, driver.token, body);
    const pickup = pickupOf(i);
    const drop = dropOf(i);
    // The driver app reports its position while the driver waits (locations go stale after a minute), until the ride is accepted.
    const here = () => drv('POST', '/driver/location', { points: [{ lat: pickup.lat + 0.0005, lon: pickup.lon + 0.0005, ts: Date.now() }] });
    await here();
    const heartbeat = setInterval(() => void here().catch(() => undefined), 15_000);
    try {
      return await booked(i, pickup, drop, bap, drv, () => clearInterval(heartbeat));
    } finally {
      clearInterval(heartbeat);
    }
  };

  type Call = (method: string, path: string, body?: unknown) => Promise<any>;
  const booked = async (i: number, pickup: { lat: number; lon: number }, drop: { lat: number; lon: number }, bap: Call, drv: Call, accepted: () => void) => {
    const paymentType = prepaid(i) ? 'PRE-ORDER' : 'ON-FULFILLMENT';
    const search = await bap('POST', '/rider/searches', { pickup, drop });
    const estimate = await until(`ride ${i}: the sedan estimate`, async () => {
      const view = await bap('GET', `/rider/searches/${search.searchId}`);
      return (view.estimates as any[]).find((e) => e.vehicle?.variant === 'SEDAN' && e.bppId === bppId);
    });
    const { quoteId } = await bap('POST', `/rider/estimates/${estimate.id}/select`, {});
    const offer = await until(`ride ${i}: the offer to its driver`, async () => (await drv('GET', '/driver/ride-offers')).offers[0]);
    await drv('POST', `/driver/ride-offers/${offer.id}/accept`);
    accepted();
    await until(`ride ${i}: the quote`, async () => {
      const { quotes } = await bap('GET', `/rider/searches/${search.searchId}/quotes`);
      return (quotes as any[]).find((q) => q.id === quoteId && q.status === 'RECEIVED');
    });
    const { bookingId } = await bap('POST', `/rider/quotes/${quoteId}/book`, { paymentType });
    if (paymentType === 'PRE-ORDER') {
      await until(`ride ${i}: the booking awaiting its payment`, async () => (await bap('GET', `/rider/bookings/${bookingId}`)).status === 'AWAITING_PAYMENT');
      const payment = await bap('POST', `/rider/bookings/${bookingId}/payment`);
      const page = await fetch(payment.paymentLinks.web);
      assert.equal(page.status, 200, `ride ${i}: the payment page`);
      await page.arrayBuffer();
    }
    const booking = await until(`ride ${i}: the confirmed booking`, async () => {
      const view = await bap('GET', `/rider/bookings/${bookingId}`);
      assert.ok(!['FAILED', 'CANCELLED'].includes(view.status), `ride ${i}: booking ${view.status} ${JSON.stringify(view.failure ?? view.cancellation ?? null)}`);
      return view.status === 'CONFIRMED' && view.ride?.otp ? view : null;
    });
    const bppRide = await until(`ride ${i}: the ride in the driver app`, async () => (await drv('GET', '/driver/rides')).rides.find((r: any) => r.status === 'NEW'));
    const move = (what: string, body?: unknown) => drv('POST', `/driver/rides/${bppRide.id}/${what}`, body);
    await move('arrived');
    await move('start', { otp: booking.ride.otp });
    const now = Date.now();
    const points = Array.from({ length: 5 }, (_, k) => ({ lat: pickup.lat + ((drop.lat - pickup.lat) * k) / 4, lon: pickup.lon + ((drop.lon - pickup.lon) * k) / 4, ts: now + k * 10 }));
    await drv('POST', '/driver/location', { points });
    await move('end');
    const ended = await until(`ride ${i}: the end at the BAP`, async () => {
      const view = await bap('GET', `/rider/bookings/${bookingId}`);
      return view.status === 'COMPLETED' && view.ride?.state === 'RIDE_ENDED' ? view : null;
    });
    return { bookingId: bookingId as string, bppBookingId: ended.bppOrderId as string, transactionId: search.transactionId as string, paymentType, finalFare: ended.fare?.final };
  };

  it(`${RIDES} concurrent rides complete, each assigned, booked and charged once, every message audited`, async () => {
    const started = Date.now();
    const people = await pool(RIDES, 10, participants);
    assert.deepEqual(people.errors.map((e) => `${e.i}: ${String(e.error)}`), [], 'every driver and rider set up');
    const setupSeconds = (Date.now() - started) / 1000;

    const ridesStarted = Date.now();
    const done = await pool(RIDES, CONCURRENCY, (i) => {
      const who = people.results[i] as Awaited<ReturnType<typeof participants>>;
      return ride(i, who.driver, who.riderToken);
    });
    const ridesSeconds = (Date.now() - ridesStarted) / 1000;
    const completed = done.results.filter((r) => r !== undefined);
    console.log(`replicas: ${RIDES} rides (${CONCURRENCY} at a time) took ${ridesSeconds.toFixed(1)} s after ${setupSeconds.toFixed(1)} s of setup; ${done.errors.length} failed`);
    assert.deepEqual(done.errors.map((e) => `${e.i}: ${e.error instanceof Error ? e.error.message : String(e.error)}`), [], 'every ride completed');
    const prepaidCount = completed.filter((r) => r.paymentType === 'PRE-ORDER').length;

    // BPP: one ride per booking, one driver per allocation, no driver on two rides, one booking per confirm.
    const bppCounts = (
      await bppSql.query(`
        SELECT
          (SELECT count(*) FROM atlas_driver_offer_bpp.booking)::int AS bookings,
          (SELECT count(*) FROM atlas_driver_offer_bpp.ride)::int AS rides,
          (SELECT count(*) FROM atlas_driver_offer_bpp.ride WHERE status = 'COMPLETED')::int AS completed,
          (SELECT count(*) FROM (SELECT booking_id FROM atlas_driver_offer_bpp.ride GROUP BY booking_id HAVING count(*) > 1) d)::int AS bookings_with_two_rides,
          (SELECT count(*) FROM (SELECT driver_id FROM atlas_driver_offer_bpp.ride GROUP BY driver_id HAVING count(*) > 1) d)::int AS drivers_with_two_rides,
          (SELECT count(*) FROM atlas_driver_offer_bpp.allocation WHERE status = 'ASSIGNED')::int AS assigned,
          (SELECT count(*) FROM (SELECT allocation_id FROM atlas_driver_offer_bpp.ride_offer WHERE status = 'ACCEPTED' GROUP BY allocation_id HAVING count(*) > 1) d)::int AS allocations_accepted_twice,
          (SELECT count(*) FROM (SELECT driver_id FROM atlas_driver_offer_bpp.allocation WHERE driver_id IS NOT NULL GROUP BY driver_id HAVING count(*) > 1) d)::int AS drivers_assigned_twice,
          (SELECT count(*) FROM (SELECT allocation_id FROM atlas_driver_offer_bpp.booking GROUP BY allocation_id HAVING count(*) > 1) d)::int AS allocations_booked_twice,
          (SELECT count(*) FROM atlas_driver_offer_bpp.ride r JOIN atlas_driver_offer_bpp.booking b ON b.id = r.booking_id
             JOIN atlas_driver_offer_bpp.allocation a ON a.id = b.allocation_id WHERE a.driver_id <> r.driver_id)::int AS rides_not_of_the_assigned_driver,
          (SELECT count(*) FROM atlas_driver_offer_bpp.payment_order)::int AS cash_orders,
          (SELECT count(*) FROM atlas_driver_offer_bpp.payment_transaction)::int AS cash_transactions,
          (SELECT count(*) FROM (SELECT order_id FROM atlas_driver_offer_bpp.payment_transaction GROUP BY order_id HAVING count(*) > 1) d)::int AS cash_orders_charged_twice`)
    ).rows[0];
    // BAP: one booking per book call, one ride each, and one charge per prepaid booking.
    const bapCounts = (
      await bapSql.query(`
        SELECT
          (SELECT count(*) FROM atlas_app.booking)::int AS bookings,
          (SELECT count(*) FROM atlas_app.booking WHERE status = 'COMPLETED')::int AS completed,
          (SELECT count(*) FROM (SELECT quote_id FROM atlas_app.booking GROUP BY quote_id HAVING count(*) > 1) d)::int AS quotes_booked_twice,
          (SELECT count(*) FROM atlas_app.ride)::int AS rides,
          (SELECT count(*) FROM atlas_app.payment_order)::int AS orders,
          (SELECT count(*) FROM atlas_app.payment_order WHERE status = 'CHARGED')::int AS charged,
          (SELECT count(*) FROM atlas_app.payment_transaction WHERE status = 'CHARGED')::int AS charged_transactions,
          (SELECT count(*) FROM (SELECT order_id FROM atlas_app.payment_transaction WHERE status = 'CHARGED' GROUP BY order_id HAVING count(*) > 1) d)::int AS orders_charged_twice,
          (SELECT count(*) FROM atlas_app.refunds)::int AS refunds`)
    ).rows[0];
    const simulator = gateway.control.stats();
    // Every Beckn message either side queued was delivered; the BPP confirmed each booking once.
    const outboxes = [
      ...(await bppSql.query(`SELECT role, action, message_id, target_url, status, attempts, last_http_status, last_error, created_at FROM beckn_protocol.outbox`)).rows,
      ...(await bapSql.query(`SELECT role, action, message_id, target_url, status, attempts, last_http_status, last_error, created_at FROM beckn_protocol.outbox`)).rows,
    ] as { role: string; action: string; message_id: string; target_url: string; status: string; attempts: number; last_http_status: number | null; last_error: string | null }[];
    const confirms = outboxes.filter((m) => m.action === 'confirm').length;
    const onConfirms = outboxes.filter((m) => m.action === 'on_confirm').length;

    // The audit log: every message sent has its outbound record (ACK) from the sender and its inbound record (ACK) from the receiver, in ClickHouse.
    const key = (role: string, direction: string, action: string, messageId: string) => `${role}|${direction}|${action}|${messageId}`;
    const receiverRole = (url: string) => /\/beckn\/(bap|bpp|gateway)\//.exec(url)?.[1] ?? '?';
    const expected = outboxes.flatMap((m) => [key(m.role, 'outbound', m.action, m.message_id), key(receiverRole(m.target_url), 'inbound', m.action, m.message_id)]);
    const clickhouse = createClickHouse({ url: testServices.clickhouseUrl, database: testServices.clickhouseDatabase });
    let audited: Set<string>;
    let nacks: { role: string; direction: string; action: string; message_id: string; error_code: string }[] = [];
    try {
      audited = await until(
        'an audit record of every message in ClickHouse',
        async () => {
          const result = await clickhouse.query({
            query: `SELECT role, direction, action, message_id, ack, error_code FROM beckn_message_log FINAL WHERE bap_id = '${bapId}'`,
            format: 'JSONEachRow',
          });
          const rows = await result.json<{ role: string; direction: string; action: string; message_id: string; ack: string; error_code: string }>();
          nacks = rows.filter((r) => r.ack === 'NACK');
          const seen = new Set(rows.map((r) => key(r.role, r.direction, r.action, r.message_id)));
          return expected.every((k) => seen.has(k)) ? seen : null;
        },
        240_000,
      ).catch(async (error: unknown) => {
        const result = await clickhouse.query({ query: `SELECT role, direction, action, message_id FROM beckn_message_log FINAL WHERE bap_id = '${bapId}'`, format: 'JSONEachRow' });
        const seen = new Set((await result.json<{ role: string; direction: string; action: string; message_id: string }>()).map((r) => key(r.role, r.direction, r.action, r.message_id)));
        const missing = expected.filter((k) => !seen.has(k));
        const ids = [...new Set(missing.map((k) => k.split('|')[3] as string))].slice(0, 5);
        const quoted = ids.map((id) => `'${id.replace(/[^0-9a-zA-Z-]/g, '')}'`).join(',');
        const records = await (
          await clickhouse.query({ query: `SELECT role, direction, action, message_id, ack, error_code, http_status, attempt FROM beckn_message_log FINAL WHERE message_id IN (${quoted})`, format: 'JSONEachRow' })
        ).json();
        const rows = outboxes.filter((m) => ids.includes(m.message_id));
        throw new Error(
          `${String(error)}: ${missing.length} of ${expected.length} records missing, e.g. ${missing.slice(0, 6).join(', ')}; ` +
            `their records ${JSON.stringify(records)}; their outbox rows ${JSON.stringify(rows)}`,
        );
      });
    } finally {
      await clickhouse.close();
    }
    const auditRecords = expected.filter((k) => audited.has(k)).length;

    const assignments = bppCounts.assigned as number;
    const doubleAssignments = bppCounts.allocations_accepted_twice + bppCounts.drivers_assigned_twice + bppCounts.drivers_with_two_rides + bppCounts.bookings_with_two_rides + bppCounts.rides_not_of_the_assigned_driver;
    const charges = (bapCounts.charged_transactions as number) + (bppCounts.cash_transactions as number);
    const doubleCharges = bapCounts.orders_charged_twice + bppCounts.cash_orders_charged_twice;
    console.log(
      `replicas: ${RIDES} rides, ${bppCounts.completed} completed, assignments ${assignments} (double ${doubleAssignments}), bookings ${bppCounts.bookings}, ` +
        `charges ${charges} (${bapCounts.charged_transactions} prepaid through the gateway, ${bppCounts.cash_transactions} cash; double ${doubleCharges}), ` +
        `gateway orders ${simulator.orders}, audit records ${auditRecords} for ${expected.length} (${outboxes.length} messages, each sent and received), NACK records ${nacks.length}`,
    );
    if (nacks.length > 0) console.log(`replicas: NACKed: ${JSON.stringify(nacks.slice(0, 10))}`);
    console.log(`replicas: BPP proxy ${bppProxy.hits.join(' / ')} requests, BAP proxy ${bapProxy.hits.join(' / ')} requests`);

    assert.deepEqual(
      {
        bppBookings: bppCounts.bookings,
        bppRides: bppCounts.rides,
        bppCompleted: bppCounts.completed,
        assigned: assignments,
        doubleAssignments,
        allocationsBookedTwice: bppCounts.allocations_booked_twice,
        bapBookings: bapCounts.bookings,
        bapCompleted: bapCounts.completed,
        quotesBookedTwice: bapCounts.quotes_booked_twice,
        bapRides: bapCounts.rides,
        confirms,
        onConfirms,
        prepaidOrders: bapCounts.orders,
        prepaidCharged: bapCounts.charged,
        prepaidChargeTransactions: bapCounts.charged_transactions,
        gatewayOrders: simulator.orders,
        refunds: bapCounts.refunds,
        cashOrders: bppCounts.cash_orders,
        cashTransactions: bppCounts.cash_transactions,
        doubleCharges,
      },
      {
        bppBookings: RIDES,
        bppRides: RIDES,
        bppCompleted: RIDES,
        assigned: RIDES,
        doubleAssignments: 0,
        allocationsBookedTwice: 0,
        bapBookings: RIDES,
        bapCompleted: RIDES,
        quotesBookedTwice: 0,
        bapRides: RIDES,
        confirms: RIDES,
        onConfirms: RIDES,
        prepaidOrders: prepaidCount,
        prepaidCharged: prepaidCount,
        prepaidChargeTransactions: prepaidCount,
        gatewayOrders: prepaidCount,
        refunds: 0,
        cashOrders: RIDES - prepaidCount,
        cashTransactions: RIDES - prepaidCount,
        doubleCharges: 0,
      },
    );
    assert.deepEqual(outboxes.filter((m) => m.status !== 'delivered').map((m) => `${m.role} ${m.action} ${m.message_id}: ${m.status}`), [], 'every message delivered');
    assert.equal(auditRecords, expected.length, 'an audit record of every message, at both ends');
    // Nothing refused: in particular no push overtook an earlier one of its ride and was NACKed as a step back (20008).
    assert.deepEqual(nacks.map((r) => `${r.role} ${r.direction} ${r.action} ${r.error_code}`), [], 'no message NACKed');
    assert.equal(new Set(completed.map((r) => r.bppBookingId)).size, RIDES, 'each rider booking is its own BPP booking');
    // Round-robin reached every replica, for the rider and driver apps and for Beckn callbacks alike.
    for (const hits of [...bppProxy.hits, ...bapProxy.hits]) assert.ok(hits > RIDES, `every replica took its share: ${bppProxy.hits} / ${bapProxy.hits}`);
    assert.equal(bppProxy.failures + bapProxy.failures, 0, 'no replica was unreachable');
  });
});
