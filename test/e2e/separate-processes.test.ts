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
import { readEvents } from '../bap/rider-api.js';
import { policyBody } from '../bpp/booking-flow.js';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { testServices, uniqueTestName, uniqueTestPrefix } from '../support/services.js';
import { freePort, testSecrets } from '../support/test-app.js';
import { waitFor } from '../support/wait-until.js';

/**
 * The rider side and the provider side as separate processes, as two network
 * participants would run them: a BPP process (also the network's registry and
 * gateway) and two replicas of a BAP behind the same Postgres and Redis, each
 * with its own subscriber id and key, talking signed HTTP through the
 * registry, with the full profile's Kafka and ClickHouse. The registry names
 * replica B as the BAP's URL, so every callback lands on B while the rider
 * talks to A.
 */
describe('BAP and BPP as separate processes: whole rides over signed HTTP', function () {
  this.timeout(600_000);

  const pickup = { lat: 12.9352, lon: 77.6245 };
  const drop = { lat: 12.9716, lon: 77.5946 };
  let bpp: ServiceProcess;
  let bapA: ServiceProcess;
  let bapB: ServiceProcess;
  let bppDb: FreshDatabase;
  let bapDb: FreshDatabase;
  let bppSql: pg.Client;
  const bppSecrets = testSecrets();
  const bapSecrets = testSecrets();
  const suffix = randomUUID().slice(0, 8);
  const bppId = `e2e-test.bpp.${suffix}`;
  const bapId = `e2e-test.bap.${suffix}`;
  let merchantId: string;
  let riderToken: string;
  let sink: ServiceProcess;
  // The rider side's payment gateway: one simulator both BAP replicas talk to, its webhooks reaching replica B.
  let gateway: PaymentSimulator;
  const gatewayAccount = { apiKey: randomUUID(), merchantId: 'e2e-rider-app', hookUser: 'e2e-hooks', hookPassword: randomUUID() };
  // A topic and consumer group of this run: the timeline read back holds only these processes' records.
  const topic = uniqueTestName('e2e_topic');
  const sinkGroup = uniqueTestName('e2e_sink');
  // The business events of this run: the BPP's and BAPs' relays publish here, the sink process loads them.
  const eventsTopic = uniqueTestName('e2e_events');
  /** The BPP's booking ids of the rides below, for the business events test at the end. */
  const rides: { completed?: string; prepaid?: string; riderCancelled?: string; driverCancelled?: string } = {};

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
    EVENTS_RELAY_POLL_MS: '100',
    DELIVERY_BASE_BACKOFF_MS: '50',
    DELIVERY_MAX_BACKOFF_MS: '500',
    DELIVERY_POLL_INTERVAL_MS: '50',
  });

  const call = async (service: ServiceProcess, method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(service.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const ok = async (service: ServiceProcess, method: string, path: string, token: string, body?: unknown) => {
    const answer = await call(service, method, path, token, body);
    assert.ok(answer.status >= 200 && answer.status < 300, `${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const operator = (method: string, path: string, body?: unknown) => ok(bpp, method, path, bppSecrets.ADMIN_TOKEN, body);
  /** Polls `check` until it gives a truthy value. */
  const until = <T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> =>
    waitFor(what, async () => (await check()) || undefined, { timeoutMs, intervalMs: 200 });
  const bppRow = async (sql: string, bind: unknown[]) => (await bppSql.query(sql, bind)).rows[0];

  before(async () => {
    bppDb = await freshServerDatabase('e2e_bpp');
    bapDb = await freshServerDatabase('e2e_bap');
    const [bppPort, bapAPort, bapBPort] = [await freePort(), await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'beckn-ride-test-e2e-'));
    const seedFile = join(dir, 'registry-seed.json');
    const bapPublicKey = createSigner({ subscriberId: bapId, uniqueKeyId: 'e2e-bap-key', privateKey: bapSecrets.SIGNING_PRIVATE_KEY }).publicKey;
    writeFileSync(
      seedFile,
      JSON.stringify([
        {
          subscriber_id: bapId,
          unique_key_id: 'e2e-bap-key',
          type: 'BAP',
          subscriber_url: `http://127.0.0.1:${bapBPort}/beckn/bap`,
          signing_public_key: bapPublicKey,
          valid_from: new Date(Date.now() - 3_600_000).toISOString(),
          valid_until: new Date(Date.now() + 86_400_000).toISOString(),
          status: 'SUBSCRIBED',
        },
      ]),
    );
    bpp = await startServiceProcess({
      ...serviceEnv(),
      ...bppSecrets,
      ROLES: 'registry,gateway,bpp',
      PORT: String(bppPort),
      DATA_DIR: join(dir, 'bpp'),
      DATABASE_URL: bppDb.url,
      REDIS_KEY_PREFIX: uniqueTestPrefix('e2e-bpp'),
      BPP_SUBSCRIBER_ID: bppId,
      GATEWAY_SUBSCRIBER_ID: `e2e-test.gateway.${suffix}`,
      REGISTRY_SEED_FILE: seedFile,
    });
    gateway = await startPaymentSimulator({
      port: 0,
      apiKey: gatewayAccount.apiKey,
      merchantId: gatewayAccount.merchantId,
      webhookAuth: { scheme: 'basic', username: gatewayAccount.hookUser, password: gatewayAccount.hookPassword },
      webhookUrl: `http://127.0.0.1:${bapBPort}/payments/webhook/juspay`,
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
      REGISTRY_URL: `${bpp.baseUrl}/registry`,
      DATABASE_URL: bapDb.url,
      REDIS_KEY_PREFIX: uniqueTestPrefix('e2e-bap'),
      BAP_SUBSCRIBER_ID: bapId,
      UNIQUE_KEY_ID: 'e2e-bap-key',
      PUBLIC_URL: `http://127.0.0.1:${bapBPort}`,
    };
    // Both replicas announce B's URL (the registry's), so each is reached at its own port here.
    bapB = { ...(await startServiceProcess({ ...bapEnv, PORT: String(bapBPort), DATA_DIR: join(dir, 'bap-b') })), baseUrl: `http://127.0.0.1:${bapBPort}` };
    bapA = { ...(await startServiceProcess({ ...bapEnv, PORT: String(bapAPort), DATA_DIR: join(dir, 'bap-a') })), baseUrl: `http://127.0.0.1:${bapAPort}` };
    sink = await startServiceProcess(
      { ...serviceEnv(), ...testSecrets(), PORT: String(await freePort()), DATA_DIR: join(dir, 'sink'), AUDIT_SINK_GROUP: sinkGroup, AUDIT_SINK_BATCH_SIZE: '50' },
      120_000,
      'src/audit-sink.ts',
    );
    bppSql = new pg.Client({ connectionString: bppDb.url });
    await bppSql.connect();

    const merchant = await operator('POST', '/provider/merchants', { name: 'E2E Cabs', subscriber_id: bppId, cities: [{ city_code: 'std:080', currency: 'INR' }] });
    merchantId = merchant.id;
    await operator('PUT', `/provider/fare-policies/${merchant.cities[0].id}/SEDAN`, policyBody);
    riderToken = (await ok(bapA, 'POST', '/admin/riders', bapSecrets.ADMIN_TOKEN, { name: 'Asha Rao', mobile_number: `+9198${String(Date.now()).slice(-8)}` })).token;
  });

  after(async () => {
    await bppSql?.end().catch(() => undefined);
    for (const service of [bapA, bapB, bpp, sink]) {
      if (!service) continue;
      service.child.kill('SIGTERM');
      await service.exited;
    }
    await gateway?.close();
    await bppDb?.dispose();
    await bapDb?.dispose();
    const admin = createKafka({ brokers: testServices.kafkaBrokers, clientId: 'beckn-ride-test', logger: quiet }).admin();
    await admin.connect();
    await admin.deleteGroups([sinkGroup, `${sinkGroup}-events`]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic, eventsTopic] }).catch(() => undefined);
    await admin.disconnect();
  });

  /** A sedan driver online next to the pickup; returns its token. */
  const sedanDriver = async () => {
    const stamp = String(Date.now()).slice(-8);
    const driver = await operator('POST', '/provider/drivers', { merchant_id: merchantId, name: 'Ravi Kumar', mobile_number: `+9197${stamp}` });
    await operator('POST', '/provider/vehicles', { driver_id: driver.id, registration_no: `KA05E${stamp.slice(-5)}`, category: 'CAB', variant: 'SEDAN', capacity: 4 });
    const { token } = await operator('POST', `/provider/drivers/${driver.id}/tokens`);
    await ok(bpp, 'POST', '/driver/status', token, { online: true });
    await ok(bpp, 'POST', '/driver/location', token, { points: [{ lat: pickup.lat + 0.0005, lon: pickup.lon + 0.0005, ts: Date.now() }] });
    return { id: driver.id as string, token: token as string };
  };

  /** Search on replica A, watching A's event stream while the on_search lands on B; select; the driver accepts; book. */
  const confirmedBooking = async (driver: { token: string }, paymentType: 'PRE-ORDER' | 'ON-FULFILLMENT' = 'ON-FULFILLMENT') => {
    const search = await ok(bapA, 'POST', '/rider/searches', riderToken, { pickup, drop });
    const events = readEvents(`${bapA.baseUrl}/rider/searches/${search.searchId}/events`, riderToken);
    const estimate = (await events.next((e) => e.event === 'estimate' && e.data.vehicle?.variant === 'SEDAN', 30_000)).data;
    events.close();
    assert.equal(estimate.bppId, bppId);
    const { quoteId } = await ok(bapA, 'POST', `/rider/estimates/${estimate.id}/select`, riderToken, {});
    const offer = await until('the ride offer', async () => (await ok(bpp, 'GET', '/driver/ride-offers', driver.token)).offers[0]);
    await ok(bpp, 'POST', `/driver/ride-offers/${offer.id}/accept`, driver.token);
    await until('the quote', async () => {
      const { quotes } = await ok(bapA, 'GET', `/rider/searches/${search.searchId}/quotes`, riderToken);
      return (quotes as any[]).find((q) => q.id === quoteId && q.status === 'RECEIVED');
    });
    const { bookingId } = await ok(bapA, 'POST', `/rider/quotes/${quoteId}/book`, riderToken, { paymentType });
    if (paymentType === 'PRE-ORDER') {
      // The booking waits for its payment; the rider pays on the gateway's page, whose webhook reaches replica B.
      await until('the booking awaiting its payment', async () => (await ok(bapA, 'GET', `/rider/bookings/${bookingId}`, riderToken)).status === 'AWAITING_PAYMENT');
      const payment = await ok(bapA, 'POST', `/rider/bookings/${bookingId}/payment`, riderToken);
      assert.equal((await fetch(payment.paymentLinks.web)).status, 200);
    }
    const booking = await until('the confirmed booking', async () => {
      const view = await ok(bapA, 'GET', `/rider/bookings/${bookingId}`, riderToken);
      return view.status === 'CONFIRMED' ? view : null;
    });
    const bppBooking = await bppRow(
      `SELECT b.id, b.status, r.id AS ride_id, r.status AS ride_status, r.otp FROM atlas_driver_offer_bpp.booking b
         JOIN atlas_driver_offer_bpp.ride r ON r.booking_id = b.id WHERE b.id = $1`,
      [booking.bppOrderId],
    );
    return { search, bookingId: bookingId as string, booking, bppBooking, transactionId: search.transactionId as string };
  };

  /** The BAP's view (read on replica B, which applied the callbacks) once it reaches `state`. */
  const riderSees = (bookingId: string, predicate: (view: any) => boolean, what: string) =>
    until(what, async () => {
      const view = await ok(bapB, 'GET', `/rider/bookings/${bookingId}`, riderToken);
      return predicate(view) ? view : null;
    });

  it('completes a ride: both sides agree at every step, and the callbacks all landed on replica B', async () => {
    const driver = await sedanDriver();
    const { bookingId, booking, bppBooking, transactionId } = await confirmedBooking(driver);
    assert.equal(bppBooking.status, 'CONFIRMED');
    assert.equal(bppBooking.ride_status, 'NEW');
    rides.completed = bppBooking.id;
    assert.equal(booking.ride.state, 'RIDE_ASSIGNED');
    assert.equal(booking.ride.otp, bppBooking.otp, 'the rider holds the OTP the BPP generated');
    const rideId = bppBooking.ride_id as string;
    const move = (what: string, body?: unknown) => ok(bpp, 'POST', `/driver/rides/${rideId}/${what}`, driver.token, body);
    const bppRide = async () => bppRow('SELECT status, final_fare::text AS final_fare FROM atlas_driver_offer_bpp.ride WHERE id = $1', [rideId]);

    await move('arrived');
    await riderSees(bookingId, (v) => v.ride?.state === 'RIDE_ARRIVED_PICKUP', 'arrival at the BAP');
    assert.equal((await bppRide()).status, 'ARRIVED');

    const wrong = await call(bpp, 'POST', `/driver/rides/${rideId}/start`, driver.token, { otp: String((Number(booking.ride.otp) + 1) % 10_000).padStart(4, '0') });
    assert.equal(wrong.status, 403);
    await move('start', { otp: booking.ride.otp });
    await riderSees(bookingId, (v) => v.ride?.state === 'RIDE_STARTED', 'the start at the BAP');
    assert.equal((await bppRide()).status, 'INPROGRESS');

    const now = Date.now();
    const points = Array.from({ length: 9 }, (_, i) => ({ lat: pickup.lat + ((drop.lat - pickup.lat) * i) / 8, lon: pickup.lon + ((drop.lon - pickup.lon) * i) / 8, ts: now + i * 10 }));
    await ok(bpp, 'POST', '/driver/location', driver.token, { points });
    await move('end');
    const ended = await riderSees(bookingId, (v) => v.status === 'COMPLETED', 'the end at the BAP');
    const bppEnded = await bppRide();
    assert.equal(bppEnded.status, 'COMPLETED');
    assert.equal(ended.ride.state, 'RIDE_ENDED');
    assert.equal(Number(ended.fare.final), Number(bppEnded.final_fare), 'the rider is shown the fare the BPP computed');
    assert.deepEqual(
      ended.ride.history.map((h: { state: string }) => h.state),
      ['RIDE_ASSIGNED', 'RIDE_ARRIVED_PICKUP', 'RIDE_STARTED', 'RIDE_ENDED'],
    );

    await ok(bapA, 'POST', `/rider/bookings/${bookingId}/rating`, riderToken, { value: 5, comment: 'great' });
    await until('the rating at the BPP', async () => (await bppRow('SELECT value FROM atlas_driver_offer_bpp.ride_rating WHERE ride_id = $1', [rideId]))?.value === 5);

    // Replica B took every callback; A took none, yet A's stream and reads followed them.
    const callbacksOn = async (service: ServiceProcess) => {
      const text = await (await fetch(`${service.baseUrl}/metrics`)).text();
      return text.split('\n').filter((line) => line.startsWith('beckn_ride_http_requests_total') && line.includes('route="/beckn/bap/:action"'));
    };
    assert.deepEqual(await callbacksOn(bapA), []);
    assert.ok((await callbacksOn(bapB)).some((line) => line.includes('action="on_search"')));

    // Every process logged its side of each message to Kafka; the audit sink loaded them into ClickHouse,
    // where the compliance API shows each exchange from both ends: sent by one participant, ACKed by the other.
    const exchanges = ['search', 'on_search', 'select', 'on_select', 'init', 'on_init', 'confirm', 'on_confirm', 'on_status', 'rating', 'on_rating'];
    const timeline = await until('the transaction in ClickHouse', async () => {
      const answer = await call(bpp, 'GET', `/audit/transactions/${transactionId}`, bppSecrets.AUDITOR_TOKEN);
      if (answer.status !== 200) return null;
      const records = answer.body.records as { action: string; direction: string; role: string; ack: string | null; sender: string | null }[];
      const complete = exchanges.every(
        (action) => records.some((r) => r.action === action && r.direction === 'outbound' && r.ack === 'ACK') && records.some((r) => r.action === action && r.direction === 'inbound' && r.ack === 'ACK'),
      );
      return complete ? records : null;
    });
    const senders = new Set(timeline.filter((r) => r.direction === 'outbound').map((r) => r.sender));
    assert.ok(senders.has(bapId) && senders.has(bppId), `both participants logged what they sent: ${[...senders].join(', ')}`);
    assert.equal(timeline.filter((r) => r.ack === 'NACK').length, 0, 'nothing was refused');
  });

  it('a rider pays before the ride: the BAP charges through its gateway, the confirm carries PAID and the BPP holds it to the end', async () => {
    const driver = await sedanDriver();
    const { bookingId, booking, bppBooking } = await confirmedBooking(driver, 'PRE-ORDER');
    rides.prepaid = bppBooking.id;
    assert.equal(booking.paymentTerms.status, 'PAID');
    const paid = await ok(bapA, 'GET', `/rider/bookings/${bookingId}/payment`, riderToken);
    assert.equal(paid.status, 'CHARGED');
    const bppTerms = (await bppRow('SELECT payment_terms FROM atlas_driver_offer_bpp.booking WHERE id = $1', [bppBooking.id])).payment_terms;
    assert.equal(bppTerms.status, 'PAID', JSON.stringify(bppTerms));
    assert.equal(bppTerms.collected_by, 'BAP');
    assert.equal(bppTerms.params.transaction_id, booking.paymentTerms.params.transaction_id);
    assert.equal(Number(bppTerms.params.amount), Number(paid.amount.value));
    assert.equal(gateway.control.stats().orders, 1, 'one order at the gateway');

    const move = (what: string, body?: unknown) => ok(bpp, 'POST', `/driver/rides/${bppBooking.ride_id}/${what}`, driver.token, body);
    await move('arrived');
    await move('start', { otp: booking.ride.otp });
    await move('end');
    const ended = await riderSees(bookingId, (v) => v.status === 'COMPLETED', 'the end at the BAP');
    assert.equal(ended.paymentTerms.status, 'PAID', 'the paid booking stays paid to the end');
  });

  it('a rider cancels after the driver arrived: the fee is shown first, then charged; both sides agree', async () => {
    const driver = await sedanDriver();
    const { bookingId, bppBooking } = await confirmedBooking(driver);
    rides.riderCancelled = bppBooking.id;
    await ok(bpp, 'POST', `/driver/rides/${bppBooking.ride_id}/arrived`, driver.token);
    await riderSees(bookingId, (v) => v.ride?.state === 'RIDE_ARRIVED_PICKUP', 'arrival at the BAP');

    const soft = await ok(bapA, 'POST', `/rider/bookings/${bookingId}/cancel`, riderToken, { reasonCode: '001', confirm: false });
    assert.equal(Number(soft.fee?.value ?? soft.fee), Number(policyBody.cancellation_fees.RIDE_ARRIVED_PICKUP));
    assert.equal((await bppRow('SELECT status FROM atlas_driver_offer_bpp.booking WHERE id = $1', [bppBooking.id])).status, 'CONFIRMED', 'a soft cancel changes nothing');

    await ok(bapA, 'POST', `/rider/bookings/${bookingId}/cancel`, riderToken, { reasonCode: '001', confirm: true });
    const cancelled = await riderSees(bookingId, (v) => v.status === 'CANCELLED', 'the cancellation at the BAP');
    assert.equal(cancelled.ride.state, 'RIDE_CANCELLED');
    const bppSide = await bppRow(
      `SELECT b.status, r.status AS ride_status, c.fee::text AS fee, c.source FROM atlas_driver_offer_bpp.booking b
         JOIN atlas_driver_offer_bpp.ride r ON r.booking_id = b.id
         JOIN atlas_driver_offer_bpp.booking_cancellation c ON c.booking_id = b.id WHERE b.id = $1`,
      [bppBooking.id],
    );
    assert.deepEqual([bppSide.status, bppSide.ride_status, bppSide.source], ['CANCELLED', 'CANCELLED', 'BY_RIDER']);
    assert.equal(Number(bppSide.fee), Number(policyBody.cancellation_fees.RIDE_ARRIVED_PICKUP));
    assert.equal(Number(cancelled.cancellation.fee?.value ?? cancelled.cancellation.fee), Number(bppSide.fee));
  });

  it('a driver cancels: the BAP learns it unsolicited and both sides show the booking cancelled by the driver', async () => {
    const driver = await sedanDriver();
    const { bookingId, bppBooking } = await confirmedBooking(driver);
    rides.driverCancelled = bppBooking.id;
    await ok(bpp, 'POST', `/driver/rides/${bppBooking.ride_id}/cancel`, driver.token, { reasonCode: '011' });
    const cancelled = await riderSees(bookingId, (v) => v.status === 'CANCELLED', 'the driver cancellation at the BAP');
    assert.equal(cancelled.ride.state, 'RIDE_CANCELLED');
    assert.equal(cancelled.cancellation.source, 'BY_DRIVER');
    const bppSide = await bppRow(
      `SELECT b.status, c.source FROM atlas_driver_offer_bpp.booking b JOIN atlas_driver_offer_bpp.booking_cancellation c ON c.booking_id = b.id WHERE b.id = $1`,
      [bppBooking.id],
    );
    assert.deepEqual([bppSide.status, bppSide.source], ['CANCELLED', 'BY_DRIVER']);
  });
  it('business events: every event of these rides reaches ClickHouse once through the sink process, and the BPP’s analytics count them', async () => {
    const bookingIds = [rides.completed, rides.prepaid, rides.riderCancelled, rides.driverCancelled];
    assert.ok(bookingIds.every((id) => id !== undefined), 'the rides above ran');
    const recorded = (
      await bppSql.query<{ event_id: string; event_type: string; booking_id: string; cancelled_by: string | null }>(
        `SELECT event_id::text, event_type, payload->>'booking_id' AS booking_id, payload->>'cancelled_by' AS cancelled_by
           FROM atlas_driver_offer_bpp.business_event_outbox WHERE payload->>'booking_id' = ANY($1) ORDER BY seq`,
        [bookingIds],
      )
    ).rows;
    const typesOf = (bookingId: string | undefined) => recorded.filter((row) => row.booking_id === bookingId).map((row) => row.event_type);
    assert.deepEqual(typesOf(rides.completed), ['booking.confirmed', 'driver.assigned', 'ride.started', 'ride.ended', 'payment.charged', 'rating.given']);
    assert.deepEqual(typesOf(rides.prepaid), ['booking.confirmed', 'driver.assigned', 'ride.started', 'ride.ended']);
    assert.deepEqual(typesOf(rides.riderCancelled), ['booking.confirmed', 'driver.assigned', 'ride.cancelled']);
    assert.deepEqual(typesOf(rides.driverCancelled), ['booking.confirmed', 'driver.assigned', 'ride.cancelled']);
    assert.deepEqual(recorded.filter((row) => row.event_type === 'ride.cancelled').map((row) => [row.booking_id, row.cancelled_by]), [
      [rides.riderCancelled, 'RIDER'],
      [rides.driverCancelled, 'DRIVER'],
    ]);

    // The BPP's relay published them to Kafka; `npm run audit-sink` loaded them into ClickHouse, each once as queries see it.
    const ids = recorded.map((row) => `'${row.event_id}'`).join(',');
    const clickhouse = createClickHouse({ url: testServices.clickhouseUrl, database: testServices.clickhouseDatabase });
    try {
      const stored = await until('the rides’ business events in ClickHouse', async () => {
        const result = await clickhouse.query({ query: `SELECT event_id, count() AS copies FROM business_events FINAL WHERE event_id IN (${ids}) GROUP BY event_id`, format: 'JSONEachRow' });
        const rows = await result.json<{ event_id: string; copies: string }>();
        return rows.length === recorded.length ? rows : null;
      }, 120_000);
      assert.deepEqual(stored.filter((row) => Number(row.copies) !== 1), [], 'no event twice');
    } finally {
      await clickhouse.close();
    }

    // The operator's analytics on the BPP read ClickHouse: the rides and both cancellations are counted.
    const summary = await until('the rides in the analytics summary', async () => {
      const answer = await call(bpp, 'GET', '/provider/analytics/summary?city=std:080', bppSecrets.ADMIN_TOKEN);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const { totals } = answer.body;
      return totals.completed_rides >= 2 && totals.cancellations.by_rider >= 1 && totals.cancellations.by_driver >= 1 ? answer.body : null;
    }, 120_000);
    assert.ok(summary.totals.bookings >= 4 && summary.totals.searches >= 4, JSON.stringify(summary.totals));
    assert.notEqual(summary.median_time_to_assign_ms, null);
  });
});
