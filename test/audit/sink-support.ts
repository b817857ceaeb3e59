import { createHash, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '../support/wait-until.js';
import { Partitioners, type Admin, type Kafka, type Message } from 'kafkajs';
import { createClickHouse, ensureDatabase, runClickHouseMigrations, type ClickHouseClient } from '../../src/infra/clickhouse/index.js';
import { createKafka, ensureTopics } from '../../src/infra/kafka/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import type { MessageRecord } from '../../src/protocol/message-log/index.js';
import { testServices, uniqueTestName } from '../support/services.js';

export const quiet = createLogger('silent');
export const migrationsDir = fileURLToPath(new URL('../../migrations/clickhouse/', import.meta.url));

/** A day ago: well inside any retention, whatever today's date. */
const recentBase = Date.now() - 24 * 3_600_000;

const actions = ['search', 'on_search', 'select', 'on_select', 'init', 'on_init', 'confirm', 'on_confirm', 'status', 'on_status'];

/**
 * A message record as the protocol layer writes it, varied across the fields
 * that map to ClickHouse defaults (nulls, NACKs, base64 bodies, non-ASCII text).
 * Times are whole ISO instants with milliseconds and latencies integers, as
 * the pipeline produces them, so a record survives the row round trip as is.
 */
export function buildRecord(index: number, transactionId: string, startedAt = new Date(recentBase + index * 1_000)): MessageRecord {
  const action = actions[index % actions.length] as string;
  const nacked = index % 7 === 3;
  const binary = index % 11 === 5;
  const body = binary
    ? Buffer.from([0xff, 0x00, 0xfe, index % 256])
    : Buffer.from(JSON.stringify({ context: { action, transaction_id: transactionId, message_id: `m-${index}` }, message: { note: `trajet n°${index} — 東京 "quoted" \\ line\nbreak` } }));
  const outbound = index % 2 === 1;
  const latency = 5 + (index % 40);
  return {
    id: randomUUID(),
    direction: outbound ? 'outbound' : 'inbound',
    role: index % 3 === 0 ? 'bap' : index % 3 === 1 ? 'bpp' : 'gateway',
    action,
    url: `http://127.0.0.1:9/beckn/bpp/${action}`,
    transaction_id: index % 13 === 12 ? null : transactionId,
    message_id: index % 13 === 12 ? null : `m-${index}`,
    domain: 'ONDC:TRV10',
    city: index % 5 === 0 ? null : 'std:080',
    bap_id: 'bap.test.beckn-ride.example',
    bpp_id: index % 4 === 0 ? null : 'bpp.test.beckn-ride.example',
    sender: outbound ? 'bpp.test.beckn-ride.example' : 'bap.test.beckn-ride.example',
    receiver: index % 6 === 0 ? null : 'gateway.test.beckn-ride.example',
    raw_body: binary ? body.toString('base64') : body.toString('utf8'),
    body_encoding: binary ? 'base64' : 'utf8',
    body_truncated: index % 17 === 16,
    body_sha256: createHash('sha256').update(body).digest('hex'),
    headers: { authorization: `Signature keyId="bap.test|k1|ed25519",signature="${index}"`, 'content-type': 'application/json' },
    signature: {
      verdict: nacked ? 'invalid' : 'valid',
      key_id: nacked ? null : 'bap.test.beckn-ride.example|k1|ed25519',
      gateway_verdict: index % 2 === 0 ? 'not_checked' : 'missing',
      gateway_key_id: null,
    },
    ack: index % 19 === 18 ? null : nacked ? 'NACK' : 'ACK',
    error_code: nacked ? '10001' : null,
    error_type: nacked ? 'POLICY-ERROR' : null,
    error_message: nacked ? 'signature does not verify' : null,
    http_status: index % 19 === 18 ? null : nacked ? 401 : 200,
    duplicate: index % 23 === 22,
    attempt: outbound ? 1 + (index % 3) : 1,
    started_at: startedAt.toISOString(),
    finished_at: new Date(startedAt.getTime() + latency).toISOString(),
    latency_ms: latency,
  };
}

/** `count` records spread over `count / 5` transactions, keyed by transaction id as the producer keys them. */
export function buildRecords(count: number): MessageRecord[] {
  const transactions = Array.from({ length: Math.max(1, Math.ceil(count / 5)) }, () => randomUUID());
  return Array.from({ length: count }, (_, index) => buildRecord(index, transactions[index % transactions.length] as string));
}

export function toMessage(record: MessageRecord): Message {
  return { key: record.transaction_id ?? record.id, value: JSON.stringify(record) };
}

export async function produce(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let start = 0; start < messages.length; start += 1_000) {
      await producer.send({ topic, acks: -1, messages: messages.slice(start, start + 1_000) });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Rows and distinct ids of `beckn_message_log` as queries see them (FINAL). */
export async function countFinal(client: ClickHouseClient, table = 'beckn_message_log'): Promise<{ rows: number; ids: number }> {
  const idColumn = table === 'beckn_message_log' ? 'id' : 'kafka_offset';
  const result = await client.query({ query: `SELECT count() AS rows, uniqExact(${idColumn}) AS ids FROM ${table} FINAL`, format: 'JSONEachRow' });
  const [row] = await result.json<{ rows: string; ids: string }>();
  return { rows: Number(row?.rows ?? 0), ids: Number(row?.ids ?? 0) };
}

/** Physical rows, duplicates included, before any merge or FINAL collapses them. */
export async function countPhysical(client: ClickHouseClient): Promise<number> {
  const result = await client.query({ query: 'SELECT count() AS rows FROM beckn_message_log', format: 'JSONEachRow' });
  const [row] = await result.json<{ rows: string }>();
  return Number(row?.rows ?? 0);
}

/** The group's committed offsets summed over the topic's partitions (0 where none is committed). */
export async function committedTotal(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

export function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  return waitUntil(what, condition, { timeoutMs, intervalMs: 100 });
}

/** One suite's own ClickHouse database (migrated), Kafka topic and group name, all removed by `dispose`. */
export interface SinkStores {
  database: string;
  clickhouse: ClickHouseClient;
  kafka: Kafka;
  admin: Admin;
  topic: string;
  groupId: string;
  dispose(): Promise<void>;
}

export async function openSinkStores(label: string, partitions = 3, brokers = testServices.kafkaBrokers): Promise<SinkStores> {
  const database = uniqueTestName(`${label}_db`);
  await ensureDatabase(testServices.clickhouseUrl, database);
  const clickhouse = createClickHouse({ url: testServices.clickhouseUrl, database });
  await runClickHouseMigrations(clickhouse, migrationsDir, quiet);
  const kafka = createKafka({ brokers, clientId: 'beckn-ride-test', logger: quiet });
  const topic = uniqueTestName(`${label}_topic`);
  const groupId = uniqueTestName(`${label}_group`);
  await ensureTopics(kafka, [{ topic, numPartitions: partitions, replicationFactor: 1 }], quiet);
  const admin = kafka.admin();
  await admin.connect();
  return {
    database,
    clickhouse,
    kafka,
    admin,
    topic,
    groupId,
    async dispose() {
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
      await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await clickhouse.close();
    },
  };
}
