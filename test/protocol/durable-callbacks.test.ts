import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequelize, QueryTypes } from 'sequelize';
import { loadExamples, restamp } from '../support/beckn-examples.js';
import { startFakeParticipant, type FakeParticipant } from '../support/fake-participant.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { freshServerDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { testServices, uniqueTestPrefix } from '../support/services.js';
import { freePort, testSecrets } from '../support/test-app.js';
import { waitUntil } from '../support/wait-until.js';

const search = loadExamples().find((e) => e.action === 'search' && e.domain === 'ONDC:TRV10');
const nack503 = { status: 503, body: { message: { ack: { status: 'NACK' } }, error: { code: '23001', message: 'down for a moment' } } };
const ack = { status: 200, body: { message: { ack: { status: 'ACK' } } } };

/**
 * What we ACKed is owed: the service process is SIGKILLed after answering ACK
 * (while the callback is still undelivered, or while the handler is still
 * running), and the callback reaches the BAP once the service is back.
 */
describe('callbacks owed survive a killed process', function () {
  this.timeout(180_000);
  let bap: FakeParticipant;
  let env: Record<string, string>;
  let service: ServiceProcess | undefined;
  let database: FreshDatabase;
  const suffix = Math.random().toString(16).slice(2, 8);

  before(async () => {
    bap = await startFakeParticipant('BAP', 'durable-rider');
    database = await freshServerDatabase('durable');
    const dir = mkdtempSync(join(tmpdir(), 'beckn-ride-test-durable-'));
    writeFileSync(join(dir, 'seed.json'), JSON.stringify([bap.registryRecord()]));
    const port = await freePort();
    env = {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'warn',
      DATA_DIR: dir,
      DATABASE_URL: database.url,
      REDIS_URL: testServices.redisUrl,
      REDIS_KEY_PREFIX: uniqueTestPrefix('durable'),
      KAFKA_BROKERS: testServices.kafkaBrokers.join(','),
      CLICKHOUSE_URL: testServices.clickhouseUrl,
      CLICKHOUSE_DATABASE: testServices.clickhouseDatabase,
      REGISTRY_SEED_FILE: join(dir, 'seed.json'),
      BPP_SUBSCRIBER_ID: `beckn-ride-test.durable-bpp.${suffix}`,
      BAP_SUBSCRIBER_ID: `beckn-ride-test.durable-bap.${suffix}`,
      GATEWAY_SUBSCRIBER_ID: `beckn-ride-test.durable-gw.${suffix}`,
      DELIVERY_TIMEOUT_MS: '1000',
      DELIVERY_BASE_BACKOFF_MS: '200',
      DELIVERY_MAX_BACKOFF_MS: '400',
      DELIVERY_POLL_INTERVAL_MS: '50',
      HANDLER_LEASE_MS: '2000',
      ...(testSecrets() as Record<string, string>),
    };
  });
  afterEach(() => {
    if (service && service.child.exitCode === null) service.child.kill('SIGKILL');
  });
  after(async () => {
    if (service && service.child.exitCode === null) {
      service.child.kill('SIGKILL');
      await service.exited;
    }
    await bap?.close();
    await database?.dispose();
  });

  async function sendSearch(): Promise<string> {
    assert.ok(search);
    const messageId = crypto.randomUUID();
    const body = restamp(search, {
      bap_id: bap.subscriberId,
      bap_uri: bap.url,
      transaction_id: crypto.randomUUID(),
      message_id: messageId,
      timestamp: new Date().toISOString(),
      ttl: 'PT30S',
    });
    const answer = await bap.post(`${env.PUBLIC_URL}/beckn/bpp/search`, body);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return messageId;
  }

  /** The outbox statuses of the callbacks answering `messageId`. */
  async function outboxStatuses(messageId: string): Promise<string[]> {
    const sequelize = new Sequelize(database.url, { logging: false });
    try {
      const rows = await sequelize.query<{ status: string }>('SELECT status FROM beckn_protocol.outbox WHERE message_id = $1', { bind: [messageId], type: QueryTypes.SELECT });
      return rows.map((row) => row.status);
    } finally {
      await sequelize.close();
    }
  }

  async function killed(s: ServiceProcess): Promise<void> {
    s.child.kill('SIGKILL');
    await s.exited;
  }

  it('delivers a callback that was still failing when the process died', async () => {
    bap.respond = () => nack503;
    service = await startServiceProcess({ ...env, FIXTURE_HANDLER: 'reply' }, 90_000, 'test/fixtures/provider-node.ts');
    const messageId = await sendSearch();
    await bap.waitFor((m) => m.body.context.message_id === messageId);
    await killed(service);

    const seenBeforeRestart = bap.received.length;
    bap.respond = () => ack;
    service = await startServiceProcess({ ...env, FIXTURE_HANDLER: 'reply' }, 90_000, 'test/fixtures/provider-node.ts');
    const delivered = await bap.waitFor((m) => m.body.context.message_id === messageId && bap.received.indexOf(m) >= seenBeforeRestart, 30_000);
    assert.equal(delivered.action, 'on_search');
    await waitUntil('the callback is marked delivered', async () => (await outboxStatuses(messageId)).includes('delivered'), { timeoutMs: 15_000, intervalMs: 100 });
    assert.deepEqual(await outboxStatuses(messageId), ['delivered']);
  });

  it('runs the handler again and calls back when the process died while handling the request', async () => {
    bap.respond = () => ack;
    service = await startServiceProcess({ ...env, FIXTURE_HANDLER: 'hang' }, 90_000, 'test/fixtures/provider-node.ts');
    const messageId = await sendSearch();
    const running = service;
    await waitUntil('the handler is running', () => running.output().includes('fixture search handler started'), { timeoutMs: 30_000 });
    assert.deepEqual(await outboxStatuses(messageId), [], 'no callback queued while the handler hangs');
    assert.equal(bap.received.filter((m) => m.body.context.message_id === messageId).length, 0, 'no callback while the handler hangs');
    await killed(service);

    service = await startServiceProcess({ ...env, FIXTURE_HANDLER: 'reply' }, 90_000, 'test/fixtures/provider-node.ts');
    const callback = await bap.waitFor((m) => m.body.context.message_id === messageId, 30_000);
    assert.equal(callback.action, 'on_search');
    assert.deepEqual((callback.body.error as { code: string }).code, '40001');
  });
});
