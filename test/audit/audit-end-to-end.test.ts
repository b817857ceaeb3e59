import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createAuditSink, type AuditSink } from '../../src/audit/sink/index.js';
import { createKafka } from '../../src/infra/kafka/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import { loadExamples, restamp } from '../support/beckn-examples.js';
import { testServices, uniqueTestName } from '../support/services.js';
import { waitFor } from '../support/wait-until.js';

const examples = loadExamples();
const ondc = (action: string) => {
  const found = examples.find((e) => e.action === action && e.domain === 'ONDC:TRV10');
  if (!found) throw new Error(`no ONDC ${action} example`);
  return found;
};

interface AuditedMessage {
  direction: string;
  action: string;
  message_id: string | null;
  ack: string | null;
  error_code: string | null;
  signature: { verdict: string };
}

/**
 * The whole audit path with real parts: a signed search and its on_search,
 * and a forged search of the same transaction, go through our service, its
 * spool and Kafka, the audit sink and ClickHouse, and come back out of
 * /audit/transactions/:id.
 */
describe('audit end to end: service → Kafka → sink → ClickHouse → compliance API', function () {
  this.timeout(180_000);
  let net: BecknHarness;
  let sink: AuditSink;
  const topic = uniqueTestName('messages');
  const database = uniqueTestName('audit');

  before(async () => {
    net = await startBecknHarness({
      withKafka: true,
      env: { KAFKA_MESSAGE_TOPIC: topic, KAFKA_MESSAGE_TOPIC_PARTITIONS: '2', CLICKHOUSE_DATABASE: database },
      beforeStart: (ctx) => {
        ctx.beckn.protocol.handlers.onRequest('search', async () => ({ message: restamp(ondc('on_search'), {}).message }));
      },
    });
    const logger = createLogger('silent');
    sink = createAuditSink({
      kafka: createKafka({ brokers: testServices.kafkaBrokers, clientId: 'audit-e2e-test', logger }),
      clickhouse: net.app.ctx.clickhouse as NonNullable<typeof net.app.ctx.clickhouse>,
      topic,
      groupId: uniqueTestName('sink'),
      batchSize: 500,
      logger,
      retentionMonths: 24,
    });
    await sink.start();
  });
  after(async () => {
    await sink?.stop();
    await net?.app.ctx.clickhouse?.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await net?.close();
  });

  it('shows both directions of a search exchange and the forged request with its NACK code', async () => {
    const transactionId = randomUUID();
    const search = restamp(ondc('search'), net.toOurBpp({ transaction_id: transactionId, bpp_id: undefined, bpp_uri: undefined }));
    const accepted = await net.bap.post(`${net.ourBpp.url}/search`, search);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    await net.bap.waitFor((m) => m.action === 'on_search' && m.body.context.transaction_id === transactionId);

    const forged = restamp(ondc('search'), net.toOurBpp({ transaction_id: transactionId, bpp_id: undefined, bpp_uri: undefined }));
    const raw = Buffer.from(JSON.stringify(forged));
    const refused = await net.bap.post(`${net.ourBpp.url}/search`, null, { raw, headers: { authorization: net.bap.signer.sign(Buffer.from('other bytes')) } });
    assert.equal(refused.status, 401);

    const url = `${net.app.baseUrl}/audit/transactions/${transactionId}`;
    const headers = { authorization: `Bearer ${net.app.ctx.config.secrets.auditorToken}` };
    const records = await waitFor(
      'the audit API shows the three messages',
      async () => {
        const response = await fetch(url, { headers });
        if (response.status !== 200) return undefined;
        const found = ((await response.json()) as { records: AuditedMessage[] }).records;
        return found.length >= 3 ? found : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const summary = records.map((r) => `${r.direction} ${r.action} ${r.ack} ${r.error_code ?? ''}`.trim()).sort();
    assert.deepEqual(summary, ['inbound search ACK', 'inbound search NACK 30016', 'outbound on_search ACK']);
    const nack = records.find((r) => r.ack === 'NACK');
    assert.equal(nack?.signature.verdict, 'invalid');
    assert.equal(records.find((r) => r.direction === 'outbound')?.message_id, search.context.message_id);
  });
});
