import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { createAuditSink, type AuditSink } from '../../src/audit/sink/index.js';
import { openKafkaMessageLog, type KafkaMessageLog } from '../../src/audit/write/index.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { buildRecord, buildRecords, countFinal, countPhysical, openSinkStores, quiet, waitFor, type SinkStores } from './sink-support.js';
import { collectTopic, removeDir, tempSpoolDir, topicMessageCount } from './message-log-support.js';

const { CompressionCodecs, CompressionTypes, Partitioners } = kafkajs;

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** A record whose body is `bytes` of random data as base64: LZ4 cannot shrink it. */
function incompressibleRecord(index: number, transactionId: string, bytes: number): MessageRecord {
  const body = randomBytes(bytes);
  return {
    ...buildRecord(index, transactionId),
    transaction_id: transactionId,
    raw_body: body.toString('base64'),
    body_encoding: 'base64',
    body_truncated: false,
    body_sha256: createHash('sha256').update(body).digest('hex'),
  };
}

describe('message log relay with LZ4 batches, into the audit sink (real Kafka and ClickHouse)', function () {
  this.timeout(180_000);

  const partitions = 3;
  let stores: SinkStores;
  let log: KafkaMessageLog;
  let sink: AuditSink;
  let consumer: Awaited<ReturnType<typeof collectTopic>>;
  let spoolDir: string;
  /** The registered LZ4 codec, wrapped to count its calls in this process (relay, sink and test consumer alike). */
  const calls = { compress: 0, decompress: 0 };

  before(async () => {
    stores = await openSinkStores('lz4_relay', partitions);
    spoolDir = await tempSpoolDir();
    log = await openKafkaMessageLog({ kafka: stores.kafka, topic: stores.topic, spoolDir, spoolMaxBytes: 256 * 1024 * 1024, logger: quiet });
    const lz4 = CompressionCodecs[CompressionTypes.LZ4]() as Codec;
    CompressionCodecs[CompressionTypes.LZ4] = () => ({
      compress: (encoder: { buffer: Buffer }) => ((calls.compress += 1), lz4.compress(encoder)),
      decompress: (buffer: Buffer) => ((calls.decompress += 1), lz4.decompress(buffer)),
    });
    sink = createAuditSink({ kafka: stores.kafka, clickhouse: stores.clickhouse, topic: stores.topic, groupId: stores.groupId, batchSize: 500, logger: quiet, retentionMonths: 24 });
    await sink.start();
    consumer = await collectTopic(stores.kafka, stores.topic);
  });

  after(async () => {
    await log?.close();
    await sink?.stop();
    await consumer?.stop();
    await stores?.dispose();
    if (spoolDir) await removeDir(spoolDir);
  });

  it('ships compressed batches the sink decodes: every record stored once, each key in append order on its default partition', async () => {
    const records = buildRecords(3_000);
    const compressBefore = calls.compress;
    const decompressBefore = calls.decompress;
    await Promise.all(records.map((record) => log.append(record)));

    await waitFor('ClickHouse holds every record', async () => (await countFinal(stores.clickhouse)).rows >= records.length, 120_000);
    assert.deepEqual(await countFinal(stores.clickhouse), { rows: records.length, ids: records.length });
    assert.ok(calls.compress > compressBefore, 'the relay compressed its batches with LZ4');
    assert.ok(calls.decompress > decompressBefore, 'the consumers decompressed LZ4 batches');

    const ids = new Set(records.map((r) => r.id));
    await waitFor('the test consumer has every record', () => consumer.received.filter((m) => ids.has(m.recordId)).length >= records.length, 60_000);
    const received = consumer.received.filter((m) => ids.has(m.recordId));
    assert.equal(received.length, records.length, 'each record once in the topic');
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    const byKey = new Map<string, { ids: string[]; partitions: Set<number> }>();
    for (const message of received) {
      const entry = byKey.get(message.key) ?? { ids: [], partitions: new Set<number>() };
      entry.ids.push(message.recordId);
      entry.partitions.add(message.partition);
      byKey.set(message.key, entry);
    }
    for (const [key, entry] of byKey) {
      const appended = records.filter((r) => (r.transaction_id ?? r.id) === key).map((r) => r.id);
      assert.deepEqual(entry.ids, appended, `records of key ${key} in append order`);
      assert.deepEqual([...entry.partitions], [partitioner({ topic: stores.topic, partitionMetadata, message: { key, value: null } })], `key ${key} on the default partitioner's partition`);
    }
  });

  it('keeps each partition of a request under the broker limit with incompressible records: 8 MB of one transaction ships and is stored', async () => {
    // 40 bodies of 150 KB random bytes (200 KB as base64) on one key: one partition, far above 1 MB per request if unbounded.
    const transactionId = randomUUID();
    const records = Array.from({ length: 40 }, (_, index) => incompressibleRecord(index, transactionId, 150_000));
    const before = (await countFinal(stores.clickhouse)).rows;
    await Promise.all(records.map((record) => log.append(record)));

    await waitFor(
      'the spool is shipped',
      () => {
        const { lastError } = log.relayState();
        if (lastError) throw new Error(`the relay failed: ${lastError}`);
        return log.spoolDepth().records === 0;
      },
      120_000,
    );
    await waitFor('ClickHouse holds the large records', async () => (await countFinal(stores.clickhouse)).rows >= before + records.length, 120_000);
    const ids = new Set(records.map((r) => r.id));
    await waitFor('the test consumer has the large records', () => consumer.received.filter((m) => ids.has(m.recordId)).length >= records.length, 60_000);
    assert.deepEqual(
      consumer.received.filter((m) => ids.has(m.recordId)).map((m) => m.recordId),
      records.map((r) => r.id),
      'in append order',
    );
  });

  it('stores a record relayed twice once: two copies in the topic, one row under FINAL', async () => {
    const record = buildRecords(1)[0] as MessageRecord;
    const messagesBefore = await topicMessageCount(stores.admin, stores.topic);
    const physicalBefore = await countPhysical(stores.clickhouse);
    await log.append(record);
    await log.append(record);

    await waitFor('both copies are in the topic', async () => (await topicMessageCount(stores.admin, stores.topic)) === messagesBefore + 2, 60_000);
    await waitFor('the sink inserted both copies', async () => (await countPhysical(stores.clickhouse)) >= physicalBefore + 2, 60_000);
    const result = await stores.clickhouse.query({ query: `SELECT count() AS rows FROM beckn_message_log FINAL WHERE id = '${record.id}'`, format: 'JSONEachRow' });
    const [row] = await result.json<{ rows: string }>();
    assert.equal(Number(row?.rows), 1);
  });
});
