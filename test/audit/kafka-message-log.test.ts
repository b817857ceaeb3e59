import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, cp, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { MAX_RECORD_BYTES, messageTopicSpec, openKafkaMessageLog, type KafkaMessageLog, type KafkaMessageLogOptions } from '../../src/audit/write/index.js';
import { createKafka, ensureTopics } from '../../src/infra/kafka/index.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { waitUntil } from '../support/wait-until.js';
import { testServices, uniqueTestName } from '../support/services.js';
import { buildRecords, quiet } from './sink-support.js';
import { capturingLogger, collectTopic, expectedKey, removeDir, segmentFiles, tempSpoolDir, topicMessageCount, type Shipped } from './message-log-support.js';

describe('Kafka message log (local spool shipped to the real broker)', function () {
  this.timeout(120_000);

  const kafka = createKafka({ brokers: testServices.kafkaBrokers, clientId: 'beckn-ride-test', logger: quiet });
  // Nothing listens on port 1: connections are refused at once, as when the broker is down.
  const unreachable = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'beckn-ride-test', logger: quiet });
  const topic = uniqueTestName('message_log');
  let admin: Admin;
  let consumer: Awaited<ReturnType<typeof collectTopic>>;
  /** Messages in the topic before the test: a duplicate makes the count after it too high. */
  let countBefore = 0;
  const dirs: string[] = [];
  const logs: KafkaMessageLog[] = [];

  async function spoolDir(): Promise<string> {
    const dir = await tempSpoolDir();
    dirs.push(dir);
    return dir;
  }

  async function open(options: Partial<KafkaMessageLogOptions> & { spoolDir: string }): Promise<KafkaMessageLog> {
    const log = await openKafkaMessageLog({ kafka, topic, spoolMaxBytes: 64 * 1024 * 1024, logger: quiet, relay: { lingerMs: 5, maxBackoffMs: 1_000 }, ...options });
    logs.push(log);
    return log;
  }

  async function shipped(log: KafkaMessageLog): Promise<void> {
    await waitUntil('the spool is shipped', () => log.spoolDepth().records === 0, { timeoutMs: 60_000, intervalMs: 50 });
  }

  /** Waits until the consumer has every record, then checks each arrived once and the topic holds nothing extra. */
  async function assertShippedOnce(records: MessageRecord[]): Promise<Shipped[]> {
    const ids = new Set(records.map((r) => r.id));
    const mine = () => consumer.received.filter((m) => ids.has(m.recordId));
    await waitUntil(`the consumer has all ${records.length} records`, () => mine().length >= records.length, { timeoutMs: 60_000, intervalMs: 100 });
    assert.equal(await topicMessageCount(admin, topic), countBefore + records.length, 'messages the test added to the topic');
    const received = mine();
    assert.equal(received.length, records.length);
    assert.equal(new Set(received.map((m) => m.recordId)).size, records.length, 'each record once');
    return received;
  }

  before(async () => {
    await ensureTopics(kafka, [messageTopicSpec({ topic, topicPartitions: 3, replicationFactor: 1 })], quiet);
    admin = kafka.admin();
    await admin.connect();
    consumer = await collectTopic(kafka, topic);
  });

  beforeEach(async () => {
    countBefore = await topicMessageCount(admin, topic);
  });

  afterEach(async () => {
    for (const log of logs.splice(0)) await log.close();
  });

  after(async () => {
    await consumer?.stop();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    for (const dir of dirs) await removeDir(dir);
  });

  it('creates the topic from messageTopicSpec with bounded retention and in-sync replicas the replication factor allows', async () => {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(metadata.topics[0]?.partitions.length, 3);
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'min.insync.replicas', 'cleanup.policy'] }] });
    const entries = Object.fromEntries((described.resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]));
    assert.deepEqual(entries, { 'retention.ms': String(7 * 24 * 3_600_000), 'min.insync.replicas': '1', 'cleanup.policy': 'delete' });
    const minInsync = (replicationFactor: number) => messageTopicSpec({ topic, topicPartitions: 6, replicationFactor }).configEntries?.find((e) => e.name === 'min.insync.replicas')?.value;
    assert.deepEqual([1, 2, 3, 5].map(minInsync), ['1', '2', '2', '2']);
  });

  it('ships appended records keyed by transaction id, in append order per key, each once, with the record id header', async () => {
    const log = await open({ spoolDir: await spoolDir() });
    const records = buildRecords(300);
    await Promise.all(records.map((record) => log.append(record)));
    await shipped(log);

    const received = await assertShippedOnce(records);
    const byId = new Map(records.map((r) => [r.id, r]));
    for (const message of received) {
      const record = byId.get(message.recordId) as MessageRecord;
      assert.equal(message.key, expectedKey(record));
      assert.deepEqual(JSON.parse(message.value), record);
    }
    for (const key of new Set(records.map(expectedKey))) {
      const appended = records.filter((r) => expectedKey(r) === key).map((r) => r.id);
      assert.deepEqual(received.filter((m) => m.key === key).map((m) => m.recordId), appended, `order of key ${key}`);
      assert.equal(new Set(received.filter((m) => m.key === key).map((m) => m.partition)).size, 1, `one partition for key ${key}`);
    }
    assert.ok(records.some((r) => r.transaction_id === null), 'some records have no transaction id');
    assert.equal(log.relayState().lastError, null);
    assert.equal(log.relayState().shippedRecords, records.length);
  });

  it('is durable when append resolves, deletes shipped segments, and leaves no segment after close', async () => {
    const dir = await spoolDir();
    const log = await open({ spoolDir: dir, spoolSegmentBytes: 8 * 1024 });
    const records = buildRecords(60);
    for (const record of records.slice(0, 5)) {
      await log.append(record);
      const files = await segmentFiles(dir);
      const text = await readFile(join(dir, files.at(-1) as string), 'utf8');
      assert.ok(text.includes(record.id), 'the record is in the spool file once append resolved');
    }
    await Promise.all(records.slice(5).map((record) => log.append(record)));
    await shipped(log);
    await assertShippedOnce(records);

    await waitUntil('shipped segments are deleted', async () => (await segmentFiles(dir)).length <= 1, { timeoutMs: 30_000 });
    await log.close();
    assert.deepEqual(await segmentFiles(dir), []);
    assert.deepEqual(log.spoolDepth(), { records: 0, bytes: 0 });
  });

  it('ships each record once while tiny segments rotate under steady appends and are deleted behind the relay', async () => {
    const dir = await spoolDir();
    const log = await open({ spoolDir: dir, spoolSegmentBytes: 2 * 1024, relay: { lingerMs: 0, batchSize: 3 } });
    const records = buildRecords(400);
    for (let wave = 0; wave < records.length; wave += 20) {
      await Promise.all(records.slice(wave, wave + 20).map((record) => log.append(record)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await shipped(log);
    await assertShippedOnce(records);
    await waitUntil('shipped segments are deleted', async () => (await segmentFiles(dir)).length <= 1, { timeoutMs: 30_000 });
  });

  it('ships nothing twice across a close and a reopen of the same spool', async () => {
    const dir = await spoolDir();
    const first = buildRecords(40);
    const second = buildRecords(40);

    const log = await open({ spoolDir: dir, spoolSegmentBytes: 16 * 1024 });
    await Promise.all(first.map((record) => log.append(record)));
    await shipped(log);
    await log.close();

    const reopened = await open({ spoolDir: dir, spoolSegmentBytes: 16 * 1024 });
    assert.deepEqual(reopened.spoolDepth(), { records: 0, bytes: 0 });
    await Promise.all(second.map((record) => reopened.append(record)));
    await shipped(reopened);
    await assertShippedOnce([...first, ...second]);
  });

  it('ships nothing twice after a crash: a copy of the running spool taken after shipping reopens with nothing to ship', async () => {
    const dir = await spoolDir();
    const records = buildRecords(50);
    const log = await open({ spoolDir: dir, spoolSegmentBytes: 16 * 1024 });
    await Promise.all(records.slice(0, 30).map((record) => log.append(record)));
    await shipped(log);
    // The files as a crash would leave them: the active segment still open, the checkpoint inside it.
    const crashed = await spoolDir();
    await cp(dir, crashed, { recursive: true });
    await log.close();

    const reopened = await open({ spoolDir: crashed });
    assert.deepEqual(reopened.spoolDepth(), { records: 0, bytes: 0 });
    await Promise.all(records.slice(30).map((record) => reopened.append(record)));
    await shipped(reopened);
    await assertShippedOnce(records);
  });

  it('keeps records when closed while Kafka is unreachable, and ships them all after a later open', async () => {
    const dir = await spoolDir();
    const records = buildRecords(30);
    const down = await open({ kafka: unreachable, spoolDir: dir, relay: { closeTimeoutMs: 1_000 } });
    await Promise.all(records.map((record) => down.append(record)));
    const closing = Date.now();
    await down.close();
    assert.ok(Date.now() - closing < 10_000, `close took ${Date.now() - closing} ms`);
    assert.equal(down.spoolDepth().records, records.length);
    assert.notDeepEqual(await segmentFiles(dir), []);

    const up = await open({ spoolDir: dir });
    assert.equal(up.spoolDepth().records, records.length, 'the reopened spool counts the waiting records');
    await shipped(up);
    await assertShippedOnce(records);
  });

  it('recovers a torn last line left by a crash and skips a damaged line, reporting both, and ships every record', async () => {
    const dir = await spoolDir();
    const records = buildRecords(12);
    // Two sessions while Kafka is down, each writing its own segment; a damaged line between them.
    for (const part of [records.slice(0, 6), records.slice(6)]) {
      const down = await open({ kafka: unreachable, spoolDir: dir, relay: { closeTimeoutMs: 500 } });
      await Promise.all(part.map((record) => down.append(record)));
      await down.close();
      if (part[0] === records[0]) await appendFile(join(dir, (await segmentFiles(dir))[0] as string), 'not a record\n');
    }
    const last = join(dir, (await segmentFiles(dir))[1] as string);
    const intact = (await stat(last)).size;
    const torn = '{"id":"torn-by-a-crash","direction":"inb';
    await appendFile(last, torn);

    const { logger, lines } = capturingLogger('warn');
    const up = await open({ spoolDir: dir, logger });
    assert.equal((await stat(last)).size, intact, 'the partial line is cut off');
    assert.ok(lines().some((l) => String(l.msg).includes('partial last line') && l.bytes === torn.length), `a warning names the cut: ${JSON.stringify(lines())}`);
    await shipped(up);
    await assertShippedOnce(records);
    assert.ok(lines().some((l) => l.level === 'error' && String(l.msg).includes('not a record') && l.line === 'not a record'), `an error names the damaged line: ${JSON.stringify(lines())}`);
    assert.ok(!consumer.received.some((m) => m.value.includes('torn-by-a-crash')));
  });

  it('ships a record larger than a Kafka message with its raw body cut and marked truncated', async () => {
    const log = await open({ spoolDir: await spoolDir() });
    const [small, large] = buildRecords(2) as [MessageRecord, MessageRecord];
    const body = JSON.stringify({ context: { action: 'search' }, message: { padding: 'é"'.repeat(600_000) } });
    const oversized: MessageRecord = { ...large, raw_body: body, body_encoding: 'utf8', body_truncated: false, body_sha256: createHash('sha256').update(body).digest('hex') };
    await log.append(oversized);
    await log.append(small);
    await shipped(log);

    const received = await assertShippedOnce([oversized, small]);
    const value = received.find((m) => m.recordId === oversized.id)?.value ?? '';
    const stored = JSON.parse(value) as MessageRecord;
    assert.ok(Buffer.byteLength(value) <= MAX_RECORD_BYTES, `${Buffer.byteLength(value)} bytes`);
    assert.equal(stored.body_truncated, true);
    assert.ok(body.startsWith(stored.raw_body) && stored.raw_body.length > 100_000, 'the body keeps its start');
    assert.equal(stored.body_sha256, oversized.body_sha256, 'the digest still names the full body');
    assert.deepEqual(JSON.parse(received.find((m) => m.recordId === small.id)?.value ?? '{}'), small);
  });

  it('refuses appends with a clear error and fails its readiness check when the spool is full, and accepts again once shipped', async () => {
    const dir = await spoolDir();
    const spoolMaxBytes = 24 * 1024;
    const down = await open({ kafka: unreachable, spoolDir: dir, spoolMaxBytes, relay: { closeTimeoutMs: 500 } });
    await down.checkSpool();
    const accepted: MessageRecord[] = [];
    let refusal: unknown;
    for (const record of buildRecords(200)) {
      try {
        await down.append(record);
        accepted.push(record);
      } catch (error) {
        refusal = error;
        break;
      }
    }
    assert.match(String(refusal), /message log spool is full: \d+ records \(\d+ bytes\) wait for Kafka, the limit is 24576 bytes/);
    assert.ok(accepted.length > 5, `${accepted.length} records fit`);
    assert.ok(down.spoolDepth().bytes <= spoolMaxBytes);
    await assert.rejects(down.checkSpool(), /message log spool is full/);
    await down.close();

    const up = await open({ spoolDir: dir, spoolMaxBytes });
    await shipped(up);
    await up.checkSpool();
    const later = buildRecords(5);
    for (const record of later) await up.append(record);
    await shipped(up);
    await assertShippedOnce([...accepted, ...later]);
  });

  it('fails its readiness check, naming the relay, once records wait longer than stalledAfterMs', async () => {
    const down = await open({ kafka: unreachable, spoolDir: await spoolDir(), relay: { stalledAfterMs: 300, closeTimeoutMs: 500 } });
    await down.checkSpool();
    await down.append(buildRecords(1)[0] as MessageRecord);
    await waitUntil('the readiness check fails', () => down.checkSpool().then(() => false, () => true), { timeoutMs: 30_000, intervalMs: 100 });
    await assert.rejects(down.checkSpool(), /message log relay has shipped nothing to Kafka for \d+ s \(1 records wait in the spool\)/);
  });
});
