import type { Kafka } from 'kafkajs';
import type { ClickHouseClient } from '../../infra/clickhouse/index.js';
import { createKafkaClickHouseSink, type KafkaClickHouseSinkStats } from '../../infra/kafka-sink/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { Metrics } from '../../infra/metrics/index.js';
import { messageRowColumns, toMessageRow, type MessageRow } from '../message-row.js';
import { parseMessageValue } from './parse-record.js';
import { REJECTS_TABLE, rejectRowColumns } from './reject-row.js';
import { dropExpiredPartitions, MESSAGE_LOG_TABLE } from './retention.js';
import { createSinkMetrics, type SinkMetrics } from './sink-metrics.js';

export interface AuditSinkOptions {
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  topic: string;
  groupId: string;
  /** Most records in one ClickHouse insert. */
  batchSize: number;
  logger: Logger;
  metrics?: Metrics;
  retentionMonths: number;
  /** Kafka group session; a SIGKILLed sink's partitions move to another member after it. Default 30 s. */
  sessionTimeoutMs?: number;
  /** ClickHouse inserts running at once; default 2. */
  writesInFlight?: number;
}

export type AuditSinkStats = KafkaClickHouseSinkStats;

export interface AuditSink {
  start(): Promise<void>;
  /** Stops fetching, lets the chunks already handed to an insert finish and commit, leaves the group. */
  stop(): Promise<void>;
  stats(): AuditSinkStats;
}

const RETENTION_INTERVAL_MS = 60 * 60_000;

/**
 * The consumer group that moves message records from the log topic into
 * ClickHouse, on the shared Kafka-to-ClickHouse consumer (src/infra/kafka-sink):
 * offsets are committed only after the chunk they cover is inserted, so a
 * crash replays at most the chunks in flight; the replay is invisible because
 * `beckn_message_log` is a ReplacingMergeTree whose sorting key ends with the
 * record id (read with FINAL). A message that is not a record goes to
 * `beckn_message_log_rejects` and the partition moves on. Hourly, it drops
 * the monthly partitions older than the retention.
 */
export function createAuditSink(options: AuditSinkOptions): AuditSink {
  const { clickhouse, topic, groupId, retentionMonths } = options;
  const logger = options.logger.child({ component: 'audit-sink', topic, group: groupId });
  const metrics: SinkMetrics = createSinkMetrics(options.metrics);
  let retentionTimer: NodeJS.Timeout | undefined;
  let retentionRun: Promise<void> = Promise.resolve();
  let started = false;

  const consumer = createKafkaClickHouseSink<MessageRow>({
    kafka: options.kafka,
    topic,
    groupId,
    batchSize: options.batchSize,
    name: 'audit sink',
    logger,
    metrics,
    rejectsTable: REJECTS_TABLE,
    sessionTimeoutMs: options.sessionTimeoutMs,
    // Each insert stands alone (rows keyed by record id), so two may run at once and overlap the sink's work with ClickHouse's.
    writesInFlight: options.writesInFlight ?? 2,
    // The relay's LZ4 batches shrink message records about 9-fold: these bounds keep one fetch near the 32 MiB of records
    // it brought uncompressed (about 8,000 of 4 KiB), rather than 300 MiB decoded at once.
    fetchBytes: { perPartition: 1024 * 1024, total: 4 * 1024 * 1024 },
    readMessage: (message) => {
      const parsed = parseMessageValue(message.value);
      return parsed.ok ? { ok: true, row: toMessageRow(parsed.record) } : parsed;
    },
    async write({ rows, rejects }) {
      if (rows.length > 0) {
        await clickhouse.insert({ table: MESSAGE_LOG_TABLE, values: rows, format: 'JSONEachRow', columns: [...messageRowColumns] as [string, ...string[]] });
      }
      if (rejects.length > 0) {
        await clickhouse.insert({ table: REJECTS_TABLE, values: rejects, format: 'JSONEachRow', columns: rejectRowColumns });
      }
    },
  });

  const applyRetention = async (): Promise<void> => {
    try {
      const dropped = await dropExpiredPartitions({ clickhouse, retentionMonths, logger });
      metrics.droppedPartitions.inc(dropped.length);
    } catch (error) {
      logger.error({ err: error }, 'audit retention failed; it runs again within the hour');
    }
  };

  return {
    async start() {
      if (started) throw new Error('the audit sink is already started');
      started = true;
      await applyRetention();
      retentionTimer = setInterval(() => {
        retentionRun = retentionRun.then(applyRetention);
      }, RETENTION_INTERVAL_MS);
      retentionTimer.unref();
      await consumer.start();
      logger.info({ retention_months: retentionMonths }, 'audit retention scheduled');
    },

    async stop() {
      clearInterval(retentionTimer);
      await consumer.stop();
      await retentionRun;
      started = false;
    },

    stats: () => consumer.stats(),
  };
}
