import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { bapPayment, drop, gps, policyBody } from '../bpp/booking-flow.js';
import { startFakeParticipant, type FakeParticipant, type ReceivedMessage } from '../support/fake-participant.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { uniqueTestPrefix } from '../support/services.js';
import { freePort, testSecrets } from '../support/test-app.js';
import { waitFor } from '../support/wait-until.js';

/**
 * The rides of the fault tests: our BPP as real service processes (one or
 * more replicas sharing a Postgres and a Redis the test may stop), driven by
 * a fake BAP that sends signed Beckn requests and counts the callbacks it
 * receives, and by drivers through the driver API.
 */

export interface LatLon {
  lat: number;
  lon: number;
}

/** Pickups more than 5 km apart (the search and offer radius): each ride finds only its own driver. */
export function pickupOf(index: number): LatLon {
  return { lat: 12.84 + (index % 5) * 0.06, lon: 77.48 + Math.floor(index / 5) * 0.07 };
}

export interface Answer {
  status: number;
  body: any;
  text: string;
  ms: number;
}

export interface BppNetwork {
  bap: FakeParticipant;
  replicas: ServiceProcess[];
  env: Record<string, string>;
  bppId: string;
  bppUrl: string;
  adminToken: string;
  /** A replica started again (after a kill), in the same slot. */
  restart(index: number): Promise<ServiceProcess>;
  startReplica(index: number): Promise<ServiceProcess>;
  /** A JSON request with a bound: the answer (status, parsed body, raw text, time taken). */
  call(method: string, path: string, token: string | undefined, body?: unknown, options?: { replica?: number; timeoutMs?: number }): Promise<Answer>;
  operator(method: string, path: string, body?: unknown): Promise<any>;
  /** A signed Beckn request from the fake BAP; its answer and how long it took. */
  send(action: string, context: Record<string, unknown>, message: unknown, options?: { replica?: number; timeoutMs?: number; raw?: Buffer }): Promise<Answer & { messageId: string; raw: Buffer }>;
  context(action: string, extra?: Record<string, unknown>): Record<string, unknown>;
  /** The callbacks the fake BAP answered ACK, by message_id. */
  acked(): ReceivedMessage[];
  sql<T extends pg.QueryResultRow = any>(text: string, bind?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const ack = { status: 200, body: { message: { ack: { status: 'ACK' } } } };

/**
 * Replicas of our BPP (with the dev registry and gateway roles) on `databaseUrl` and `redisUrl`;
 * each replica announces the first one's URL, as replicas behind one address would.
 */
export async function startBppNetwork(options: { databaseUrl: string; redisUrl: string; replicas?: number; env?: Record<string, string>; label: string }): Promise<BppNetwork> {
  const bap = await startFakeParticipant('BAP', `${options.label}-rider`);
  const ackedIds = new Set<ReceivedMessage>();
  // The fake BAP answers ACK unless a test says otherwise; what it ACKed is what it received.
  let respond: FakeParticipant['respond'] = () => ack;
  Object.defineProperty(bap, 'respond', {
    get: () => (message: ReceivedMessage) => {
      const answer = respond(message);
      if (answer.status === 200) ackedIds.add(message);
      return answer;
    },
    set: (fn: FakeParticipant['respond']) => {
      respond = fn;
    },
  });
  const dir = mkdtempSync(join(tmpdir(), `beckn-ride-test-${options.label}-`));
  const seedFile = join(dir, 'seed.json');
  writeFileSync(seedFile, JSON.stringify([bap.registryRecord()]));
  const count = options.replicas ?? 1;
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  const suffix = randomUUID().slice(0, 8);
  const bppId = `beckn-ride-test.${options.label}-bpp.${suffix}`;
  const secrets = testSecrets() as Record<string, string>;
  const publicUrl = `http://127.0.0.1:${ports[0]}`;
  const env: Record<string, string> = {
    LOG_LEVEL: 'warn',
    ROLES: 'registry,gateway,bpp',
    PUBLIC_URL: publicUrl,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: uniqueTestPrefix(options.label),
    REGISTRY_SEED_FILE: seedFile,
    DEMO_NETWORK: 'false',
    BPP_SUBSCRIBER_ID: bppId,
    BAP_SUBSCRIBER_ID: `beckn-ride-test.${options.label}-bap.${suffix}`,
    GATEWAY_SUBSCRIBER_ID: `beckn-ride-test.${options.label}-gw.${suffix}`,
    DELIVERY_TIMEOUT_MS: '3000',
    DELIVERY_BASE_BACKOFF_MS: '100',
    DELIVERY_MAX_BACKOFF_MS: '1000',
    DELIVERY_POLL_INTERVAL_MS: '50',
    DELIVERY_MAX_ATTEMPTS: '40',
    READINESS_TIMEOUT_MS: '1000',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...secrets,
    ...options.env,
  };
  const replicas: ServiceProcess[] = [];
  const startReplica = async (index: number) => {
    const port = ports[index];
    assert.ok(port !== undefined, `replica ${index}`);
    const service = await startServiceProcess({ ...env, PORT: String(port), DATA_DIR: join(dir, `replica-${index}`) }, 120_000);
    replicas[index] = { ...service, baseUrl: `http://127.0.0.1:${port}` };
    return replicas[index]!;
  };
  // The first replica migrates alone; the others start on a migrated database.
  await startReplica(0);
  for (let i = 1; i < count; i++) await startReplica(i);

  const call: BppNetwork['call'] = async (method, path, token, body, { replica = 0, timeoutMs = 30_000 } = {}) => {
    const started = performance.now();
    const target = replicas[replica];
    assert.ok(target, `replica ${replica}`);
    const response = await fetch(target.baseUrl + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text, ms: Math.round(performance.now() - started) };
  };
  const operator = async (method: string, path: string, body?: unknown) => {
    const answer = await call(method, path, secrets.ADMIN_TOKEN, body);
    assert.ok(answer.status === 200 || answer.status === 201, `${method} ${path}: ${answer.status} ${answer.text}`);
    return answer.body;
  };
  const bppUrl = `${publicUrl}/beckn/bpp`;
  const context: BppNetwork['context'] = (action, extra = {}) => ({
    domain: 'ONDC:TRV10',
    version: '2.0.1',
    action,
    location: { city: { code: 'std:080' }, country: { code: 'IND' } },
    bap_id: bap.subscriberId,
    bap_uri: bap.url,
    bpp_id: bppId,
    bpp_uri: bppUrl,
    transaction_id: randomUUID(),
    message_id: randomUUID(),
    timestamp: new Date().toISOString(),
    ttl: 'PT30S',
    ...extra,
  });
  // With `raw`, the very bytes of an earlier message are sent again (a retry).
  const send: BppNetwork['send'] = async (action, ctx, message, { replica = 0, timeoutMs = 30_000, raw: again } = {}) => {
    const body: { context: Record<string, unknown>; message: unknown } = again
      ? JSON.parse(again.toString('utf8'))
      : { context: { ...context(action), ...ctx, timestamp: new Date().toISOString() }, message };
    const target = replicas[replica];
    assert.ok(target, `replica ${replica}`);
    const started = performance.now();
    const raw = again ?? Buffer.from(JSON.stringify(body), 'utf8');
    const response = await fetch(`${target.baseUrl}/beckn/bpp/${action}`, {
      method: 'POST',
      body: raw,
      headers: { 'content-type': 'application/json', authorization: bap.signer.sign(raw) },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text, ms: Math.round(performance.now() - started), messageId: String(body.context.message_id), raw };
  };
  const sql = async <T extends pg.QueryResultRow>(text: string, bind: unknown[] = []) => {
    const client = new pg.Client({ connectionString: options.databaseUrl, connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<T>(text, bind)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  return {
    bap,
    replicas,
    env,
    bppId,
    bppUrl,
    adminToken: secrets.ADMIN_TOKEN!,
    startReplica,
    restart: startReplica,
    call,
    operator,
    send,
    context,
    acked: () => [...ackedIds],
    sql,
    async close() {
      for (const service of replicas) {
        if (!service || service.child.exitCode !== null || service.child.signalCode !== null) continue;
        service.child.kill('SIGKILL');
        await service.exited;
      }
      await bap.close();
    },
  };
}

export interface Driver {
  id: string;
  token: string;
  registration: string;
}

export interface ConfirmedRide {
  index: number;
  driver: Driver;
  transactionId: string;
  orderId: string;
  rideId: string;
  otp: string;
}

/** The merchant, fare policy, drivers and the Beckn exchanges of whole rides on a BPP network. */
export function rideFlow(net: BppNetwork) {
  let merchantId = '';

  const setUp = async () => {
    const merchant = await net.operator('POST', '/provider/merchants', {
      name: 'Fault Cabs',
      subscriber_id: net.bppId,
      cities: [{ city_code: 'std:080', currency: 'INR' }],
    });
    merchantId = merchant.id;
    await net.operator('PUT', `/provider/fare-policies/${merchant.cities[0].id}/SEDAN`, policyBody);
  };

  const addSedan = async (at: LatLon): Promise<Driver> => {
    const driver = await net.operator('POST', '/provider/drivers', {
      merchant_id: merchantId,
      name: 'Ravi Kumar',
      mobile_number: `+9197${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
    });
    const registration = `KA05${randomUUID().slice(0, 6).toUpperCase()}`;
    await net.operator('POST', '/provider/vehicles', { driver_id: driver.id, registration_no: registration, category: 'CAB', variant: 'SEDAN', capacity: 4 });
    const { token } = await net.operator('POST', `/provider/drivers/${driver.id}/tokens`);
    const online = await net.call('POST', '/driver/status', token, { online: true });
    assert.equal(online.status, 200, online.text);
    await postLocation({ token }, at);
    return { id: driver.id, token, registration };
  };

  const postLocation = async (driver: { token: string }, at: LatLon) => {
    const moved = await net.call('POST', '/driver/location', driver.token, { points: [{ ...at, ts: Date.now() }] });
    assert.equal(moved.status, 200, moved.text);
  };

  /** The callback answering `messageId`, once the fake BAP has it. */
  const callback = (messageId: string, timeoutMs = 60_000) => net.bap.waitFor((m) => m.body.context.message_id === messageId, timeoutMs);

  /** Sends `action` and waits for its callback (ACK required). */
  const exchange = async (action: string, ctx: Record<string, unknown>, message: unknown) => {
    const answer = await net.send(action, ctx, message);
    assert.equal(answer.status, 200, `${action}: ${answer.text}`);
    const reply = await callback(answer.messageId);
    assert.equal(reply.action, `on_${action}`);
    assert.equal(reply.body.error, undefined, `on_${action}: ${JSON.stringify(reply.body.error)}`);
    return reply;
  };

  const searchIntent = (pickup: LatLon) => ({
    intent: {
      fulfillment: { stops: [{ type: 'START', location: { gps: gps(pickup) } }, { type: 'END', location: { gps: gps(drop) } }] },
      payment: { collected_by: 'BAP' },
    },
  });

  /** search → on_search; the sedan item offered. */
  const search = async (pickup: LatLon, transactionId = randomUUID()) => {
    const onSearch = await exchange('search', { transaction_id: transactionId }, searchIntent(pickup));
    const provider = (onSearch.body.message as any).catalog.providers[0];
    assert.ok(provider, 'on_search names a provider');
    const item = provider.items.find(
      (i: { fulfillment_ids: string[] }) => provider.fulfillments.find((f: { id: string }) => f.id === i.fulfillment_ids[0]).vehicle.variant === 'SEDAN',
    );
    assert.ok(item, 'on_search offers a sedan');
    return { transactionId, provider, item };
  };

  const offerFor = (driver: Driver) =>
    waitFor(
      `an offer to driver ${driver.id}`,
      async () => {
        const answer = await net.call('GET', '/driver/ride-offers', driver.token);
        return answer.status === 200 ? (answer.body.offers as { id: string }[])[0] : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );

  const draftOrder = (providerId: string, itemId: string, selected: any, payment: Record<string, unknown>) => ({
    order: {
      provider: { id: providerId },
      items: [{ id: itemId }],
      billing: { name: 'Joe Adams' },
      fulfillments: [
        {
          id: selected.fulfillments[0].id,
          customer: { person: { name: 'Joe Adams' }, contact: { phone: '9876556789' } },
          stops: selected.fulfillments[0].stops,
          vehicle: { category: 'CAB', variant: 'SEDAN' },
        },
      ],
      payments: [payment],
    },
  });

  /** A driver near pickup `index`, search, select (the driver accepts), init: a booking waiting for its confirm. */
  const initialisedBooking = async (index: number) => {
    const pickup = pickupOf(index);
    const driver = await addSedan({ lat: pickup.lat + 0.001, lon: pickup.lon + 0.001 });
    const { transactionId, provider, item } = await search(pickup);
    const select = await net.send('select', { transaction_id: transactionId }, { order: { provider: { id: provider.id }, items: [{ id: item.id }] } });
    assert.equal(select.status, 200, select.text);
    const offer = await offerFor(driver);
    const accepted = await net.call('POST', `/driver/ride-offers/${offer.id}/accept`, driver.token);
    assert.equal(accepted.status, 200, accepted.text);
    const onSelect = await callback(select.messageId);
    assert.equal(onSelect.body.error, undefined, JSON.stringify(onSelect.body.error));
    const selected = (onSelect.body.message as any).order;
    const onInit = await exchange('init', { transaction_id: transactionId }, draftOrder(provider.id, item.id, selected, bapPayment));
    const draft = (onInit.body.message as any).order;
    return { index, driver, transactionId, confirmMessage: draftOrder(provider.id, item.id, selected, { ...draft.payments[0] }) };
  };

  /** The booking and ride of a confirmed order. */
  const confirmed = async (booking: { index: number; driver: Driver; transactionId: string }, onConfirm: ReceivedMessage): Promise<ConfirmedRide> => {
    assert.equal(onConfirm.body.error, undefined, JSON.stringify(onConfirm.body.error));
    const order = (onConfirm.body.message as any).order;
    const [ride] = await net.sql<{ id: string; otp: string }>('SELECT id, otp FROM atlas_driver_offer_bpp.ride WHERE booking_id = $1', [order.id]);
    assert.ok(ride, `a ride for booking ${order.id}`);
    return { index: booking.index, driver: booking.driver, transactionId: booking.transactionId, orderId: order.id, rideId: ride.id, otp: ride.otp };
  };

  /** A whole booking: a driver near pickup `index`, search, select (the driver accepts), init, confirm. */
  const confirmedRide = async (index: number): Promise<ConfirmedRide> => {
    const booking = await initialisedBooking(index);
    return confirmed(booking, await exchange('confirm', { transaction_id: booking.transactionId }, booking.confirmMessage));
  };

  /** Moves a ride through the driver API: arrived, start (with its OTP), end, or cancel. */
  const move = (ride: ConfirmedRide, what: 'arrived' | 'start' | 'end' | 'cancel', options: { replica?: number; timeoutMs?: number } = {}) =>
    net.call(
      'POST',
      `/driver/rides/${ride.rideId}/${what}`,
      ride.driver.token,
      what === 'start' ? { otp: ride.otp } : what === 'cancel' ? { reasonCode: '011' } : undefined,
      options,
    );

  /** How many callbacks our BPP queued in the transaction (delivered or not): what the BAP is owed. */
  const owed = async (transactionIds: string[]) =>
    net.sql<{ id: string; action: string; message_id: string; status: string; transaction_id: string }>(
      `SELECT id, action, message_id, status, transaction_id FROM beckn_protocol.outbox WHERE transaction_id = ANY($1)`,
      [transactionIds],
    );

  return { setUp, addSedan, postLocation, search, searchIntent, exchange, callback, offerFor, draftOrder, initialisedBooking, confirmed, confirmedRide, move, owed, merchantId: () => merchantId };
}

export type RideFlow = ReturnType<typeof rideFlow>;

/** How often each (action, message_id) the fake BAP ACKed arrived there, for the transactions given. */
export function receipts(net: BppNetwork, transactionIds: string[]): Map<string, number> {
  const wanted = new Set(transactionIds);
  const counts = new Map<string, number>();
  for (const message of net.acked()) {
    if (!wanted.has(String(message.body.context.transaction_id))) continue;
    const key = `${message.action}:${String(message.body.context.message_id)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** An error answer that a client can read: JSON, no stack lines. */
export function assertCleanError(answer: Answer, what: string): void {
  assert.ok(answer.body !== undefined, `${what}: the answer is JSON (${answer.status} ${answer.text.slice(0, 300)})`);
  assert.doesNotMatch(answer.text, /\n\s*at |\\n\s*at |    at [\w.<]/, `${what}: no stack trace in the answer: ${answer.text.slice(0, 300)}`);
}
