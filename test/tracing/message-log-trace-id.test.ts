import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { fromMessageRow, type MessageRow } from '../../src/audit/message-row.js';
import { createAuditSink, type AuditSink } from '../../src/audit/sink/index.js';
import { buildRecord, countFinal, openSinkStores, produce, quiet, toMessage, waitFor, type SinkStores } from '../audit/sink-support.js';

describe('trace ids in the ClickHouse message log (real Kafka and ClickHouse)', function () {
  this.timeout(120_000);

  let stores: SinkStores;
  let sink: AuditSink | undefined;

  before(async () => {
    stores = await openSinkStores('trace_ids', 1);
  });

  after(async () => {
    await sink?.stop();
    await stores?.dispose();
  });

  it('the audit sink stores each record trace_id in beckn_message_log.trace_id, and an untraced record reads back without one', async () => {
    const transactionId = randomUUID();
    const traced = Array.from({ length: 5 }, (_, i) => ({ ...buildRecord(i, transactionId), trace_id: randomBytes(16).toString('hex') }));
    const untraced = buildRecord(5, transactionId);
    await produce(stores.kafka, stores.topic, [...traced, untraced].map(toMessage));

    sink = createAuditSink({ kafka: stores.kafka, clickhouse: stores.clickhouse, topic: stores.topic, groupId: stores.groupId, batchSize: 10, logger: quiet, retentionMonths: 24 });
    await sink.start();
    await waitFor('the six records in ClickHouse', async () => (await countFinal(stores.clickhouse)).rows === 6);

    const result = await stores.clickhouse.query({ query: 'SELECT * FROM beckn_message_log FINAL', format: 'JSONEachRow' });
    const rows = new Map((await result.json<MessageRow>()).map((row) => [row.id, row]));
    for (const record of traced) {
      assert.equal(rows.get(record.id)?.trace_id, record.trace_id);
      assert.deepEqual(fromMessageRow(rows.get(record.id)!), record, 'the record reads back whole, trace id included');
    }
    assert.equal(rows.get(untraced.id)?.trace_id, '');
    assert.equal('trace_id' in fromMessageRow(rows.get(untraced.id)!), false);
  });
});
