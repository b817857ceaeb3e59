import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { QueryTypes } from 'sequelize';
import type { LatLon } from '../../src/bpp/domain/index.js';
import { recordSupplySnapshot } from '../../src/bpp/supply-snapshot.js';
import type { BusinessEvent } from '../../src/events/event-catalog.js';
import { createEventRelay, createKafkaEventPublisher, recordBusinessEvent, type EventRelay } from '../../src/events/index.js';
import { createKafka } from '../../src/infra/kafka/index.js';
import { bapPayment, startBookingFlow, type BookingFlow } from '../bpp/booking-flow.js';
import { committedTotal, openSinkStores, quiet, type SinkStores } from '../audit/sink-support.js';
import { startGatewayRig, type GatewayRig } from '../payments/gateway-fixture.js';
import { testServices } from '../support/services.js';
import { waitUntil } from '../support/wait-until.js';
import { countEvents, expectedCells, roundedCells, storedCells } from './events-sink-support.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cashPayment = { collected_by: 'BPP', type: 'ON-FULFILLMENT', status: 'NOT-PAID' };
const schemas = ['atlas_app', 'atlas_driver_offer_bpp'] as const;

interface OutboxEvent extends BusinessEvent {
  relayed: boolean;
}

interface StoredRow {
  event_id: string;
  event_type: string;
  subject_id: string;
  payload: string;
}

interface SinkChild {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * The whole road of the business events, through the service: rides driven
 * over signed Beckn and the driver API on real Postgres and Redis, the
 * outboxes relayed to a real Kafka topic (the relay stopped while rides go on
 * and a new one started later, as after a restart), and the events sink in
 * its own process loading ClickHouse, killed once after an insert and before
 * its commit, then started again.
 */
describe('business events from the service to ClickHouse (Postgres, Kafka, ClickHouse, a killed sink, a restarted relay)', function () {
  this.timeout(420_000);

  let stores: SinkStores;
  let gatewayRig: GatewayRig;
  let flow: BookingFlow;
  let secondRelay: EventRelay | null = null;
  const children: SinkChild[] = [];
  let area = 0;
  // Rides about 6.6 km apart, so no ride is offered to another test's driver.
  const nextPickup = (): LatLon => ({ lat: 13.4 + 0.06 * area++, lon: 77.9 });

  function startSinkChild(extra: Record<string, string> = {}): SinkChild {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/events/fixtures/events-sink-child.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        CLICKHOUSE_URL: testServices.clickhouseUrl,
        CLICKHOUSE_DATABASE: stores.database,
        KAFKA_BROKERS: testServices.kafkaBrokers.join(','),
        TOPIC: stores.topic,
        GROUP_ID: stores.groupId,
        BATCH_SIZE: '4',
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const started = { child, output: () => output, exited };
    children.push(started);
    return started;
  }

  before(async () => {
    stores = await openSinkStores('events_pipeline');
    gatewayRig = await startGatewayRig();
    flow = await startBookingFlow({
      withKafka: true,
      env: { EVENTS_TOPIC: stores.topic, EVENTS_RELAY_POLL_MS: '50' },
      // Supply is snapshotted by the test, once, so the outboxes stand still when they are compared.
      bpp: { paymentGateway: gatewayRig.gateway, options: { supplySnapshotIntervalMs: 0 } },
    });
  });
  after(async () => {
    for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await secondRelay?.stop();
    await flow?.close();
    await gatewayRig?.close();
    await stores?.dispose();
  });

  const outboxEvents = async (): Promise<OutboxEvent[]> => {
    const all: OutboxEvent[] = [];
    for (const schema of schemas) {
      const rows = await flow.net.app.ctx.sequelize.query<Omit<OutboxEvent, 'occurred_at'> & { occurred_at: Date; relayed_at: Date | null }>(
        `SELECT event_id::text, event_type, event_version, occurred_at, side, merchant_id, city, cell, variant, subject_id, payload, relayed_at
           FROM ${schema}.business_event_outbox ORDER BY seq`,
        { type: QueryTypes.SELECT },
      );
      for (const { relayed_at: relayedAt, ...row } of rows) all.push({ ...row, occurred_at: new Date(row.occurred_at).toISOString(), relayed: relayedAt !== null });
    }
    return all;
  };
  const storedRows = async (): Promise<StoredRow[]> => {
    const result = await stores.clickhouse.query({ query: 'SELECT event_id, event_type, subject_id, payload FROM business_events FINAL', format: 'JSONEachRow' });
    return result.json<StoredRow>();
  };
  const endOffsets = async (): Promise<number> =>
    (await stores.admin.fetchTopicOffsets(stores.topic)).reduce((sum, partition) => sum + Number(partition.high), 0);

  const bookRide = async (payment: Record<string, unknown>) => {
    const pickup = nextPickup();
    const driver = await flow.addSedan({ lat: pickup.lat + 0.001, lon: pickup.lon + 0.001 });
    const selection = await flow.selectSedan(pickup, driver);
    const onInit = await flow.send('init', flow.net.toOurBpp({ transaction_id: selection.transactionId }), flow.draftOrder(selection, payment));
    const draft = (onInit.body.message as any).order;
    const onConfirm = await flow.send('confirm', flow.net.toOurBpp({ transaction_id: selection.transactionId }), flow.draftOrder(selection, { ...draft.payments[0] }));
    assert.equal(onConfirm.body.error, undefined, JSON.stringify(onConfirm.body.error));
    const order = (onConfirm.body.message as any).order;
    const [ride] = await flow.rows<{ id: string; otp: string }>('SELECT id, otp FROM atlas_driver_offer_bpp.ride WHERE booking_id = $1', [order.id]);
    const [search] = await flow.rows<{ id: string }>('SELECT id FROM atlas_driver_offer_bpp.search_request WHERE transaction_id = $1', [selection.transactionId]);
    assert.ok(ride && search);
    return { driver, selection, bookingId: order.id as string, ride, searchId: search.id };
  };
  const driverCall = async (token: string, path: string, body?: unknown) => {
    const answer = await flow.call('POST', path, body, token);
    assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
  };

  it('delivers a complete ride, a rider cancel and a driver cancel to ClickHouse once each, and the aggregates agree with the raw events', async () => {
    const { ctx } = flow.net.app;

    // 1. A complete cash ride while the service's relay runs.
    const complete = await bookRide(cashPayment);
    await driverCall(complete.driver.token, `/driver/rides/${complete.ride.id}/arrived`);
    await driverCall(complete.driver.token, `/driver/rides/${complete.ride.id}/start`, { otp: complete.ride.otp });
    await driverCall(complete.driver.token, `/driver/rides/${complete.ride.id}/end`);
    const rated = await flow.send('rating', flow.net.toOurBpp({ transaction_id: complete.selection.transactionId }), { id: complete.bookingId, rating_category: 'DRIVER', value: 5 });
    assert.deepEqual(rated.body.message, { feedback_ack: true, rating_ack: true });
    await waitUntil('the complete ride’s events relayed', async () => (await outboxEvents()).every((event) => event.relayed), { timeoutMs: 60_000, intervalMs: 100 });

    // 2. The relay stops (as its process would); both cancellations happen while nothing is relayed.
    await ctx.eventRelay.stop();
    const riderCancelled = await bookRide(bapPayment);
    const cancel = await flow.send('cancel', flow.net.toOurBpp({ transaction_id: riderCancelled.selection.transactionId }), {
      order_id: riderCancelled.bookingId,
      cancellation_reason_id: '005',
      descriptor: { code: 'CONFIRM_CANCEL', name: 'Ride Cancellation' },
    });
    assert.equal((cancel.body.message as any).order.status, 'CANCELLED');
    const driverCancelled = await bookRide(bapPayment);
    await driverCall(driverCancelled.driver.token, `/driver/rides/${driverCancelled.ride.id}/cancel`, { reasonCode: '014' });
    const slot = Math.floor(Date.now() / 60_000) * 60_000;
    assert.ok((await recordSupplySnapshot({ sequelize: ctx.sequelize, driverLocations: ctx.driverLocations, logger: quiet }, slot)) >= 1, 'supply snapshotted');

    // A transaction that records an event and then fails leaves nothing to relay.
    const rolledBackId = randomUUID();
    await assert.rejects(
      ctx.sequelize.transaction(async (transaction) => {
        await recordBusinessEvent(
          ctx.sequelize,
          transaction,
          {
            side: 'bpp',
            type: 'driver.online',
            merchantId: flow.merchantId,
            city: 'std:080',
            cell: null,
            variant: 'SEDAN',
            subjectId: complete.driver.id,
            payload: { driver_id: complete.driver.id },
          },
          { eventId: rolledBackId },
        );
        throw new Error('forced failure after recording');
      }),
      /forced failure/,
    );

    const stalled = await outboxEvents();
    assert.ok(stalled.some((event) => !event.relayed && event.subject_id === riderCancelled.bookingId), 'the rider cancel waits in the outbox');
    assert.ok(stalled.some((event) => !event.relayed && event.subject_id === driverCancelled.bookingId), 'the driver cancel waits in the outbox');
    assert.ok(!stalled.some((event) => event.event_id === rolledBackId), 'the rolled-back event was never written');

    // 3. A new relay (a restarted process) publishes what waited, in order.
    secondRelay = createEventRelay({
      sequelize: ctx.sequelize,
      publisher: createKafkaEventPublisher({ kafka: createKafka({ brokers: testServices.kafkaBrokers, clientId: 'beckn-ride-test-relay-2', logger: quiet }), topic: stores.topic, logger: quiet }),
      schemas,
      pollIntervalMs: 50,
      logger: quiet,
    });
    secondRelay.start();
    await waitUntil('every outbox event relayed by the new relay', async () => (await outboxEvents()).every((event) => event.relayed), { timeoutMs: 60_000, intervalMs: 100 });
    const events = await outboxEvents();
    const published = await endOffsets();
    assert.ok(published >= events.length, `the topic holds every event: ${published} messages for ${events.length} events`);

    // 4. The sink loads them; the first one is killed after an insert and before its commit, a second one finishes.
    const first = startSinkChild({ HOLD_AFTER_INSERT: '2' });
    await waitUntil('the first sink holds after its second insert', () => first.output().includes('held after insert 2'), { timeoutMs: 120_000, intervalMs: 100 });
    const rowsAtKill = (await countEvents(stores.clickhouse, 'physical')).rows;
    const committedAtKill = await committedTotal(stores.admin, stores.groupId, stores.topic);
    assert.ok(rowsAtKill > committedAtKill, `rows ${rowsAtKill} inserted beyond the committed offsets ${committedAtKill}`);
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, null, 'killed by the signal');

    const second = startSinkChild();
    await waitUntil('the restarted sink committed every offset', async () => (await committedTotal(stores.admin, stores.groupId, stores.topic)) === published, {
      timeoutMs: 240_000,
      intervalMs: 250,
    });
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output());

    // Exactly the outboxes' events, each once as queries see them.
    const stored = await storedRows();
    assert.deepEqual(await countEvents(stores.clickhouse), { rows: events.length, ids: events.length });
    assert.deepEqual(new Set(stored.map((row) => row.event_id)), new Set(events.map((event) => event.event_id)));
    assert.ok(!stored.some((row) => row.event_id === rolledBackId));

    const typesFor = (filter: (payload: Record<string, unknown>) => boolean) =>
      stored
        .filter((row) => row.event_type !== 'supply.snapshot' && filter(JSON.parse(row.payload) as Record<string, unknown>))
        .map((row) => row.event_type)
        .sort();
    const ofRide = (ride: { searchId: string; bookingId: string; ride: { id: string } }) => (payload: Record<string, unknown>) =>
      payload.search_id === ride.searchId || payload.booking_id === ride.bookingId || payload.ride_id === ride.ride.id;
    assert.deepEqual(
      typesFor(ofRide(complete)),
      ['booking.confirmed', 'driver.assigned', 'estimates.offered', 'payment.charged', 'quote.accepted_by_driver', 'rating.given', 'ride.ended', 'ride.started', 'search.requested'],
    );
    assert.deepEqual(typesFor(ofRide(riderCancelled)), ['booking.confirmed', 'driver.assigned', 'estimates.offered', 'quote.accepted_by_driver', 'ride.cancelled', 'search.requested']);
    assert.deepEqual(typesFor(ofRide(driverCancelled)), ['booking.confirmed', 'driver.assigned', 'estimates.offered', 'quote.accepted_by_driver', 'ride.cancelled', 'search.requested']);
    const cancelledBy = (bookingId: string) =>
      stored.filter((row) => row.event_type === 'ride.cancelled' && row.subject_id === bookingId).map((row) => (JSON.parse(row.payload) as { cancelled_by: string }).cancelled_by);
    assert.deepEqual(cancelledBy(riderCancelled.bookingId), ['RIDER']);
    assert.deepEqual(cancelledBy(driverCancelled.bookingId), ['DRIVER']);

    // business_cell_15m equals the counts worked out here from the raw events.
    const expected = roundedCells(expectedCells(events));
    assert.ok(expected.some((row) => row.completed_rides === 1 && row.fare_total_minor > 0), 'the completed ride is counted with its fare');
    assert.ok(expected.some((row) => row.cancelled_by_rider === 1) && expected.some((row) => row.cancelled_by_driver === 1));
    assert.ok(expected.some((row) => row.supply_idle > 0 || row.supply_online > 0), 'the supply snapshot is counted');
    assert.deepEqual(roundedCells(await storedCells(stores.clickhouse)), expected);
  });
});
