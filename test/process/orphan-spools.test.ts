import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { messageTopicSpec, openKafkaMessageLog } from '../../src/audit/write/index.js';
import { adoptOrphanSpools, spoolDirOf } from '../../src/cluster/index.js';
import { createKafka, ensureTopics } from '../../src/infra/kafka/index.js';
import { buildRecords, quiet } from '../audit/sink-support.js';
import { collectTopic } from '../audit/message-log-support.js';
import { testServices, uniqueTestName } from '../support/services.js';
import { waitUntil } from '../support/wait-until.js';

/**
 * A run with three workers left records in slot 3's spool (Kafka was down);
 * the next run has two workers, so nobody owns slot 3: slot 1 ships that
 * spool to Kafka, each record once, and removes the folder. Slot 2's spool
 * (a live slot) is left to its worker.
 */
describe('spools left by worker slots no longer run', function () {
  this.timeout(120_000);
  const kafka = createKafka({ brokers: testServices.kafkaBrokers, clientId: 'beckn-ride-test', logger: quiet });
  const unreachable = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'beckn-ride-test', logger: quiet });
  const topic = uniqueTestName('orphan_spools');
  let admin: Admin;

  before(async () => {
    await ensureTopics(kafka, [messageTopicSpec({ topic, topicPartitions: 1, replicationFactor: 1 })], quiet);
    admin = kafka.admin();
    await admin.connect();
  });

  after(async () => {
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  async function leaveRecords(dir: string, count: number) {
    const log = await openKafkaMessageLog({ kafka: unreachable, topic, spoolDir: dir, spoolMaxBytes: 64 * 1024 * 1024, logger: quiet, relay: { closeTimeoutMs: 100 } });
    const records = buildRecords(count);
    for (const record of records) await log.append(record);
    await log.close();
    assert.equal(log.spoolDepth().records, count, 'the records stayed in the spool');
    return records;
  }

  it('ships every record of an orphaned spool once and removes its folder; live slots are left alone', async () => {
    const spoolDir = join(mkdtempSync(join(tmpdir(), 'beckn-ride-test-orphans-')), 'spool');
    const orphan = spoolDirOf(spoolDir, 3);
    const live = spoolDirOf(spoolDir, 2);
    assert.equal(orphan, `${spoolDir}-worker-3`);
    const records = await leaveRecords(orphan, 25);
    await leaveRecords(live, 2);
    const consumer = await collectTopic(kafka, topic);
    try {
      const adoption = adoptOrphanSpools({ kafka, topic, spoolDir, spoolMaxBytes: 64 * 1024 * 1024, workers: 2, logger: quiet });
      await waitUntil('the orphaned spool folder is gone', () => !existsSync(orphan), { timeoutMs: 60_000, intervalMs: 100 });
      await adoption.stop();
      const ids = new Set(records.map((r) => r.id));
      await waitUntil('the consumer has every record', () => consumer.received.filter((m) => ids.has(m.recordId)).length >= records.length, { timeoutMs: 60_000, intervalMs: 100 });
      const mine = consumer.received.filter((m) => ids.has(m.recordId));
      assert.equal(new Set(mine.map((m) => m.recordId)).size, records.length);
      assert.equal(consumer.received.length, records.length, 'nothing else was shipped (slot 2 is not adopted)');
      assert.ok(existsSync(live), "slot 2's spool is its worker's");
      assert.ok(!existsSync(`${orphan}.lock`), 'the lock is released');
    } finally {
      await consumer.stop();
    }
  });

  it('leaves a spool whose lock a live process holds', async () => {
    const spoolDir = join(mkdtempSync(join(tmpdir(), 'beckn-ride-test-orphans-')), 'spool');
    const orphan = spoolDirOf(spoolDir, 4);
    mkdirSync(orphan, { recursive: true });
    // Our own pid: alive, so the folder is in use.
    writeFileSync(`${orphan}.lock`, String(process.pid));
    const adoption = adoptOrphanSpools({ kafka, topic, spoolDir, spoolMaxBytes: 64 * 1024 * 1024, workers: 1, logger: quiet });
    await adoption.stop();
    assert.ok(existsSync(orphan));
  });
});
