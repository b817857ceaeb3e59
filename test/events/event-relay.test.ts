import assert from 'node:assert/strict';
import type { Admin, Kafka } from 'kafkajs';
import type { Sequelize } from 'sequelize';
import { QueryTypes } from 'sequelize';
import {
  createEventRelay,
  createKafkaEventPublisher,
  eventTopicSpec,
  recordBusinessEvent,
  type BusinessEvent,
  type EventPublisher,
  type EventRelay,
  type EventRelayOptions,
} from '../../src/events/index.js';
import { createKafka, ensureTopics } from '../../src/infra/kafka/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createMetrics } from '../../src/infra/metrics/index.js';
import { createSequelize, runMigrations } from '../../src/infra/postgres/index.js';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { testServices, uniqueTestName } from '../support/services.js';
import { fullProfileEnv, startTestApp } from '../support/test-app.js';
import { waitUntil } from '../support/wait-until.js';
import { collectEvents, driverOnline, outboxRows, recordEvents, subjectsOf, topicMessageCount, type Published } from './event-relay-support.js';

const quiet = createLogger('silent');

describe('business event relay (Postgres outboxes to Kafka)', function () {
  this.timeout(120_000);

  const kafka = createKafka({ brokers: testServices.kafkaBrokers, clientId: 'beckn-ride-test', logger: quiet });
  let admin: Admin;
  let database: FreshDatabase;
  let sequelize: Sequelize;
  let topic: string;
  let consumer: Awaited<ReturnType<typeof collectEvents>>;
  const relays: EventRelay[] = [];
  const publishers: EventPublisher[] = [];

  function publisher(client: Kafka = kafka, connectTimeoutMs?: number): EventPublisher {
    const created = createKafkaEventPublisher({ kafka: client, topic, logger: quiet, ...(connectTimeoutMs ? { connectTimeoutMs } : {}) });
    publishers.push(created);
    return created;
  }

  function relay(options: Partial<EventRelayOptions> = {}): EventRelay {
    const created = createEventRelay({
      sequelize,
      publisher: options.publisher ?? publisher(),
      schemas: ['atlas_app', 'atlas_driver_offer_bpp'],
      batchSize: 25,
      pollIntervalMs: 20,
      logger: quiet,
      backoff: { baseBackoffMs: 50, maxBackoffMs: 200 },
      ...options,
    });
    relays.push(created);
    return created;
  }

  /** The consumer's messages of these events, once it has at least one of each. */
  async function receivedAll(events: BusinessEvent[], timeoutMs = 60_000): Promise<Published[]> {
    const ids = new Set(events.map((e) => e.event_id));
    const mine = () => consumer.received.filter((m) => ids.has(m.eventId));
    await waitUntil(`the consumer has all ${events.length} events`, () => new Set(mine().map((m) => m.eventId)).size === ids.size, { timeoutMs, intervalMs: 50 });
    return mine();
  }

  /** Every event arrived exactly once: the topic holds no more messages than events (a duplicate would count). */
  async function assertExactlyOnce(events: BusinessEvent[]): Promise<Published[]> {
    const received = await receivedAll(events);
    assert.equal(await topicMessageCount(admin, topic), events.length, 'messages in the topic');
    assert.equal(received.length, events.length, 'each event once');
    return received;
  }

  function assertOrderPerKey(events: BusinessEvent[], received: Published[]): void {
    for (const key of new Set(events.map((e) => e.subject_id))) {
      const recorded = events.filter((e) => e.subject_id === key).map((e) => e.event_id);
      const got = received.filter((m) => m.key === key).sort((a, b) => a.offset - b.offset);
      assert.deepEqual(got.map((m) => m.eventId), recorded, `order of key ${key}`);
      assert.equal(new Set(got.map((m) => m.partition)).size, 1, `one partition for key ${key}`);
    }
  }

  before(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  after(async () => {
    await admin?.disconnect();
  });

  beforeEach(async () => {
    database = await freshServerDatabase('event_relay');
    sequelize = createSequelize({ url: database.url, logger: quiet, poolMax: 10 });
    await runMigrations({ sequelize, logger: quiet });
    topic = uniqueTestName('business_events');
    await ensureTopics(kafka, [eventTopicSpec({ topic, topicPartitions: 3, replicationFactor: 1 })], quiet);
    consumer = await collectEvents(kafka, topic);
  });

  afterEach(async () => {
    for (const r of relays.splice(0)) await r.stop();
    for (const p of publishers.splice(0)) await p.close();
    await consumer?.stop();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await sequelize?.close();
    await database?.dispose();
  });

  it('publishes events of committed transactions once each, keyed by subject in seq order, with type and version headers and the envelope as value', async () => {
    const metrics = createMetrics();
    const events = await recordEvents(sequelize, 120, subjectsOf('ride', 4), 7);
    const r = relay({ batchSize: 9, metrics });
    r.start();

    const received = await assertExactlyOnce(events);
    const expected = new Map(events.map((e) => [e.event_id, e]));
    for (const message of received) {
      const event = expected.get(message.eventId) as BusinessEvent;
      assert.deepEqual(message.value, event);
      assert.deepEqual(Object.keys(message.value), ['event_id', 'event_type', 'event_version', 'occurred_at', 'side', 'merchant_id', 'city', 'cell', 'variant', 'subject_id', 'payload']);
      assert.equal(message.key, event.subject_id);
      assert.equal(message.eventType, 'driver.online');
      assert.equal(message.eventVersion, String(event.event_version));
    }
    assertOrderPerKey(events, received);

    await waitUntil('the relay counted every event', () => r.stats().relayed === events.length);
    for (const side of ['bap', 'bpp'] as const) {
      assert.ok((await outboxRows(sequelize, side)).every((row) => row.relayed_at !== null), `${side} rows stamped relayed`);
    }
    assert.deepEqual(await r.pending(), { atlas_app: 0, atlas_driver_offer_bpp: 0 });
    await r.check();
    const exposition = await metrics.registry.metrics();
    assert.match(exposition, /beckn_ride_business_events_relayed_total\{schema="atlas_app"\} 60/);
    assert.match(exposition, /beckn_ride_business_events_relayed_total\{schema="atlas_driver_offer_bpp"\} 60/);
    assert.match(exposition, /beckn_ride_business_events_pending\{schema="atlas_app"\} 0/);
  });

  it('publishes nothing for a transaction that rolled back', async () => {
    const r = relay();
    r.start();
    const a = driverOnline('bpp', 'rolled-back-driver');
    let rolledBackId: string | null = null;
    await assert.rejects(
      sequelize.transaction(async (transaction) => {
        rolledBackId = await recordBusinessEvent(sequelize, transaction, a.input);
        throw new Error('the state change failed');
      }),
      /the state change failed/,
    );
    assert.ok(rolledBackId);
    const committed = await recordEvents(sequelize, 1, [{ id: 'committed-driver', side: 'bpp' }]);

    await assertExactlyOnce(committed);
    assert.ok(!consumer.received.some((m) => m.eventId === rolledBackId || m.key === 'rolled-back-driver'), 'the rolled-back event is not on the topic');
    assert.ok(!(await outboxRows(sequelize, 'bpp')).some((row) => row.event_id === rolledBackId), 'nor in the outbox');
  });

  it('publishes a stream exactly once across a relay stopped midway and a new one', async () => {
    const subjects = subjectsOf('stream', 5);
    const first = relay({ batchSize: 10 });
    first.start();
    const recording = recordEvents(sequelize, 250, subjects, 5);
    await waitUntil('the first relay published part of the stream', () => first.stats().relayed >= 50, { timeoutMs: 60_000 });
    await first.stop();
    const events = [...(await recording), ...(await recordEvents(sequelize, 250, subjects, 5))];
    const shippedByFirst = first.stats().relayed;
    assert.ok(shippedByFirst < events.length, 'the first relay stopped midway');
    assert.equal(first.stats().running, false);

    const pendingAfterStop = await first.pending();
    assert.equal((pendingAfterStop.atlas_app ?? 0) + (pendingAfterStop.atlas_driver_offer_bpp ?? 0), events.length - shippedByFirst, 'what the first relay published is stamped, the rest pending');

    const second = relay({ batchSize: 10 });
    second.start();
    const received = await assertExactlyOnce(events);
    assert.equal(new Set(received.map((m) => m.eventId)).size, 500);
    assertOrderPerKey(events, received);
    await waitUntil('the second relay published the rest', () => second.stats().relayed === events.length - shippedByFirst);
  });

  it('keeps events pending and fails readiness while Kafka is unreachable, then a working relay publishes them', async () => {
    // Nothing listens on port 1: connections are refused at once, as when the broker is down.
    const unreachable = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'beckn-ride-test', logger: quiet });
    const events = await recordEvents(sequelize, 12, subjectsOf('outage', 2));
    const failing = relay({ publisher: publisher(unreachable, 1_000), stalledAfterMs: 300 });
    failing.start();

    await waitUntil(
      'readiness reports the relay failing',
      async () => {
        try {
          await failing.check();
          return false;
        } catch (error) {
          const { message } = error as Error;
          // Past the bound, naming the publish failure (before the first attempt fails it says "still trying").
          return /business event relay has published nothing from atlas_\w+ for \d+ s to kafka topic/.test(message) && !message.endsWith('still trying');
        }
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const stats = failing.stats();
    assert.equal(stats.relayed, 0);
    assert.ok(Object.values(stats.schemas).some((s) => s.lastError !== null && s.failures > 0 && s.stalledSince !== null), 'stats name the failure');
    assert.deepEqual(await failing.pending(), { atlas_app: 6, atlas_driver_offer_bpp: 6 });
    await failing.stop();
    assert.equal(await topicMessageCount(admin, topic), 0);

    const working = relay();
    working.start();
    await assertExactlyOnce(events);
    await waitUntil('the working relay is healthy', () => working.stats().relayed === events.length);
    await working.check();
  });

  it('two relays running at once over the same outboxes publish every event exactly once, in order per key', async () => {
    const subjects = subjectsOf('pair', 4);
    const early = await recordEvents(sequelize, 100, subjects, 10);
    const a = relay({ batchSize: 7, pollIntervalMs: 5 });
    const b = relay({ batchSize: 7, pollIntervalMs: 5 });
    a.start();
    b.start();
    const late = await recordEvents(sequelize, 200, subjects, 3);
    const events = [...early, ...late];

    const received = await assertExactlyOnce(events);
    assertOrderPerKey(events, received);
    await waitUntil('both relays idle with everything counted', () => a.stats().relayed + b.stats().relayed === events.length);
  });

  it('deletes only relayed events older than the retention, periodically and on demand', async () => {
    const events = await recordEvents(sequelize, 8, [{ id: 'kept-driver', side: 'bap' }]);
    const r = relay();
    r.start();
    await assertExactlyOnce(events);
    await r.stop();
    const [old1, old2, old3] = events.map((e) => e.event_id);
    await sequelize.query(`UPDATE atlas_app.business_event_outbox SET relayed_at = now() - interval '25 hours' WHERE event_id IN (:ids)`, { replacements: { ids: [old1, old2, old3] } });
    // Pending for a long time: never deleted, however old.
    const [pending] = await recordEvents(sequelize, 1, [{ id: 'pending-driver', side: 'bap' }]);
    await sequelize.query(`UPDATE atlas_app.business_event_outbox SET created_at = now() - interval '30 days' WHERE event_id = :id`, { replacements: { id: pending?.event_id } });

    const idle = relay({ retentionMs: 24 * 3_600_000 });
    assert.equal(await idle.cleanup(), 3);
    const left = (await outboxRows(sequelize, 'bap')).map((row) => row.event_id);
    assert.deepEqual(new Set(left), new Set([...events.slice(3).map((e) => e.event_id), pending?.event_id]));
    assert.equal(await idle.cleanup(), 0);

    // Periodically, while the relay runs: a row relayed two hours ago goes with a one-hour retention.
    await sequelize.query(`UPDATE atlas_app.business_event_outbox SET relayed_at = now() - interval '2 hours' WHERE event_id = :id`, { replacements: { id: events[3]?.event_id } });
    const periodic = relay({ retentionMs: 3_600_000, cleanupIntervalMs: 50 });
    periodic.start();
    await waitUntil('the periodic cleanup deleted the old row', async () => !(await outboxRows(sequelize, 'bap')).some((row) => row.event_id === events[3]?.event_id));
    await waitUntil('the pending event is published', () => periodic.stats().relayed === 1);
    const rows = await outboxRows(sequelize, 'bap');
    assert.deepEqual(new Set(rows.map((row) => row.event_id)), new Set([...events.slice(4).map((e) => e.event_id), pending?.event_id]));
    const [count] = await sequelize.query<{ n: number }>('SELECT count(*)::int AS n FROM atlas_app.business_event_outbox WHERE relayed_at IS NULL', { type: QueryTypes.SELECT });
    assert.equal(count?.n, 0);
  });
});

describe('business event relay in the service', function () {
  this.timeout(120_000);

  it('is started by the context, publishes to EVENTS_TOPIC and is in the readiness map', async () => {
    const topic = uniqueTestName('business_events_app');
    const app = await startTestApp(fullProfileEnv({ EVENTS_TOPIC: topic, EVENTS_TOPIC_PARTITIONS: '2', EVENTS_RELAY_POLL_MS: '20' }));
    const kafka = createKafka({ brokers: testServices.kafkaBrokers, clientId: 'beckn-ride-test', logger: quiet });
    const consumer = await collectEvents(kafka, topic);
    try {
      assert.equal(app.ctx.config.events.topic, topic);
      assert.ok('business_event_relay' in app.ctx.readiness);
      const events = await recordEvents(app.ctx.sequelize, 3, subjectsOf('app', 1), 3);
      const ids = new Set(events.map((e) => e.event_id));
      await waitUntil('the service published the events', () => consumer.received.filter((m) => ids.has(m.eventId)).length === events.length, { timeoutMs: 30_000, intervalMs: 50 });
      await app.ctx.readiness.business_event_relay?.();
      const ready = await fetch(`${app.baseUrl}/health/ready`);
      const body = (await ready.json()) as { checks?: Record<string, { status: string }> };
      assert.equal(JSON.stringify(body).includes('business_event_relay'), true, JSON.stringify(body));
    } finally {
      await consumer.stop();
      await app.close();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
