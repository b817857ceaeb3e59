import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { messageRowColumns, toMessageRow } from '../../src/audit/message-row.js';
import { createAuditSink, dropExpiredPartitions, messageLogPartitions, oldestKeptMonth } from '../../src/audit/sink/index.js';
import { createClickHouse, ensureDatabase, runClickHouseMigrations, type ClickHouseClient } from '../../src/infra/clickhouse/index.js';
import { createMetrics } from '../../src/infra/metrics/index.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { testServices, uniqueTestName } from '../support/services.js';
import { buildRecord, migrationsDir, openSinkStores, quiet, type SinkStores } from './sink-support.js';

function recordAt(iso: string): MessageRecord {
  return buildRecord(0, randomUUID(), new Date(iso));
}

async function insertRecords(client: ClickHouseClient, records: MessageRecord[]): Promise<void> {
  await client.insert({
    table: 'beckn_message_log',
    values: records.map(toMessageRow),
    format: 'JSONEachRow',
    columns: [...messageRowColumns] as [string, ...string[]],
  });
}

async function storedIds(client: ClickHouseClient): Promise<string[]> {
  const result = await client.query({ query: 'SELECT id FROM beckn_message_log FINAL ORDER BY id', format: 'JSONEachRow' });
  return (await result.json<{ id: string }>()).map((row) => row.id);
}

describe('audit retention: monthly partitions of beckn_message_log', function () {
  this.timeout(120_000);

  it('keeps the month retentionMonths back and every later one (UTC), across year boundaries', () => {
    assert.equal(oldestKeptMonth(new Date('2026-11-25T12:00:00Z'), 24), 202411);
    assert.equal(oldestKeptMonth(new Date('2026-01-10T00:00:00Z'), 1), 202512);
    assert.equal(oldestKeptMonth(new Date('2026-01-10T00:00:00Z'), 12), 202501);
    assert.equal(oldestKeptMonth(new Date('2026-12-31T23:59:59Z'), 13), 202511);
    assert.equal(oldestKeptMonth(new Date('2026-03-01T00:00:00Z'), 1200), 192603);
  });

  describe('against the real ClickHouse', () => {
    let stores: SinkStores;
    let neighbour: { database: string; client: ClickHouseClient };

    beforeEach(async () => {
      stores = await openSinkStores('retention', 1);
      const database = uniqueTestName('retention_other_db');
      await ensureDatabase(testServices.clickhouseUrl, database);
      neighbour = { database, client: createClickHouse({ url: testServices.clickhouseUrl, database }) };
      await runClickHouseMigrations(neighbour.client, migrationsDir, quiet);
    });

    afterEach(async () => {
      await neighbour.client.command({ query: `DROP DATABASE IF EXISTS ${neighbour.database}` });
      await neighbour.client.close();
      await stores.dispose();
    });

    it('drops whole months older than the retention, keeps the rest, and leaves other databases alone', async () => {
      const expired = [recordAt('2019-01-15T08:00:00.000Z'), recordAt('2019-02-01T00:00:00.000Z'), recordAt('2024-10-31T23:59:59.999Z')];
      const kept = [recordAt('2024-11-01T00:00:00.000Z'), recordAt('2026-11-20T10:30:00.000Z')];
      await insertRecords(stores.clickhouse, [...expired, ...kept]);
      const elsewhere = recordAt('2019-01-15T08:00:00.000Z');
      await insertRecords(neighbour.client, [elsewhere]);
      assert.deepEqual(await messageLogPartitions(stores.clickhouse), ['201901', '201902', '202410', '202411', '202611']);

      const now = new Date('2026-11-25T12:00:00Z');
      const dropped = await dropExpiredPartitions({ clickhouse: stores.clickhouse, retentionMonths: 24, logger: quiet, now });

      assert.deepEqual(dropped, ['201901', '201902', '202410']);
      assert.deepEqual(await messageLogPartitions(stores.clickhouse), ['202411', '202611']);
      assert.deepEqual(await storedIds(stores.clickhouse), kept.map((record) => record.id).sort());
      assert.deepEqual(await storedIds(neighbour.client), [elsewhere.id]);
      assert.deepEqual(await dropExpiredPartitions({ clickhouse: stores.clickhouse, retentionMonths: 24, logger: quiet, now }), []);
    });

    it('the sink applies the retention when it starts, before consuming', async () => {
      const old = recordAt('2019-03-10T00:00:00.000Z');
      const recent = buildRecord(1, randomUUID());
      await insertRecords(stores.clickhouse, [old, recent]);
      const metrics = createMetrics();
      const sink = createAuditSink({
        kafka: stores.kafka,
        clickhouse: stores.clickhouse,
        topic: stores.topic,
        groupId: stores.groupId,
        batchSize: 100,
        logger: quiet,
        metrics,
        retentionMonths: 24,
      });
      try {
        await sink.start();
        assert.deepEqual(await storedIds(stores.clickhouse), [recent.id]);
        assert.match(await metrics.registry.metrics(), /^beckn_ride_audit_retention_dropped_partitions_total 1$/m);
      } finally {
        await sink.stop();
      }
    });
  });
});
