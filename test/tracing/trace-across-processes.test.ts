import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSigner } from '../../src/protocol/signing/index.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { policyBody } from '../bpp/booking-flow.js';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { testServices, uniqueTestPrefix } from '../support/services.js';
import { freePort, testSecrets } from '../support/test-app.js';
import { waitFor, waitUntil } from '../support/wait-until.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

/** The JSON log lines a process wrote (its banner and other plain text left out). */
function logLines(service: ServiceProcess): Record<string, unknown>[] {
  return service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function messageRecords(file: string): MessageRecord[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as MessageRecord);
}

/**
 * A BAP process and a BPP process (also the network's registry and gateway),
 * each exporting its spans over OTLP/HTTP to a receiver of the test, ride
 * once: the rider and driver apps (the test) send one `traceparent` with
 * every call, and the spans both processes export for the ride form one
 * trace whose parent links cross between the processes in both directions
 * (requests through the outbox, callbacks through the inbox and outbox).
 */
describe('tracing across a BAP and a BPP process', function () {
  this.timeout(300_000);

  const pickup = { lat: 12.9352, lon: 77.6245 };
  const drop = { lat: 12.9716, lon: 77.5946 };
  const suffix = randomUUID().slice(0, 8);
  const bppId = `trace-test.bpp.${suffix}`;
  const bapId = `trace-test.bap.${suffix}`;
  const bppService = `beckn-ride-bpp-${suffix}`;
  const bapService = `beckn-ride-bap-${suffix}`;
  const bppSecrets = testSecrets();
  const bapSecrets = testSecrets();
  // The apps' side of the ride: one trace id, and the span id of the app's own (unexported) span.
  const rideTrace = randomBytes(16).toString('hex');
  const appSpan = randomBytes(8).toString('hex');
  const traceparent = `00-${rideTrace}-${appSpan}-01`;
  let receiver: OtlpReceiver;
  let bpp: ServiceProcess;
  let bap: ServiceProcess;
  let bppDb: FreshDatabase;
  let bapDb: FreshDatabase;
  let dir: string;
  const logFile = (name: string) => join(dir, `${name}-messages.jsonl`);

  const call = async (service: ServiceProcess, method: string, path: string, token: string, body?: unknown, traced = true) => {
    const response = await fetch(service.baseUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(traced ? { traceparent } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = (await response.json()) as any;
    assert.ok(response.status >= 200 && response.status < 300, `${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };
  const operator = (method: string, path: string, body?: unknown) => call(bpp, method, path, bppSecrets.ADMIN_TOKEN, body, false);
  const until = <T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> =>
    waitFor(what, async () => (await check()) || undefined, { timeoutMs, intervalMs: 200 });

  const serviceEnv = (name: string, service: string) => ({
    LOG_LEVEL: 'info',
    REDIS_URL: testServices.redisUrl,
    DEMO_NETWORK: 'false',
    DATA_DIR: join(dir, name),
    MESSAGE_LOG_FILE: logFile(name),
    DELIVERY_BASE_BACKOFF_MS: '50',
    DELIVERY_MAX_BACKOFF_MS: '500',
    DELIVERY_POLL_INTERVAL_MS: '50',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: service,
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });

  before(async () => {
    receiver = await startOtlpReceiver();
    dir = mkdtempSync(join(tmpdir(), 'beckn-ride-test-tracing-'));
    bppDb = await freshServerDatabase('trace_bpp');
    bapDb = await freshServerDatabase('trace_bap');
    const [bppPort, bapPort] = [await freePort(), await freePort()];
    const seedFile = join(dir, 'registry-seed.json');
    const bapPublicKey = createSigner({ subscriberId: bapId, uniqueKeyId: 'trace-bap-key', privateKey: bapSecrets.SIGNING_PRIVATE_KEY }).publicKey;
    writeFileSync(
      seedFile,
      JSON.stringify([
        {
          subscriber_id: bapId,
          unique_key_id: 'trace-bap-key',
          type: 'BAP',
          subscriber_url: `http://127.0.0.1:${bapPort}/beckn/bap`,
          signing_public_key: bapPublicKey,
          valid_from: new Date(Date.now() - 3_600_000).toISOString(),
          valid_until: new Date(Date.now() + 86_400_000).toISOString(),
          status: 'SUBSCRIBED',
        },
      ]),
    );
    bpp = await startServiceProcess({
      ...serviceEnv('bpp', bppService),
      ...bppSecrets,
      ROLES: 'registry,gateway,bpp',
      PORT: String(bppPort),
      DATABASE_URL: bppDb.url,
      REDIS_KEY_PREFIX: uniqueTestPrefix('trace-bpp'),
      BPP_SUBSCRIBER_ID: bppId,
      GATEWAY_SUBSCRIBER_ID: `trace-test.gateway.${suffix}`,
      REGISTRY_SEED_FILE: seedFile,
    });
    bap = await startServiceProcess({
      ...serviceEnv('bap', bapService),
      ...bapSecrets,
      ROLES: 'bap',
      PORT: String(bapPort),
      REGISTRY_URL: `${bpp.baseUrl}/registry`,
      DATABASE_URL: bapDb.url,
      REDIS_KEY_PREFIX: uniqueTestPrefix('trace-bap'),
      BAP_SUBSCRIBER_ID: bapId,
      UNIQUE_KEY_ID: 'trace-bap-key',
    });
  });

  after(async () => {
    for (const service of [bap, bpp]) {
      if (!service) continue;
      service.child.kill('SIGTERM');
      await service.exited;
    }
    await receiver?.close();
    await bppDb?.dispose();
    await bapDb?.dispose();
  });

  it('one ride is one connected trace across both processes, and its log lines and message records carry its trace id', async () => {
    const merchant = await operator('POST', '/provider/merchants', { name: 'Traced Cabs', subscriber_id: bppId, cities: [{ city_code: 'std:080', currency: 'INR' }] });
    await operator('PUT', `/provider/fare-policies/${merchant.cities[0].id}/SEDAN`, policyBody);
    const stamp = String(Date.now()).slice(-8);
    const driver = await operator('POST', '/provider/drivers', { merchant_id: merchant.id, name: 'Ravi Kumar', mobile_number: `+9197${stamp}` });
    await operator('POST', '/provider/vehicles', { driver_id: driver.id, registration_no: `KA05T${stamp.slice(-5)}`, category: 'CAB', variant: 'SEDAN', capacity: 4 });
    const driverToken = (await operator('POST', `/provider/drivers/${driver.id}/tokens`)).token as string;
    await call(bpp, 'POST', '/driver/status', driverToken, { online: true }, false);
    await call(bpp, 'POST', '/driver/location', driverToken, { points: [{ lat: pickup.lat + 0.0005, lon: pickup.lon + 0.0005, ts: Date.now() }] }, false);
    const riderToken = (await call(bap, 'POST', '/admin/riders', bapSecrets.ADMIN_TOKEN, { name: 'Asha Rao', mobile_number: `+9198${stamp}` }, false)).token as string;

    // The ride, every app call carrying the ride's traceparent.
    const search = await call(bap, 'POST', '/rider/searches', riderToken, { pickup, drop });
    const transactionId = search.transactionId as string;
    const estimate = await until('an estimate', async () => {
      const view = await call(bap, 'GET', `/rider/searches/${search.searchId}`, riderToken);
      return (view.estimates as any[]).find((e) => e.vehicle?.variant === 'SEDAN');
    });
    const { quoteId } = await call(bap, 'POST', `/rider/estimates/${estimate.id}/select`, riderToken, {});
    const offer = await until('the ride offer', async () => (await call(bpp, 'GET', '/driver/ride-offers', driverToken)).offers[0]);
    await call(bpp, 'POST', `/driver/ride-offers/${offer.id}/accept`, driverToken);
    await until('the quote', async () => {
      const { quotes } = await call(bap, 'GET', `/rider/searches/${search.searchId}/quotes`, riderToken);
      return (quotes as any[]).find((q) => q.id === quoteId && q.status === 'RECEIVED');
    });
    const { bookingId } = await call(bap, 'POST', `/rider/quotes/${quoteId}/book`, riderToken, { paymentType: 'ON-FULFILLMENT' });
    const booking = await until('the confirmed booking', async () => {
      const view = await call(bap, 'GET', `/rider/bookings/${bookingId}`, riderToken);
      return view.status === 'CONFIRMED' ? view : null;
    });
    const rideId = (await until('the driver ride', async () => (await call(bpp, 'GET', '/driver/rides', driverToken)).rides?.[0]))?.id as string;
    const riderSees = (state: string) =>
      until(`${state} at the BAP`, async () => ((await call(bap, 'GET', `/rider/bookings/${bookingId}`, riderToken)).ride?.state === state ? true : null));
    await call(bpp, 'POST', `/driver/rides/${rideId}/arrived`, driverToken);
    await riderSees('RIDE_ARRIVED_PICKUP');
    await call(bpp, 'POST', `/driver/rides/${rideId}/start`, driverToken, { otp: booking.ride.otp });
    await riderSees('RIDE_STARTED');
    await call(bpp, 'POST', `/driver/rides/${rideId}/end`, driverToken);
    await riderSees('RIDE_ENDED');

    // Each message of the ride, sent by one process and received by the other, in both message logs.
    const exchanged = ['search', 'on_search', 'select', 'on_select', 'init', 'on_init', 'confirm', 'on_confirm', 'on_status'];
    const ofRide = (records: MessageRecord[]) => records.filter((r) => r.transaction_id === transactionId);
    let missing: string[] = [];
    await waitUntil(
      'every message of the ride received and logged',
      () => {
        const records = [...ofRide(messageRecords(logFile('bap'))), ...ofRide(messageRecords(logFile('bpp')))];
        missing = exchanged.filter((action) => !records.some((r) => r.action === action && r.direction === 'inbound' && r.ack === 'ACK'));
        return missing.length === 0;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    ).catch((error: Error) => assert.fail(`${error.message}: ${missing.join(', ')} missing`));
    for (const name of ['bap', 'bpp']) {
      const records = ofRide(messageRecords(logFile(name)));
      assert.ok(records.length > 0);
      for (const record of records) assert.equal(record.trace_id, rideTrace, `${name} ${record.direction} ${record.action} record carries the ride's trace id`);
    }
    // The compliance API shows it with each record.
    const audited = (await call(bpp, 'GET', `/audit/transactions/${transactionId}`, bppSecrets.AUDITOR_TOKEN, undefined, false)).records as MessageRecord[];
    assert.ok(audited.length > 0);
    for (const record of audited) assert.equal(record.trace_id, rideTrace, `audited ${record.direction} ${record.action}`);
    // And the CSV export names it in its trace_id column, on every row of the ride.
    const window = `from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;
    const csv = await (await fetch(`${bpp.baseUrl}/audit/export?${window}&format=csv`, { headers: { authorization: `Bearer ${bppSecrets.AUDITOR_TOKEN}` } })).text();
    const [header, ...rows] = csv.trim().split('\r\n');
    const columns = header!.split(',');
    const rideRows = rows.filter((row) => row.includes(transactionId));
    assert.ok(rideRows.length >= audited.length, `the export holds the ride's ${audited.length} records: ${rideRows.length}`);
    for (const row of rideRows) assert.ok(row.split(',')[columns.indexOf('trace_id')] === rideTrace, `CSV row carries the trace id: ${row.slice(0, 200)}`);

    // The spans: every BPP inbound message continues a delivery span of the BAP and every BAP inbound callback one of the BPP.
    const spanOf = (spans: ReceivedSpan[], id: string) => spans.find((s) => s.spanId === id);
    /** The nearest ancestor (or the span itself) matching `predicate`. */
    const ancestor = (spans: ReceivedSpan[], span: ReceivedSpan, predicate: (s: ReceivedSpan) => boolean): ReceivedSpan | undefined => {
      for (let at: ReceivedSpan | undefined = span; at; at = spanOf(spans, at.parentSpanId)) if (predicate(at)) return at;
      return undefined;
    };
    const inbound = (spans: ReceivedSpan[], service: string, action: string) =>
      spans.filter((s) => s.service === service && s.name === `beckn.inbound ${action}` && s.attributes['beckn.transaction_id'] === transactionId);
    const crossesFrom = (spans: ReceivedSpan[], span: ReceivedSpan, from: string, action: string) =>
      ancestor(spans, span, (s) => s.service === from && s.name === `beckn.deliver ${action}`) !== undefined;
    const linked = (spans: ReceivedSpan[]) =>
      ['search', 'select', 'init', 'confirm'].every((action) => inbound(spans, bppService, action).some((s) => crossesFrom(spans, s, bapService, action))) &&
      ['on_search', 'on_select', 'on_init', 'on_confirm', 'on_status'].every((action) =>
        inbound(spans, bapService, action).some((s) => crossesFrom(spans, s, bppService, action)),
      );
    // One connected trace: each span's parent is a span of the trace or the apps' own span (waiting for
    // the last batches of both exporters, which may hold the parents of spans already received).
    const orphansOf = (ride: ReceivedSpan[]) => {
      const ids = new Set(ride.map((s) => s.spanId));
      return ride.filter((s) => s.parentSpanId !== appSpan && !ids.has(s.parentSpanId));
    };
    let orphans: ReceivedSpan[] = [];
    const spans = await waitFor(
      'the spans of the ride from both processes, linked across them into one tree',
      () => {
        const ride = receiver.spans.filter((s) => s.traceId === rideTrace);
        orphans = orphansOf(ride);
        return linked(ride) && orphans.length === 0 ? ride : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    ).catch((error: Error) => assert.fail(`${error.message}; spans whose parent is not in the trace: ${orphans.map((s) => `${s.service} ${s.name}`).join(', ') || 'none'}`));
    const names = new Set(spans.map((s) => `${s.service === bppService ? 'bpp' : 'bap'} ${s.name.split(' ')[0]}`));
    for (const expected of ['beckn.step', 'beckn.accept', 'beckn.handle', 'beckn.deliver', 'beckn.message_log.append']) {
      assert.ok(names.has(`bpp ${expected}`) && names.has(`bap ${expected}`), `both processes traced ${expected}: ${[...names].join(', ')}`);
    }
    const steps = new Set(spans.filter((s) => s.name.startsWith('beckn.step ')).map((s) => s.name.slice('beckn.step '.length)));
    for (const step of ['verifySignature', 'validateSchema', 'checkEnvelope', 'checkTimeWindow', 'checkDuplicate', 'bindRequestSigner', 'checkCallbackCorrelation']) {
      assert.ok(steps.has(step), `a span for the ${step} step (${[...steps].join(', ')})`);
    }
    // The instrumented libraries: Postgres and Redis calls, the HTTP server and client, and express.
    const dbSystem = (span: ReceivedSpan) => span.attributes['db.system.name'] ?? span.attributes['db.system'];
    for (const service of [bppService, bapService]) {
      assert.ok(spans.some((s) => s.service === service && dbSystem(s) === 'postgresql'), `Postgres queries of ${service} are spans of the ride`);
      assert.ok(spans.some((s) => s.service === service && dbSystem(s) === 'redis'), `Redis calls of ${service} are spans of the ride`);
    }
    assert.ok(
      spans.some((s) => s.service === bppService && (s.name === 'POST /beckn/bpp/:action' || s.attributes['http.route'] === '/beckn/bpp/:action')),
      'the BPP endpoint is an HTTP server span of the ride',
    );
    assert.ok(
      spans.some((s) => s.service === bapService && s.name === 'POST' && String(s.attributes['url.full']).startsWith(`${bpp.baseUrl}/beckn/`)),
      'the BAP posting to the BPP is an HTTP client span of the ride',
    );

    // The log lines about the ride's messages carry its trace id.
    for (const [name, service] of [['bap', bap], ['bpp', bpp]] as const) {
      const lines = logLines(service).filter((line) => line.transaction_id === transactionId);
      assert.ok(lines.length > 0, `${name} logged lines about the ride`);
      for (const line of lines) assert.equal(line.trace_id, rideTrace, `${name}: ${String(line.msg)} carries the trace id`);
      const access = logLines(service).filter((line) => line.msg === 'request completed' && line.trace_id === rideTrace);
      assert.ok(access.length > 0, `${name}: the access log lines of the ride's app calls carry the trace id`);
    }
  });
});
