import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigResourceTypes } from 'kafkajs';
import { messageTopicSpec } from '../../src/audit/write/index.js';
import { createClickHouse, type ClickHouseClient } from '../../src/infra/clickhouse/index.js';
import { createKafka } from '../../src/infra/kafka/index.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { testServices, uniqueTestName } from '../support/services.js';
import { testSecrets } from '../support/test-app.js';
import { baseBucketMs, businessEvent, countEvents, toEventMessage } from '../events/events-sink-support.js';
import { buildRecords, committedTotal, countFinal, produce, quiet, toMessage, waitFor } from './sink-support.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const entry = 'src/audit-sink.ts';

/** Runs the entry expecting it to stop by itself. */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run audit-sink (src/audit-sink.ts as its own process)', function () {
  this.timeout(180_000);

  const database = uniqueTestName('sink_entry_db');
  const topic = uniqueTestName('sink_entry_topic');
  const groupId = uniqueTestName('sink_entry_group');
  const eventsTopic = uniqueTestName('sink_entry_events_topic');
  const kafka = createKafka({ brokers: testServices.kafkaBrokers, clientId: 'beckn-ride-test', logger: quiet });
  const admin = kafka.admin();
  const env = {
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'beckn-ride-test-sink-')),
    KAFKA_BROKERS: testServices.kafkaBrokers.join(','),
    CLICKHOUSE_URL: testServices.clickhouseUrl,
    CLICKHOUSE_DATABASE: database,
    KAFKA_MESSAGE_TOPIC: topic,
    KAFKA_MESSAGE_TOPIC_PARTITIONS: '2',
    AUDIT_SINK_GROUP: groupId,
    AUDIT_SINK_BATCH_SIZE: '25',
    EVENTS_TOPIC: eventsTopic,
    SHUTDOWN_TIMEOUT_MS: '30000',
    ...testSecrets(),
  };
  let clickhouse: ClickHouseClient;
  let service: ServiceProcess | undefined;

  before(async () => {
    await admin.connect();
    clickhouse = createClickHouse({ url: testServices.clickhouseUrl, database });
  });

  after(async () => {
    if (service && service.child.exitCode === null) service.child.kill('SIGKILL');
    await service?.exited;
    await admin.deleteGroups([groupId, `${groupId}-events`]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic, eventsTopic] }).catch(() => undefined);
    await admin.disconnect();
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await clickhouse.close();
  });

  it('stops with one line and exit 1 when ClickHouse is not configured', async () => {
    const { CLICKHOUSE_URL: _unset, ...withoutClickHouse } = env;
    const { code, stdout, stderr } = await runToExit(withoutClickHouse);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(stderr, 'beckn-ride audit-sink: CLICKHOUSE_URL must be set: the sink moves records from Kafka into ClickHouse\n');
  });

  it('stops with the configuration problem on one line and exit 1 when a variable is invalid', async () => {
    const { code, stderr } = await runToExit({ ...env, AUDIT_SINK_BATCH_SIZE: 'many' });
    assert.equal(code, 1);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr, /^beckn-ride audit-sink: .*AUDIT_SINK_BATCH_SIZE/);
  });

  it('creates its database, tables and topic, sinks records, serves health and metrics, and stops cleanly on SIGTERM', async () => {
    service = await startServiceProcess(env, 120_000, entry);
    const tables = await clickhouse.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name', format: 'JSONEachRow' });
    assert.deepEqual(
      (await tables.json<{ name: string }>()).map((row) => row.name),
      ['beckn_message_log', 'beckn_message_log_rejects', 'business_cell_15m', 'business_events', 'business_events_rejects', 'schema_migrations'],
    );
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    assert.equal(metadata?.partitions.length, 2);
    // Created with the producing side's spec, whichever process comes first.
    const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }] });
    const expected = messageTopicSpec({ topic, topicPartitions: 2, replicationFactor: 1 }).configEntries?.find((entry) => entry.name === 'retention.ms')?.value;
    assert.equal(configs.resources[0]?.configEntries[0]?.configValue, expected);

    const live = await fetch(`${service.baseUrl}/health/live`);
    assert.equal(live.status, 200);
    const ready = await fetch(`${service.baseUrl}/health/ready`);
    const readiness = (await ready.json()) as { status: string; checks: Record<string, { status: string }> };
    assert.equal(ready.status, 200, JSON.stringify(readiness));
    assert.deepEqual(Object.keys(readiness.checks).sort(), ['audit_sink', 'clickhouse', 'events_sink', 'kafka']);
    // The business event topic is created beside the log topic, and its own group consumes it.
    const [eventsMetadata] = (await admin.fetchTopicMetadata({ topics: [eventsTopic] })).topics;
    assert.ok((eventsMetadata?.partitions.length ?? 0) > 0);

    const records = buildRecords(60);
    await produce(kafka, topic, records.map(toMessage));
    await waitFor('the records are in ClickHouse', async () => (await countFinal(clickhouse)).rows === 60);
    // The sink counts a chunk before committing its offsets: once all are committed, /metrics has counted them all.
    await waitFor('the group committed every offset', async () => (await committedTotal(admin, groupId, topic)) === 60);
    const metrics = await (await fetch(`${service.baseUrl}/metrics`)).text();
    assert.match(metrics, /^beckn_ride_audit_sink_records_inserted_total 60$/m);
    assert.match(metrics, /^beckn_ride_audit_sink_lag_messages\{partition="\d"\} 0$/m);

    // The events sink in the same process loads the business event topic and its aggregates.
    const event = businessEvent({ type: 'search.requested', at: baseBucketMs, payload: { search_id: 's', pickup: { lat: 12.9, lon: 77.6 }, drop: null, distance_m: 1200 } });
    await produce(kafka, eventsTopic, [toEventMessage(event)]);
    await waitFor('the events group committed the event', async () => (await committedTotal(admin, `${groupId}-events`, eventsTopic)) === 1);
    assert.deepEqual(await countEvents(clickhouse), { rows: 1, ids: 1 });
    const cells = await clickhouse.query({ query: 'SELECT searches FROM business_cell_15m FINAL', format: 'JSONEachRow' });
    assert.deepEqual(await cells.json(), [{ searches: '1' }]);
    assert.match(await (await fetch(`${service.baseUrl}/metrics`)).text(), /^beckn_ride_events_sink_records_inserted_total 1$/m);

    service.child.kill('SIGTERM');
    assert.equal(await service.exited, 0, service.output());
    assert.equal(await committedTotal(admin, groupId, topic), 60);
    assert.doesNotMatch(service.output(), /"level":"(error|fatal)"/);
  });
});
