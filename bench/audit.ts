/**
 * `npm run bench:audit`: in one run on this machine, message records per
 * second from the service's message log (appended to the local spool, shipped
 * by its relay: idempotent producer, LZ4 batches) to queryable in ClickHouse
 * (`count()` with FINAL reaching the number appended) through `npm run
 * audit-sink` running as its own process, against a baseline of the same
 * rows inserted directly with `client.insert` into a scratch copy of the
 * table. A second figure, the sink draining a backlog shipped while its
 * process was frozen (SIGSTOP), isolates the sink from the relay's own pace.
 *
 *   npm run bench:audit -- --records 50000 --batch-size 5000 --timeout 300000
 *
 * Each option also reads an environment variable: BENCH_AUDIT_RECORDS,
 * BENCH_AUDIT_BATCH_SIZE, BENCH_AUDIT_TIMEOUT_MS; BENCH_AUDIT_SINK_NODE_OPTIONS
 * is passed to the sink process as NODE_OPTIONS. Needs `bash scripts/services.sh up`.
 * Everything it creates (ClickHouse database, topic, consumer group) is removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Kafka } from 'kafkajs';
import { messageRowColumns, toMessageRow, type MessageRow } from '../src/audit/message-row.js';
import { messageTopicSpec, openKafkaMessageLog, type RelaySettings } from '../src/audit/write/index.js';
import { createClickHouse, ensureDatabase, runClickHouseMigrations, type ClickHouseClient } from '../src/infra/clickhouse/index.js';
import { createKafka, ensureTopics } from '../src/infra/kafka/index.js';
import { createLogger } from '../src/infra/logging/logger.js';
import type { MessageRecord } from '../src/protocol/message-log/index.js';
import { startServiceProcess, type ServiceProcess } from '../test/support/service-process.js';
import { testServices } from '../test/support/services.js';
import { benchRecords } from './audit-records.js';

interface Options {
  records: number;
  batchSize: number;
  timeoutMs: number;
}

const quiet = createLogger('silent');
const print = (text = '') => process.stdout.write(`${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const migrationsDir = fileURLToPath(new URL('../migrations/clickhouse/', import.meta.url));
const WARM_UP_RECORDS = 100;
/** Appends awaited together, as concurrent requests would make them: they share the spool's fsyncs. */
const APPENDS_AT_ONCE = 1_000;

/** A signal ends the current wait with an error, so the cleanup below runs as on any failure. */
const interruption = { requested: false };
const checkInterrupted = () => {
  if (interruption.requested) throw new Error('interrupted');
};

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return value;
}

function readOptions(): Options {
  const { values } = parseArgs({ options: { records: { type: 'string' }, 'batch-size': { type: 'string' }, timeout: { type: 'string' } } });
  const env = process.env;
  return {
    records: positiveInteger('records', values.records ?? env.BENCH_AUDIT_RECORDS ?? '50000'),
    batchSize: positiveInteger('batch-size', values['batch-size'] ?? env.BENCH_AUDIT_BATCH_SIZE ?? '5000'),
    timeoutMs: positiveInteger('timeout', values.timeout ?? env.BENCH_AUDIT_TIMEOUT_MS ?? '300000'),
  };
}

async function countFinal(client: ClickHouseClient, table: string): Promise<number> {
  const result = await client.query({ query: `SELECT count() AS rows FROM ${table} FINAL`, format: 'JSONEachRow' });
  const [row] = await result.json<{ rows: string }>();
  return Number(row?.rows ?? 0);
}

/** Seconds until `count()` FINAL of `table` reaches `target`, polled every 100 ms; throws past `deadline`. */
async function untilQueryable(client: ClickHouseClient, table: string, target: number, started: number, deadline: number): Promise<number> {
  for (;;) {
    const rows = await countFinal(client, table);
    if (rows >= target) return (performance.now() - started) / 1000;
    checkInterrupted();
    if (Date.now() > deadline) throw new Error(`timed out: ${rows} of ${target} rows queryable in ${table}`);
    await sleep(100);
  }
}

/** The relay as it was before LZ4 and 4 MiB requests: uncompressed requests of at most 500 records and 1 MB. */
const PLAIN_RELAY: Partial<RelaySettings> = { compression: 'none', batchSize: 500, batchBytes: 1_000_000 };

/**
 * Seconds from the first append to the message log until the relay has
 * shipped every record (Kafka acknowledged, spool checkpoint past it). A
 * fresh spool folder each time; the log is closed before returning.
 */
async function relay(kafka: Kafka, topic: string, records: MessageRecord[], spoolDir: string, settings?: Partial<RelaySettings>): Promise<number> {
  const log = await openKafkaMessageLog({ kafka, topic, spoolDir, spoolMaxBytes: 4 * 2 ** 30, logger: quiet, relay: settings });
  try {
    const started = performance.now();
    for (let start = 0; start < records.length; start += APPENDS_AT_ONCE) {
      checkInterrupted();
      await Promise.all(records.slice(start, start + APPENDS_AT_ONCE).map((record) => log.append(record)));
    }
    while (log.spoolDepth().records > 0) {
      checkInterrupted();
      if (log.relayState().lastError) throw new Error(`the relay failed: ${log.relayState().lastError}`);
      await sleep(10);
    }
    return (performance.now() - started) / 1000;
  } finally {
    await log.close();
  }
}

async function directInsert(client: ClickHouseClient, table: string, rows: MessageRow[], batchSize: number, deadline: number): Promise<number> {
  const started = performance.now();
  for (let start = 0; start < rows.length; start += batchSize) {
    await client.insert({ table, values: rows.slice(start, start + batchSize), format: 'JSONEachRow', columns: [...messageRowColumns] as [string, ...string[]] });
  }
  return untilQueryable(client, table, rows.length, started, deadline);
}

function sinkEnv(database: string, topic: string, groupId: string, options: Options, dataDir: string): Record<string, string> {
  return {
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    KAFKA_BROKERS: testServices.kafkaBrokers.join(','),
    CLICKHOUSE_URL: testServices.clickhouseUrl,
    CLICKHOUSE_DATABASE: database,
    KAFKA_MESSAGE_TOPIC: topic,
    AUDIT_SINK_GROUP: groupId,
    AUDIT_SINK_BATCH_SIZE: String(options.batchSize),
    ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    AUDITOR_TOKEN: randomBytes(24).toString('base64url'),
    SIGNING_PRIVATE_KEY: randomBytes(32).toString('base64'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    // E.g. "--import ./profile-preload.mjs" (a preload starting node:inspector's profiler) to see where the sink spends its time.
    ...(process.env.BENCH_AUDIT_SINK_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_AUDIT_SINK_NODE_OPTIONS } : {}),
  };
}

/** Inserts so far and their mean size and latency, from the sink's own /metrics. */
async function sinkInsertLine(service: ServiceProcess): Promise<string> {
  const text = await (await fetch(`${service.baseUrl}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  const inserts = value(/^beckn_ride_audit_sink_insert_duration_seconds_count (\S+)$/m);
  const seconds = value(/^beckn_ride_audit_sink_insert_duration_seconds_sum (\S+)$/m);
  const rows = value(/^beckn_ride_audit_sink_records_inserted_total (\S+)$/m);
  return `sink: ${inserts} inserts of ${(rows / inserts).toFixed(0)} records on average, ${((seconds / inserts) * 1000).toFixed(1)} ms each`;
}

const rate = (count: number, seconds: number) => `${Math.round(count / seconds).toLocaleString('en-US')} records/s`;

async function main(): Promise<number> {
  const options = readOptions();
  const onSignal = () => {
    interruption.requested = true;
    print('interrupted: cleaning up');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const suffix = randomBytes(4).toString('hex');
  const database = `bench_audit_${suffix}`;
  const topic = `bench.audit.${suffix}`;
  const plainTopic = `${topic}.plain`;
  const groupId = `bench-audit-sink-${suffix}`;
  const deadline = Date.now() + options.timeoutMs;
  const dataDir = mkdtempSync(join(tmpdir(), 'beckn-ride-bench-audit-'));

  print('# beckn-ride audit pipeline benchmark');
  print(`date:    ${new Date().toISOString()}`);
  print(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  print(`options: ${options.records} records, batch size ${options.batchSize}, bound ${options.timeoutMs} ms`);

  const records = benchRecords(WARM_UP_RECORDS + 2 * options.records);
  const warmUp = records.slice(0, WARM_UP_RECORDS);
  const measured = records.slice(WARM_UP_RECORDS, WARM_UP_RECORDS + options.records);
  const backlog = records.slice(WARM_UP_RECORDS + options.records);
  const meanBytes = measured.reduce((sum, record) => sum + JSON.stringify(record).length, 0) / measured.length;
  print(`records: ${(meanBytes / 1024).toFixed(2)} KiB of JSON each on average (Beckn example bodies)`);

  await ensureDatabase(testServices.clickhouseUrl, database);
  const client = createClickHouse({ url: testServices.clickhouseUrl, database });
  const kafka = createKafka({ brokers: testServices.kafkaBrokers, clientId: 'beckn-ride-bench', logger: quiet });
  const admin = kafka.admin();
  let service: ServiceProcess | null = null;
  try {
    await admin.connect();
    await runClickHouseMigrations(client, migrationsDir, quiet);
    await client.command({ query: 'CREATE TABLE bench_direct AS beckn_message_log' });

    const directSeconds = await directInsert(client, 'bench_direct', measured.map(toMessageRow), options.batchSize, deadline);
    print(`direct:   ${options.records} rows inserted with client.insert and queryable in ${directSeconds.toFixed(2)} s: ${rate(options.records, directSeconds)}`);

    // The sink process creates the topic; a warm-up batch makes the group join and first fetch happen outside the measure.
    service = await startServiceProcess(sinkEnv(database, topic, groupId, options, dataDir), 120_000, 'src/audit-sink.ts');
    await relay(kafka, topic, warmUp, join(dataDir, 'spool-warm-up'));
    await untilQueryable(client, 'beckn_message_log', WARM_UP_RECORDS, performance.now(), deadline);

    const started = performance.now();
    const relaySeconds = await relay(kafka, topic, measured, join(dataDir, 'spool-measured'));
    const pipelineSeconds = await untilQueryable(client, 'beckn_message_log', WARM_UP_RECORDS + measured.length, started, deadline);
    print(`relay:    ${options.records} records appended to the spool and acknowledged by Kafka (acks=all, idempotent, LZ4, 4 MiB requests) in ${relaySeconds.toFixed(2)} s: ${rate(options.records, relaySeconds)}`);
    print(`pipeline: ${options.records} records from append to queryable in ClickHouse in ${pipelineSeconds.toFixed(2)} s: ${rate(options.records, pipelineSeconds)}`);
    print(await sinkInsertLine(service));

    service.child.kill('SIGSTOP');
    const backlogSeconds = await relay(kafka, topic, backlog, join(dataDir, 'spool-backlog')).finally(() => service?.child.kill('SIGCONT'));
    const resumed = performance.now();
    const drainSeconds = await untilQueryable(client, 'beckn_message_log', records.length, resumed, deadline);
    const rebalanced = backlogSeconds > 20 ? ' (the sink was frozen longer than 20 s: the figure may include a group rebalance)' : '';
    print(`drain:    ${options.records} records shipped while the sink was frozen, queryable ${drainSeconds.toFixed(2)} s after it resumed: ${rate(options.records, drainSeconds)}${rebalanced}`);
    print(await sinkInsertLine(service));
    print(`ratio to direct: pipeline ${(directSeconds / pipelineSeconds).toFixed(2)}, drain ${(directSeconds / drainSeconds).toFixed(2)}`);

    // The same records through the relay as it shipped before (no sink reads this topic): what compression and larger requests bring.
    await ensureTopics(kafka, [messageTopicSpec({ topic: plainTopic, topicPartitions: 6, replicationFactor: 1 })], quiet);
    const plainSeconds = await relay(kafka, plainTopic, measured, join(dataDir, 'spool-plain'), PLAIN_RELAY);
    // Both with no sink consuming: the backlog shipped while the sink was frozen, and this.
    print(`relay with no sink consuming: LZ4 4 MiB requests ${rate(options.records, backlogSeconds)}, uncompressed 1 MB requests (before) ${rate(options.records, plainSeconds)}: ${(plainSeconds / backlogSeconds).toFixed(2)}x`);
    return 0;
  } finally {
    if (service) {
      service.child.kill('SIGTERM');
      const running = service;
      const killer = setTimeout(() => running.child.kill('SIGKILL'), 30_000);
      const code = await service.exited;
      clearTimeout(killer);
      if (code !== 0) process.stderr.write(`the sink process ended with ${String(code)}:\n${service.output()}\n`);
    }
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic, plainTopic] }).catch(() => undefined);
    await admin.disconnect();
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`bench:audit failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
});
process.exitCode = exitCode;
// Everything is closed by now; a handle some client library still holds must not keep the process alive.
setTimeout(() => process.exit(exitCode), 10_000).unref();
