import assert from 'node:assert/strict';
import { Partitioners, type Admin, type Consumer, type Kafka } from 'kafkajs';
import { checkKafka, createKafka, ensureTopics } from '../../src/infra/kafka/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { testServices, uniqueTestName } from '../support/services.js';
import { waitUntil } from '../support/wait-until.js';

const quiet = createLogger('silent');

interface Received {
  key: string;
  value: string;
}

/** Starts a consumer in `groupId` that records every message of `topic` from the group's committed position. */
async function startConsumer(kafka: Kafka, topic: string, groupId: string): Promise<{ consumer: Consumer; received: Received[] }> {
  // A short fetch wait keeps disconnect() quick: it waits for the fetch in flight.
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  const received: Received[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      received.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
    },
  });
  return { consumer, received };
}

async function committedTotal(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

describe('Kafka adapter against the real broker', function () {
  this.timeout(90_000);

  const kafka = createKafka({ brokers: testServices.kafkaBrokers, clientId: 'beckn-ride-test', logger: quiet });
  const topic = uniqueTestName('kafka_topic');
  const groupId = uniqueTestName('kafka_group');
  let admin: Admin;

  before(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  after(async () => {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('ensureTopics creates a missing topic once and reports nothing created on a second call', async () => {
    const spec = { topic, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] };

    assert.deepEqual(await ensureTopics(kafka, [spec], quiet), [topic]);
    assert.deepEqual(await ensureTopics(kafka, [spec], quiet), []);

    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(metadata.topics[0]?.partitions.length, 3);
  });

  it('delivers idempotently produced keyed messages to a group in order per key, commits, and does not redeliver', async () => {
    const keys = ['txn-a', 'txn-b', 'txn-c'];
    const messages = [0, 1, 2, 3].flatMap((seq) => keys.map((key) => ({ key, value: `${key}:${seq}` })));
    const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages });

      const first = await startConsumer(kafka, topic, groupId);
      await waitUntil('the first consumer received every message', () => first.received.length >= messages.length, { timeoutMs: 60_000 });
      await first.consumer.disconnect();

      assert.equal(first.received.length, messages.length);
      for (const key of keys) {
        const values = first.received.filter((m) => m.key === key).map((m) => m.value);
        assert.deepEqual(values, [0, 1, 2, 3].map((seq) => `${key}:${seq}`), `order of ${key}`);
      }
      assert.equal(await committedTotal(admin, groupId, topic), messages.length);

      // One marker per partition, sent after the commit: a redelivered message would arrive
      // before the marker of its partition, so once all markers are in, the second consumer has
      // seen everything it is going to get.
      const markers = [0, 1, 2].map((partition) => ({ partition, key: 'marker', value: `marker-${partition}` }));
      const second = await startConsumer(kafka, topic, groupId);
      await producer.send({ topic, acks: -1, messages: markers });
      await waitUntil('the second consumer received the markers', () => second.received.length >= markers.length, { timeoutMs: 60_000 });
      await second.consumer.disconnect();

      const secondValues = second.received.map((m) => m.value).sort();
      assert.deepEqual(secondValues, markers.map((m) => m.value));
    } finally {
      await producer.disconnect();
    }
  });

  it('checkKafka resolves against the running broker', async () => {
    await checkKafka(admin);
  });

  it('checkKafka rejects within its timeout when nothing listens, and kafkajs logs reach the pino logger', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    const unreachable = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'beckn-ride-test', logger });
    const closedAdmin = unreachable.admin();
    const started = Date.now();

    await assert.rejects(checkKafka(closedAdmin, 2_000), /Kafka cluster unreachable/);

    assert.ok(Date.now() - started < 4_000, `took ${Date.now() - started} ms`);
    await closedAdmin.disconnect();
    const kafkaLines = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.component === 'kafkajs');
    assert.ok(
      kafkaLines.some((l) => l.level === 'error' && String(l.msg).includes('ECONNREFUSED')),
      `kafkajs error lines in the pino log: ${JSON.stringify(kafkaLines)}`,
    );
  });
});
