import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { openKafkaMessageLog, type KafkaMessageLog } from '../../src/audit/write/index.js';
import { createKafka } from '../../src/infra/kafka/index.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { ownBroker, portOpen, type OwnBroker } from '../support/own-services.js';
import { waitUntil } from '../support/wait-until.js';
import { createAuditSink } from '../../src/audit/sink/index.js';
import { buildRecords, countFinal, openSinkStores, quiet, type SinkStores } from './sink-support.js';
import { collectTopic, removeDir, tempSpoolDir, topicMessageCount } from './message-log-support.js';

describe('message log through a Kafka outage (stops and restarts a broker of its own)', function () {
  this.timeout(240_000);

  let broker: OwnBroker;
  let brokerDir = '';
  let kafka: Kafka;
  let relayKafka: Kafka;
  let stores: SinkStores;
  let topic = '';
  let dir = '';
  let log: KafkaMessageLog | undefined;

  before(async () => {
    brokerDir = await mkdtemp(join(tmpdir(), 'beckn-ride-test-kafka-'));
    broker = await ownBroker(brokerDir);
    await broker.run('kafka-start');
    kafka = createKafka({ brokers: [broker.address], clientId: 'beckn-ride-test', logger: quiet });
    // The relay's client gives up within about a second, so the outage outlasts kafkajs' own retries and the
    // relay's retry path carries the records: failed produce requests resent on the same idempotent producer.
    relayKafka = new Kafka({
      clientId: 'beckn-ride-test',
      brokers: [broker.address],
      connectionTimeout: 1_000,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
      logLevel: logLevel.NOTHING,
    });
    stores = await openSinkStores('outage', 3, [broker.address]);
    topic = stores.topic;
    dir = await tempSpoolDir();
  });

  after(async () => {
    await log?.close();
    await stores?.dispose();
    await broker?.run('kafka-stop');
    await removeDir(dir);
    if (brokerDir) await removeDir(brokerDir);
  });

  it('accepts 1,000 records while Kafka is stopped, and once it is back ships every one, and those sent around the stop, exactly once', async () => {
    log = await openKafkaMessageLog({ kafka: relayKafka, topic, spoolDir: dir, spoolMaxBytes: 64 * 1024 * 1024, logger: quiet, relay: { maxBackoffMs: 1_000, closeTimeoutMs: 2_000 } });
    const messageLog = log;
    // Steady traffic while the broker goes down, so batches are in flight on an established producer when it stops.
    const aroundStop = buildRecords(2_000);
    let sent = 0;
    let stopping = false;
    const traffic = (async () => {
      while (!stopping && sent < aroundStop.length) {
        await messageLog.append(aroundStop[sent] as MessageRecord);
        sent += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await waitUntil('the relay has shipped some records', () => messageLog.relayState().shippedRecords > 0, { timeoutMs: 30_000 });

    const stopped = await broker.run('kafka-stop');
    stopping = true;
    await traffic;
    assert.equal(await portOpen(broker.address), false, `the broker still listens after kafka-stop: ${stopped}`);

    const whileStopped = buildRecords(1_000);
    const results = await Promise.allSettled(whileStopped.map((record) => messageLog.append(record)));
    assert.deepEqual(results.filter((r) => r.status === 'rejected'), [], 'every append resolved');
    assert.ok(messageLog.spoolDepth().records >= 1_000, `${messageLog.spoolDepth().records} records wait`);

    await waitUntil('the relay has failed to reach the broker', () => messageLog.relayState().lastError !== null, { timeoutMs: 30_000 });
    await broker.run('kafka-start');
    await waitUntil('the spool is shipped', () => messageLog.spoolDepth().records === 0, { timeoutMs: 90_000, intervalMs: 100 });

    const records = [...aroundStop.slice(0, sent), ...whileStopped];
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.equal(await topicMessageCount(admin, topic), records.length, 'messages in the topic');
    } finally {
      await admin.disconnect();
    }
    const consumer = await collectTopic(kafka, topic);
    try {
      await waitUntil('the consumer has read the topic', () => consumer.received.length >= records.length, { timeoutMs: 60_000, intervalMs: 100 });
      const ids = new Set(consumer.received.map((m) => m.recordId));
      assert.equal(consumer.received.length, records.length);
      assert.equal(ids.size, records.length, 'distinct record ids');
      assert.ok(records.every((r) => ids.has(r.id)), 'every appended record arrived');
    } finally {
      await consumer.stop();
    }

    // And through the audit sink into ClickHouse: every record exactly once, counted by record id.
    const sink = createAuditSink({ kafka, clickhouse: stores.clickhouse, topic, groupId: stores.groupId, batchSize: 1_000, logger: quiet, retentionMonths: 1_200 });
    await sink.start();
    try {
      await waitUntil('every record is in ClickHouse', async () => (await countFinal(stores.clickhouse)).ids >= records.length, { timeoutMs: 90_000, intervalMs: 250 });
      assert.deepEqual(await countFinal(stores.clickhouse), { rows: records.length, ids: records.length });
      const stored = await stores.clickhouse.query({ query: 'SELECT DISTINCT id FROM beckn_message_log', format: 'JSONEachRow' });
      const storedIds = new Set((await stored.json<{ id: string }>()).map((row) => row.id));
      assert.ok(records.every((r) => storedIds.has(r.id)), 'every record id is in ClickHouse');
    } finally {
      await sink.stop();
    }
  });
});
