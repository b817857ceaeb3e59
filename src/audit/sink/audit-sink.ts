import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { ClickHouseClient } from '../../infra/clickhouse/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { Metrics } from '../../infra/metrics/index.js';
import { messageRowColumns, toMessageRow } from '../message-row.js';
import { createInsertCoalescer, type InsertPart } from './insert-coalescer.js';
import { parseMessageValue } from './parse-record.js';
import { REJECTS_TABLE, rejectRowColumns, toRejectRow } from './reject-row.js';
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
}

export interface AuditSinkStats {
  /** Consuming, or about to restart after a failure. */
  running: boolean;
  inserted: number;
  rejected: number;
  /** Inserts into ClickHouse that succeeded and that failed. */
  batches: number;
  failedBatches: number;
  lastError: string | null;
}

export interface AuditSink {
  start(): Promise<void>;
  /** Stops fetching, lets the chunks already handed to an insert finish and commit, leaves the group. */
  stop(): Promise<void>;
  stats(): AuditSinkStats;
}

const RETENTION_INTERVAL_MS = 60 * 60_000;
/** Partitions handled at once; their chunks meet in the coalescer, so one fetch becomes one insert. */
const PARTITIONS_CONCURRENTLY = 16;
const LINGER_MS = 20;

/**
 * Thrown when ClickHouse refuses or cannot be reached. kafkajs retries a
 * retriable error with backoff and then restarts the consumer, which resumes
 * at the last committed offset; its own name keeps it retriable whatever the
 * underlying error was (kafkajs gives up on a TypeError, for one).
 */
class AuditStoreError extends Error {
  override readonly name = 'AuditStoreError';
  readonly retriable = true;
}

function sortOut(topic: string, partition: number, messages: KafkaMessage[]): InsertPart {
  const part: InsertPart = { rows: [], rejects: [] };
  const now = new Date();
  for (const message of messages) {
    const parsed = parseMessageValue(message.value);
    if (parsed.ok) part.rows.push(toMessageRow(parsed.record));
    else part.rejects.push(toRejectRow(topic, partition, message, parsed.error, now));
  }
  return part;
}

function chunksOf<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/**
 * The consumer group that moves message records from the log topic into
 * ClickHouse. Each partition's batch is cut into chunks of at most
 * `batchSize`; chunks of partitions consumed at once share an insert (see
 * insert-coalescer.ts). Offsets are resolved and committed only after the
 * chunk they cover is inserted, so a crash replays at most the chunks in flight; the
 * replay is invisible because `beckn_message_log` is a ReplacingMergeTree
 * whose sorting key ends with the record id (read with FINAL). A message that
 * is not a record goes to `beckn_message_log_rejects` and the partition moves on.
 */
export function createAuditSink(options: AuditSinkOptions): AuditSink {
  const { kafka, clickhouse, topic, groupId, batchSize, retentionMonths } = options;
  const logger = options.logger.child({ component: 'audit-sink', topic, group: groupId });
  const metrics: SinkMetrics = createSinkMetrics(options.metrics);
  const stats: AuditSinkStats = { running: false, inserted: 0, rejected: 0, batches: 0, failedBatches: 0, lastError: null };
  let consumer: Consumer | null = null;
  let retentionTimer: NodeJS.Timeout | undefined;
  let retentionRun: Promise<void> = Promise.resolve();

  const insert = async ({ rows, rejects }: InsertPart): Promise<void> => {
    const started = performance.now();
    try {
      if (rows.length > 0) {
        await clickhouse.insert({ table: MESSAGE_LOG_TABLE, values: rows, format: 'JSONEachRow', columns: [...messageRowColumns] as [string, ...string[]] });
      }
      if (rejects.length > 0) {
        await clickhouse.insert({ table: REJECTS_TABLE, values: rejects, format: 'JSONEachRow', columns: rejectRowColumns });
      }
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).trim();
      stats.failedBatches += 1;
      stats.lastError = `ClickHouse insert failed: ${reason}`;
      metrics.batches.inc({ outcome: 'failed' });
      logger.warn({ err: error, rows: rows.length, rejects: rejects.length }, 'audit sink insert failed; offsets stay uncommitted and kafkajs retries after a backoff');
      throw new AuditStoreError(stats.lastError, { cause: error });
    }
    metrics.insertDuration.observe((performance.now() - started) / 1000);
    metrics.batches.inc({ outcome: 'inserted' });
    stats.batches += 1;
  };
  const coalescer = createInsertCoalescer({ maxRows: batchSize, lingerMs: LINGER_MS, insert });

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale } = payload;
    for (const chunk of chunksOf(batch.messages, batchSize)) {
      if (!isRunning() || isStale()) return;
      const part = sortOut(batch.topic, batch.partition, chunk);
      const last = chunk[chunk.length - 1]?.offset as string;
      await coalescer.add(part);
      // Counted once ClickHouse acknowledged the chunk, before its offsets are committed: whoever sees them committed sees them counted.
      stats.inserted += part.rows.length;
      stats.rejected += part.rejects.length;
      metrics.inserted.inc(part.rows.length);
      metrics.rejected.inc(part.rejects.length);
      metrics.lag.set({ partition: String(batch.partition) }, Math.max(0, Number(batch.highWatermark) - Number(last) - 1));
      for (const reject of part.rejects) {
        logger.error({ partition: batch.partition, offset: reject.kafka_offset, error: reject.error }, 'message log entry rejected to beckn_message_log_rejects');
      }
      resolveOffset(last);
      await commitOffsetsIfNecessary(uncommittedOffsets());
      await heartbeat();
    }
  };

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
      if (consumer) throw new Error('the audit sink is already started');
      await applyRetention();
      retentionTimer = setInterval(() => {
        retentionRun = retentionRun.then(applyRetention);
      }, RETENTION_INTERVAL_MS);
      retentionTimer.unref();

      // The broker holds a fetch until 64 KiB are there or 500 ms passed, and one fetch may bring
      // 32 MiB (about 8,000 records of 4 KiB): under load, an insert can fill batchSize.
      const created = kafka.consumer({
        groupId,
        sessionTimeout: options.sessionTimeoutMs ?? 30_000,
        minBytes: 64 * 1024,
        maxWaitTimeInMs: 500,
        maxBytesPerPartition: 8 * 1024 * 1024,
        maxBytes: 32 * 1024 * 1024,
      });
      consumer = created;
      created.on(created.events.CRASH, ({ payload }) => {
        stats.running = payload.restart;
        if (!payload.restart) logger.fatal({ err: payload.error }, 'audit sink consumer stopped and will not restart');
      });
      await created.connect();
      // A new group starts at the beginning of the topic: records produced before the first sink ran are audited too.
      await created.subscribe({ topic, fromBeginning: true });
      await created.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch, partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY });
      stats.running = true;
      logger.info({ batch_size: batchSize, retention_months: retentionMonths }, 'audit sink consuming');
    },

    async stop() {
      clearInterval(retentionTimer);
      const stopping = consumer;
      consumer = null;
      if (stopping) await stopping.disconnect();
      await retentionRun;
      stats.running = false;
    },

    stats: () => ({ ...stats }),
  };
}
