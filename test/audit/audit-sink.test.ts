import assert from 'node:assert/strict';
import type { Consumer, ConsumerConfig, ConsumerRunConfig, EachBatchPayload, Kafka, Message } from 'kafkajs';
import { fromMessageRow, type MessageRow } from '../../src/audit/message-row.js';
import { createAuditSink, type AuditSink } from '../../src/audit/sink/index.js';
import { createMetrics, type Metrics } from '../../src/infra/metrics/index.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { deferred } from '../support/wait-until.js';
import {
  buildRecords,
  committedTotal,
  countFinal,
  countPhysical,
  openSinkStores,
  produce,
  quiet,
  toMessage,
  waitFor,
  type SinkStores,
} from './sink-support.js';

interface RejectRead {
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: string;
  message_key: string;
  raw_value: string;
  value_encoding: string;
  error: string;
}

async function storedRecords(stores: SinkStores): Promise<MessageRecord[]> {
  const result = await stores.clickhouse.query({ query: 'SELECT * FROM beckn_message_log FINAL', format: 'JSONEachRow' });
  return (await result.json<MessageRow>()).map(fromMessageRow);
}

async function storedRejects(stores: SinkStores): Promise<RejectRead[]> {
  const result = await stores.clickhouse.query({
    query: 'SELECT * FROM beckn_message_log_rejects FINAL ORDER BY kafka_partition, kafka_offset',
    format: 'JSONEachRow',
  });
  return result.json<RejectRead>();
}

async function metricValue(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  const match = values.find((value) => Object.entries(labels).every(([key, label]) => value.labels[key] === label));
  return match?.value ?? 0;
}

/** `kafka` whose consumers hand each batch to the sink through `wrap`, to watch or hold what it does. */
function wrappingBatches(kafka: Kafka, wrap: (payload: EachBatchPayload) => EachBatchPayload): Kafka {
  const wrapRun = (consumer: Consumer): Consumer => ({
    ...consumer,
    run: (config?: ConsumerRunConfig) => {
      const eachBatch = config?.eachBatch;
      return consumer.run(eachBatch ? { ...config, eachBatch: (payload) => eachBatch(wrap(payload)) } : config);
    },
  });
  return new Proxy(kafka, {
    get: (target, property) => (property === 'consumer' ? (config: ConsumerConfig) => wrapRun(target.consumer(config)) : Reflect.get(target, property)),
  });
}

/** `kafka` whose consumers hold every offset commit until `held` settles. */
function holdingCommits(kafka: Kafka, held: Promise<void>): Kafka {
  return wrappingBatches(kafka, (payload) => ({
    ...payload,
    commitOffsetsIfNecessary: async (offsets) => {
      await held;
      await payload.commitOffsetsIfNecessary(offsets);
    },
  }));
}

/** The high watermarks of the topic summed: what a group that consumed everything has committed. */
async function endOffsets(stores: SinkStores): Promise<number> {
  const offsets = await stores.admin.fetchTopicOffsets(stores.topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

describe('audit sink: Kafka message log into ClickHouse (real Kafka and ClickHouse)', function () {
  this.timeout(180_000);

  let stores: SinkStores;
  const sinks: AuditSink[] = [];

  function startSink(overrides: { kafka?: Kafka; clickhouse?: SinkStores['clickhouse']; batchSize?: number; metrics?: Metrics } = {}) {
    const sink = createAuditSink({
      kafka: overrides.kafka ?? stores.kafka,
      clickhouse: overrides.clickhouse ?? stores.clickhouse,
      topic: stores.topic,
      groupId: stores.groupId,
      batchSize: overrides.batchSize ?? 40,
      logger: quiet,
      metrics: overrides.metrics,
      retentionMonths: 24,
    });
    sinks.push(sink);
    return sink;
  }

  beforeEach(async () => {
    stores = await openSinkStores('sink');
  });

  afterEach(async () => {
    for (const sink of sinks.splice(0)) await sink.stop();
    await stores.dispose();
  });

  it('stores every record exactly once, each column round-tripping, and dead-letters poison messages without blocking', async () => {
    const records = buildRecords(300);
    const poison: Message[] = [
      { key: 'poison-json', value: '{"context": {"action": "search"' },
      { key: 'poison-shape', value: JSON.stringify({ hello: 'a record this is not' }) },
      { key: 'poison-empty', value: null },
      { key: 'poison-bytes', value: Buffer.from([0xc3, 0x28, 0xff]) },
    ];
    // Poison in the middle of the stream, on the same keys' partitions as records: the records after it must land too.
    const messages = [...records.slice(0, 150).map(toMessage), ...poison, ...records.slice(150).map(toMessage)];
    await produce(stores.kafka, stores.topic, messages);

    const metrics = createMetrics();
    const sink = startSink({ metrics });
    await sink.start();
    await waitFor('every record and every reject is stored', async () => {
      const [stored, rejects] = await Promise.all([countFinal(stores.clickhouse), countFinal(stores.clickhouse, 'beckn_message_log_rejects')]);
      return stored.rows === records.length && rejects.rows === poison.length;
    });

    assert.deepEqual(await countFinal(stores.clickhouse), { rows: 300, ids: 300 });
    const byId = new Map((await storedRecords(stores)).map((record) => [record.id, record]));
    for (const record of records) assert.deepEqual(byId.get(record.id), record, `record ${record.id}`);

    const rejects = await storedRejects(stores);
    const byKey = new Map(rejects.map((reject) => [reject.message_key, reject]));
    assert.equal(byKey.get('poison-json')?.raw_value, '{"context": {"action": "search"');
    assert.match(byKey.get('poison-json')?.error ?? '', /^not JSON/);
    assert.equal(byKey.get('poison-shape')?.raw_value, '{"hello":"a record this is not"}');
    assert.match(byKey.get('poison-shape')?.error ?? '', /not a message record: .*must have required property 'id'/);
    assert.equal(byKey.get('poison-empty')?.error, 'empty message value');
    assert.deepEqual(
      { value: byKey.get('poison-bytes')?.raw_value, encoding: byKey.get('poison-bytes')?.value_encoding },
      { value: Buffer.from([0xc3, 0x28, 0xff]).toString('base64'), encoding: 'base64' },
    );
    for (const reject of rejects) assert.equal(reject.kafka_topic, stores.topic);

    await waitFor('the group committed every offset', async () => (await committedTotal(stores.admin, stores.groupId, stores.topic)) === messages.length);
    assert.equal(await endOffsets(stores), messages.length);
    assert.deepEqual({ inserted: sink.stats().inserted, rejected: sink.stats().rejected }, { inserted: 300, rejected: 4 });
    assert.equal(await metricValue(metrics, 'beckn_ride_audit_sink_records_inserted_total'), 300);
    assert.equal(await metricValue(metrics, 'beckn_ride_audit_sink_rejects_total'), 4);
    assert.ok((await metricValue(metrics, 'beckn_ride_audit_sink_batches_total', { outcome: 'inserted' })) >= 300 / 40);
    const exposition = await metrics.registry.metrics();
    const observed = /^beckn_ride_audit_sink_insert_duration_seconds_count (\d+)$/m.exec(exposition)?.[1];
    assert.ok(Number(observed) >= 300 / 40, `insert latency observations: ${observed}`);
  });

  it('commits only inserted offsets: a new sink in the same group after a stop inserts nothing again', async () => {
    const records = buildRecords(200);
    await produce(stores.kafka, stores.topic, records.map(toMessage));
    const first = startSink();
    await first.start();
    await waitFor('the first sink stored every record', async () => (await countFinal(stores.clickhouse)).rows === 200);
    await first.stop();
    assert.equal(await committedTotal(stores.admin, stores.groupId, stores.topic), 200);

    const second = startSink();
    await second.start();
    // Produced after the second sink started, so by the time it is stored, anything left uncommitted would have been replayed before it.
    const [marker] = buildRecords(1) as [MessageRecord];
    await produce(stores.kafka, stores.topic, [toMessage(marker)]);
    await waitFor('the marker record is stored', async () => (await countFinal(stores.clickhouse)).rows === 201);
    await waitFor('the second sink committed the marker', async () => (await committedTotal(stores.admin, stores.groupId, stores.topic)) === 201);

    assert.equal(second.stats().inserted, 1);
    assert.deepEqual(await countFinal(stores.clickhouse), { rows: 201, ids: 201 });
  });

  it('counts a chunk as inserted once ClickHouse has it, before its offsets are committed', async () => {
    const records = buildRecords(30);
    await produce(stores.kafka, stores.topic, records.map(toMessage));
    const commits = deferred();
    const sink = startSink({ kafka: holdingCommits(stores.kafka, commits.promise) });
    await sink.start();
    try {
      await waitFor('every record is stored', async () => (await countFinal(stores.clickhouse)).rows === 30);
      // With every commit held, a sink that counted only after committing would never get here.
      await waitFor('the sink counted every stored record', () => sink.stats().inserted === 30, 10_000);
      assert.equal(await committedTotal(stores.admin, stores.groupId, stores.topic), 0);
    } finally {
      commits.resolve();
    }
    await waitFor('the group committed every offset', async () => (await committedTotal(stores.admin, stores.groupId, stores.topic)) === 30);
    assert.equal(sink.stats().inserted, 30);
  });

  it('while ClickHouse refuses inserts nothing is committed, and the same sink catches up once it accepts them', async () => {
    const records = buildRecords(120);
    // A missing table makes the server refuse every insert, as an outage of the table would.
    await stores.clickhouse.command({ query: 'RENAME TABLE beckn_message_log TO beckn_message_log_away' });
    await produce(stores.kafka, stores.topic, records.map(toMessage));
    const sink = startSink({ batchSize: 50 });
    await sink.start();

    await waitFor('the sink failed at least two inserts', () => sink.stats().failedBatches >= 2);
    assert.equal(await committedTotal(stores.admin, stores.groupId, stores.topic), 0);
    assert.equal(sink.stats().inserted, 0);
    assert.match(sink.stats().lastError ?? '', /ClickHouse insert failed/);

    await stores.clickhouse.command({ query: 'RENAME TABLE beckn_message_log_away TO beckn_message_log' });
    await waitFor('every record is stored after the table is back', async () => (await countFinal(stores.clickhouse)).rows === 120, 120_000);
    await waitFor('the group committed every offset', async () => (await committedTotal(stores.admin, stores.groupId, stores.topic)) === 120);
    assert.deepEqual(await countFinal(stores.clickhouse), { rows: 120, ids: 120 });
    assert.equal(sink.stats().running, true);
  });

  it('stop() during an insert lets the chunks already handed in insert and commit, and consumes no further', async () => {
    const records = buildRecords(900);
    await produce(stores.kafka, stores.topic, records.map(toMessage));
    // The real client, with every insert into the log held until the test releases it.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let inserts = 0;
    const client = stores.clickhouse;
    const slow = new Proxy(client, {
      get(target, property) {
        if (property !== 'insert') return Reflect.get(target, property);
        return async (params: Parameters<typeof client.insert>[0]) => {
          inserts += 1;
          await released;
          return target.insert(params);
        };
      },
    });
    let consuming = () => false;
    const watched = wrappingBatches(stores.kafka, (payload) => {
      consuming = payload.isRunning;
      return payload;
    });
    const sink = startSink({ kafka: watched, clickhouse: slow, batchSize: 50 });
    await sink.start();
    // The audit sink runs up to two inserts at once: one or both may be held here.
    await waitFor('an insert is in flight', () => inserts >= 1);

    const stopped = sink.stop();
    await waitFor('the consumer stopped running', () => !consuming());
    release();
    await stopped;

    const inserted = sink.stats().inserted;
    assert.ok(inserted >= 50 && inserted < 900, `inserted ${inserted}`);
    assert.equal(inserts, inserted / 50, 'every insert started was a whole chunk handed in before stop()');
    assert.equal(await countPhysical(stores.clickhouse), inserted);
    assert.equal(await committedTotal(stores.admin, stores.groupId, stores.topic), inserted);
  });

  it('a replayed batch leaves no visible duplicate: the table collapses rows of the same record id', async () => {
    const records = buildRecords(60);
    await produce(stores.kafka, stores.topic, records.map(toMessage));
    const first = startSink();
    await first.start();
    await waitFor('the first pass stored every record', async () => (await countFinal(stores.clickhouse)).rows === 60);
    await first.stop();

    // Rewind the group to the start, as a crash before the commits would leave it, and consume everything again.
    const partitions = (await stores.admin.fetchTopicOffsets(stores.topic)).map(({ partition }) => ({ partition, offset: '0' }));
    await stores.admin.setOffsets({ groupId: stores.groupId, topic: stores.topic, partitions });
    const replay = startSink();
    await replay.start();
    await waitFor('the replay inserted every record again', () => replay.stats().inserted === 60);

    assert.deepEqual(await countFinal(stores.clickhouse), { rows: 60, ids: 60 });
  });
});
