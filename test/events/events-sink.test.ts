import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Message } from 'kafkajs';
import { createEventsSink, type EventsSink } from '../../src/events/sink/index.js';
import type { BusinessEvent } from '../../src/events/event-catalog.js';
import { createMetrics, type Metrics } from '../../src/infra/metrics/index.js';
import { testServices } from '../support/services.js';
import { committedTotal, openSinkStores, produce, quiet, waitFor, type SinkStores } from '../audit/sink-support.js';
import {
  baseBucketMs,
  buildEventMix,
  businessEvent,
  countEvents,
  countRejects,
  decimalOf,
  expectedCells,
  QUARTER_MS,
  roundedCells,
  storedCells,
  toEventMessage,
} from './events-sink-support.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function metricValue(metrics: Metrics, name: string): Promise<number> {
  const values = (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  return values[0]?.value ?? 0;
}

interface StoredEvent {
  event_id: string;
  event_type: string;
  side: string;
  cell: string;
  variant: string;
  merchant_id: string;
  occurred_at_ms: string;
  payload: string;
  amount_minor: string;
  amount_max_minor: string;
  currency: string;
  item_count: number;
  time_to_assign_ms: number;
  distance_m: number;
  duration_s: number;
  actor: string;
  rating: number;
  supply_online: number;
  supply_idle: number;
  supply_on_ride: number;
}

async function storedEvents(stores: SinkStores): Promise<Map<string, StoredEvent>> {
  const result = await stores.clickhouse.query({ query: 'SELECT * FROM business_events FINAL', format: 'JSONEachRow' });
  return new Map((await result.json<StoredEvent>()).map((row) => [row.event_id, row]));
}

describe('events sink: business events from Kafka into ClickHouse (real Kafka and ClickHouse)', function () {
  this.timeout(180_000);

  let stores: SinkStores;
  const sinks: EventsSink[] = [];

  function startSink(overrides: { batchSize?: number; metrics?: Metrics } = {}): EventsSink {
    const sink = createEventsSink({
      kafka: stores.kafka,
      clickhouse: stores.clickhouse,
      topic: stores.topic,
      groupId: stores.groupId,
      batchSize: overrides.batchSize ?? 40,
      logger: quiet,
      metrics: overrides.metrics,
    });
    sinks.push(sink);
    return sink;
  }

  /** Waits until the group has committed every message of the topic: by then each chunk's aggregates are recomputed too. */
  async function consumedAll(count: number): Promise<void> {
    await waitFor(`the group committed ${count} offsets`, async () => (await committedTotal(stores.admin, stores.groupId, stores.topic)) === count);
  }

  beforeEach(async () => {
    stores = await openSinkStores('events_sink');
  });

  afterEach(async () => {
    for (const sink of sinks.splice(0)) await sink.stop();
    await stores.dispose();
  });

  it('stores every event exactly once with its measures, dead-letters poison messages and moves past them', async () => {
    const at = baseBucketMs + 60_000;
    const ended = businessEvent({ type: 'ride.ended', at, payload: { booking_id: 'b1', ride_id: 'r1', driver_id: 'd1', distance_m: 4321.4, duration_s: 901, fare: { value: '182.50', currency: 'INR' } } });
    const offered = businessEvent({
      type: 'estimates.offered',
      at,
      cell: null,
      variant: null,
      payload: { search_id: 's1', count: 3, fare_min: { value: '95', currency: 'INR' }, fare_max: { value: '140.05', currency: 'INR' }, variants: ['AUTO_RICKSHAW'] },
    });
    const cancelled = businessEvent({ type: 'ride.cancelled', at, payload: { booking_id: 'b2', ride_id: null, cancelled_by: 'DRIVER', reason_code: 'NO_SHOW', fee: { value: '25.00', currency: 'INR' } } });
    const assigned = businessEvent({ type: 'driver.assigned', at, payload: { booking_id: 'b3', ride_id: 'r3', driver_id: 'd3', time_to_assign_ms: 45_250 } });
    const rated = businessEvent({ type: 'rating.given', at, payload: { ride_id: 'r1', booking_id: 'b1', rating: 4, rated: 'DRIVER' } });
    const payout = businessEvent({ type: 'payout.settled', at, payload: { payout_order_id: 'p1', driver_id: 'd1', amount: { value: '1234567.89', currency: 'INR' }, ride_count: 17 } });
    const snapshot = businessEvent({ type: 'supply.snapshot', at, payload: { snapshot_id: 'run-1', online: 9, idle: 4, on_ride: 5 } });
    // A type a newer producer may send: stored with its envelope, no measures.
    const unknown = { ...businessEvent({ type: 'driver.online', at, payload: { driver_id: 'd9' } }), event_type: 'driver.waved' } as unknown as BusinessEvent;
    const mix = buildEventMix(240);
    const events = [ended, offered, cancelled, assigned, rated, payout, snapshot, unknown, ...mix];

    const valid = businessEvent({ type: 'ride.started', at, payload: { booking_id: 'b', ride_id: 'r', driver_id: 'd' } });
    const poison: Message[] = [
      { key: 'poison-json', value: '{"event_id": "e1", "event_type"' },
      { key: 'poison-shape', value: JSON.stringify({ hello: 'an event this is not' }) },
      { key: 'poison-empty', value: null },
      { key: 'poison-bytes', value: Buffer.from([0xc3, 0x28, 0xff]) },
      { key: 'poison-side', value: JSON.stringify({ ...valid, side: 'rider' }) },
      { key: 'poison-time', value: JSON.stringify({ ...valid, occurred_at: '1969-12-31T23:59:59.000Z' }) },
      { key: 'poison-money', value: JSON.stringify({ ...ended, event_id: 'money-not-decimal', payload: { ...ended.payload, fare: { value: '12,50', currency: 'INR' } } }) },
    ];
    // Poison in the middle of the stream: the events after it, on every partition, must land too.
    const messages = [...events.slice(0, 100).map(toEventMessage), ...poison, ...events.slice(100).map(toEventMessage)];
    await produce(stores.kafka, stores.topic, messages);

    const metrics = createMetrics();
    const sink = startSink({ metrics });
    await sink.start();
    await consumedAll(messages.length);

    assert.deepEqual(await countEvents(stores.clickhouse), { rows: events.length, ids: events.length });
    assert.equal(await countRejects(stores.clickhouse), poison.length);
    const stored = await storedEvents(stores);
    assert.deepEqual(events.filter((event) => !stored.has(event.event_id)).map((event) => event.event_id), []);

    const row = (event: BusinessEvent) => stored.get(event.event_id) as StoredEvent;
    assert.deepEqual(JSON.parse(row(ended).payload), ended.payload);
    assert.equal(Number(row(ended).occurred_at_ms), at);
    assert.deepEqual(
      { amount: row(ended).amount_minor, currency: row(ended).currency, distance: row(ended).distance_m, duration: row(ended).duration_s },
      { amount: '18250', currency: 'INR', distance: 4321, duration: 901 },
    );
    assert.deepEqual(
      { min: row(offered).amount_minor, max: row(offered).amount_max_minor, count: row(offered).item_count, cell: row(offered).cell, variant: row(offered).variant },
      { min: '9500', max: '14005', count: 3, cell: '', variant: '' },
    );
    assert.deepEqual({ fee: row(cancelled).amount_minor, actor: row(cancelled).actor }, { fee: '2500', actor: 'DRIVER' });
    assert.equal(row(assigned).time_to_assign_ms, 45_250);
    assert.deepEqual({ rating: row(rated).rating, actor: row(rated).actor }, { rating: 4, actor: 'DRIVER' });
    assert.deepEqual({ amount: row(payout).amount_minor, rides: row(payout).item_count }, { amount: '123456789', rides: 17 });
    assert.deepEqual(
      { online: row(snapshot).supply_online, idle: row(snapshot).supply_idle, onRide: row(snapshot).supply_on_ride },
      { online: 9, idle: 4, onRide: 5 },
    );
    assert.deepEqual({ type: row(unknown).event_type, amount: row(unknown).amount_minor, actor: row(unknown).actor }, { type: 'driver.waved', amount: '0', actor: '' });

    const rejects = await stores.clickhouse.query({ query: 'SELECT message_key, raw_value, value_encoding, error, kafka_topic FROM business_events_rejects FINAL', format: 'JSONEachRow' });
    const byKey = new Map((await rejects.json<{ message_key: string; raw_value: string; value_encoding: string; error: string; kafka_topic: string }>()).map((r) => [r.message_key, r]));
    assert.match(byKey.get('poison-json')?.error ?? '', /^not JSON/);
    assert.match(byKey.get('poison-shape')?.error ?? '', /^not a business event: .*must have required property 'event_id'/);
    assert.equal(byKey.get('poison-empty')?.error, 'empty message value');
    assert.deepEqual(
      { value: byKey.get('poison-bytes')?.raw_value, encoding: byKey.get('poison-bytes')?.value_encoding },
      { value: Buffer.from([0xc3, 0x28, 0xff]).toString('base64'), encoding: 'base64' },
    );
    assert.match(byKey.get('poison-side')?.error ?? '', /^not a business event: \/side must be equal to one of the allowed values/);
    assert.match(byKey.get('poison-time')?.error ?? '', /outside 1970\.\.2105/);
    assert.match(byKey.get('poison-money')?.error ?? '', /^unstorable business event: payload\.fare: money value "12,50" is not a decimal/);
    for (const reject of byKey.values()) assert.equal(reject.kafka_topic, stores.topic);

    assert.deepEqual({ inserted: sink.stats().inserted, rejected: sink.stats().rejected }, { inserted: events.length, rejected: poison.length });
    assert.equal(await metricValue(metrics, 'beckn_ride_events_sink_records_inserted_total'), events.length);
    assert.equal(await metricValue(metrics, 'beckn_ride_events_sink_rejects_total'), poison.length);
    assert.ok((await metricValue(metrics, 'beckn_ride_events_sink_buckets_recomputed_total')) >= 4);
    assert.match(await metrics.registry.metrics(), /^beckn_ride_events_sink_lag_messages\{partition="\d"\} 0$/m);
  });

  it('keeps business_cell_15m equal to the counts worked out from the produced events, for two cities and two buckets, batch after batch', async () => {
    const first = buildEventMix(400, 11);
    await produce(stores.kafka, stores.topic, first.map(toEventMessage));
    const sink = startSink({ batchSize: 30 });
    await sink.start();
    await consumedAll(first.length);
    const afterFirst = await storedCells(stores.clickhouse);
    assert.deepEqual(roundedCells(afterFirst), roundedCells(expectedCells(first)));

    // Later events for the same buckets (and a third one) change only what they touch, and the totals still match.
    const second = [
      ...buildEventMix(150, 23),
      businessEvent({ type: 'ride.ended', at: baseBucketMs + 2 * QUARTER_MS + 5_000, city: 'std:011', payload: { booking_id: 'b', ride_id: 'r', driver_id: 'd', distance_m: 1, duration_s: 1, fare: { value: decimalOf(777), currency: 'INR' } } }),
    ];
    await produce(stores.kafka, stores.topic, second.map(toEventMessage));
    await consumedAll(first.length + second.length);
    const all = [...first, ...second];
    const cells = await storedCells(stores.clickhouse);
    assert.deepEqual(roundedCells(cells), roundedCells(expectedCells(all)));

    const buckets = new Set(cells.map((cell) => `${cell.city}|${cell.bucket}`));
    assert.deepEqual([...buckets].sort(), [
      `std:011|${baseBucketMs / 1000}`, `std:011|${baseBucketMs / 1000 + 900}`, `std:011|${baseBucketMs / 1000 + 1800}`,
      `std:080|${baseBucketMs / 1000}`, `std:080|${baseBucketMs / 1000 + 900}`,
    ]);
    // The mix holds every kind of row the definitions distinguish, so the comparison above covers each column.
    const totals = cells.reduce(
      (sum, cell) => ({ rider: sum.rider + cell.cancelled_by_rider, driver: sum.driver + cell.cancelled_by_driver, other: sum.other + cell.cancelled_other, assigned: sum.assigned + cell.assignments, fares: sum.fares + cell.fare_total_minor }),
      { rider: 0, driver: 0, other: 0, assigned: 0, fares: 0 },
    );
    assert.ok(totals.rider > 0 && totals.driver > 0 && totals.other > 0 && totals.assigned > 1 && totals.fares > 0, JSON.stringify(totals));
    // Rider-side events are stored but never counted.
    assert.ok(all.some((event) => event.side === 'bap'));
  });

  it('averages supply over the snapshot runs of the city in the bucket, so the cells of a city sum to its average', async () => {
    const at = baseBucketMs + 2 * 60_000;
    const snapshot = (run: string, cell: string, variant: string, idle: number, online: number, city = 'std:080', when = at) =>
      businessEvent({ type: 'supply.snapshot', at: when, city, cell, variant, subjectId: run, payload: { snapshot_id: run, online, idle, on_ride: online - idle } });
    const events = [
      // Two runs in the first bucket of std:080; the second run found nobody in cell B.
      snapshot('run-1', 'tdr1v9q', 'AUTO_RICKSHAW', 4, 6),
      snapshot('run-1', 'tdr1v9r', 'AUTO_RICKSHAW', 3, 3),
      snapshot('run-2', 'tdr1v9q', 'AUTO_RICKSHAW', 2, 5, 'std:080', at + 5 * 60_000),
      // One run in the next bucket, and one in another city at the same time: neither changes the divisor above.
      snapshot('run-3', 'tdr1v9q', 'AUTO_RICKSHAW', 7, 8, 'std:080', at + QUARTER_MS),
      snapshot('run-4', 'ttnfv2u', 'SEDAN', 1, 2, 'std:011'),
      // A search in a cell without supply gets a row with zero supply.
      businessEvent({ type: 'search.requested', at, cell: 'tdr1v9s', payload: { search_id: 's', pickup: { lat: 1, lon: 1 }, drop: null, distance_m: null } }),
    ];
    await produce(stores.kafka, stores.topic, events.map(toEventMessage));
    const sink = startSink();
    await sink.start();
    await consumedAll(events.length);

    const bucket = baseBucketMs / 1000;
    const supply = (await storedCells(stores.clickhouse)).map(({ city, bucket: b, cell, supply_idle, supply_online }) => ({ city, bucket: b, cell, supply_idle, supply_online }));
    assert.deepEqual(supply, [
      { city: 'std:011', bucket, cell: 'ttnfv2u', supply_idle: 1, supply_online: 2 },
      { city: 'std:080', bucket, cell: 'tdr1v9q', supply_idle: 3, supply_online: 5.5 },
      { city: 'std:080', bucket, cell: 'tdr1v9r', supply_idle: 1.5, supply_online: 1.5 },
      { city: 'std:080', bucket, cell: 'tdr1v9s', supply_idle: 0, supply_online: 0 },
      { city: 'std:080', bucket: bucket + 900, cell: 'tdr1v9q', supply_idle: 7, supply_online: 8 },
    ]);
    // Run 1 saw 7 idle and run 2 saw 2: the city's average, 4.5, is the sum over its cells.
    assert.equal(supply.filter((row) => row.city === 'std:080' && row.bucket === bucket).reduce((sum, row) => sum + row.supply_idle, 0), 4.5);
  });

  it('a replay of the whole topic leaves the events and the aggregates as they were', async () => {
    const events = buildEventMix(200, 5);
    await produce(stores.kafka, stores.topic, events.map(toEventMessage));
    const first = startSink();
    await first.start();
    await consumedAll(events.length);
    await first.stop();
    const before = await storedCells(stores.clickhouse);

    // Rewind the group to the start, as a crash before every commit would leave it, and consume everything again.
    const partitions = (await stores.admin.fetchTopicOffsets(stores.topic)).map(({ partition }) => ({ partition, offset: '0' }));
    await stores.admin.setOffsets({ groupId: stores.groupId, topic: stores.topic, partitions });
    const replay = startSink();
    await replay.start();
    await waitFor('the replay inserted every event again', () => replay.stats().inserted === events.length);
    await consumedAll(events.length);

    assert.ok((await countEvents(stores.clickhouse, 'physical')).rows >= events.length);
    assert.deepEqual(await countEvents(stores.clickhouse), { rows: events.length, ids: events.length });
    assert.deepEqual(await storedCells(stores.clickhouse), before);
    assert.deepEqual(roundedCells(before), roundedCells(expectedCells(events)));
  });
});

interface SinkChild {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

describe('events sink killed between an insert and its commit (real child processes, Kafka and ClickHouse)', function () {
  this.timeout(300_000);

  let stores: SinkStores;
  const children: SinkChild[] = [];

  function startChild(extra: Record<string, string> = {}): SinkChild {
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
        BATCH_SIZE: '20',
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
    stores = await openSinkStores('events_sink_crash');
  });

  after(async () => {
    for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await stores.dispose();
  });

  it('replays the held batch after a SIGKILL: no duplicate under FINAL, no gap, aggregates as the events say', async () => {
    const events = buildEventMix(1_200, 3);
    await produce(stores.kafka, stores.topic, events.map(toEventMessage));

    const first = startChild({ HOLD_AFTER_INSERT: '15' });
    await waitFor('the first sink holds after its 15th insert', () => first.output().includes('held after insert 15'), 120_000);
    const rowsAtKill = (await countEvents(stores.clickhouse, 'physical')).rows;
    const committedAtKill = await committedTotal(stores.admin, stores.groupId, stores.topic);
    assert.ok(rowsAtKill > committedAtKill, `rows ${rowsAtKill} must exceed committed offsets ${committedAtKill}`);
    assert.ok(rowsAtKill < events.length, `partially inserted: ${rowsAtKill} rows`);

    first.child.kill('SIGKILL');
    assert.equal(await first.exited, null, 'killed by the signal');

    const second = startChild();
    await waitFor('the restarted sink committed every offset', async () => (await committedTotal(stores.admin, stores.groupId, stores.topic)) === events.length, 240_000);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output());

    // The restart replayed everything after the last commit, the held batch included: duplicates were written.
    const inserted = Number(/stopped after inserting (\d+)/.exec(second.output())?.[1]);
    assert.equal(inserted, events.length - committedAtKill);
    assert.ok(rowsAtKill + inserted > events.length, 'the replay wrote rows already in ClickHouse');

    assert.deepEqual(await countEvents(stores.clickhouse), { rows: events.length, ids: events.length });
    assert.deepEqual(roundedCells(await storedCells(stores.clickhouse)), roundedCells(expectedCells(events)));
  });
});
