import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../logging/logger.js';
import { createInsertCoalescer, type InsertPart } from './insert-coalescer.js';
import { toRejectRow } from './reject-row.js';
import type { SinkMetrics } from './sink-metrics.js';

/** What a sink makes of one Kafka message: its row, or why it is a dead letter. */
export type ReadMessage<Row> = (message: KafkaMessage) => { ok: true; row: Row } | { ok: false; error: string };

export interface KafkaClickHouseSinkOptions<Row> {
  kafka: Kafka;
  topic: string;
  groupId: string;
  /** Most messages (rows and rejects) in one ClickHouse insert. */
  batchSize: number;
  /** Already bound to the sink's component; names the sink in messages, e.g. "audit sink". */
  name: string;
  logger: Logger;
  metrics: SinkMetrics;
  readMessage: ReadMessage<Row>;
  /**
   * Stores one merged part: its rows, its rejects, and whatever else must be
   * done before the offsets it covers are committed. Throwing leaves them
   * uncommitted; the consumer retries and, failing again, restarts at the
   * last committed offset, so `write` must be safe to repeat.
   */
  write: (part: InsertPart<Row>) => Promise<void>;
  /** The rejects table, named in the log line of each reject. */
  rejectsTable: string;
  /** Kafka group session; a SIGKILLed sink's partitions move to another member after it. Default 30 s. */
  sessionTimeoutMs?: number;
  /** Writes running at once, of chunks of different partitions (see insert-coalescer.ts); default 1. */
  writesInFlight?: number;
  /**
   * Most bytes one fetch brings, per partition and in all, as stored in
   * Kafka: compressed for a compressed topic, so such a topic wants smaller
   * bounds for the same number of records. Default 8 MiB and 32 MiB.
   */
  fetchBytes?: { perPartition: number; total: number };
}

export interface KafkaClickHouseSinkStats {
  /** Consuming, or about to restart after a failure. */
  running: boolean;
  inserted: number;
  rejected: number;
  /** Inserts into ClickHouse that succeeded and that failed. */
  batches: number;
  failedBatches: number;
  lastError: string | null;
}

export interface KafkaClickHouseSink {
  start(): Promise<void>;
  /** Stops fetching, lets the chunks already handed to an insert finish and commit, leaves the group. */
  stop(): Promise<void>;
  stats(): KafkaClickHouseSinkStats;
}

/** Partitions handled at once; their chunks meet in the coalescer, so one fetch becomes one insert. */
const PARTITIONS_CONCURRENTLY = 16;
const LINGER_MS = 20;

/**
 * Thrown when ClickHouse refuses or cannot be reached. kafkajs retries a
 * retriable error with backoff and then restarts the consumer, which resumes
 * at the last committed offset; its own name keeps it retriable whatever the
 * underlying error was (kafkajs gives up on a TypeError, for one).
 */
class SinkStoreError extends Error {
  override readonly name = 'SinkStoreError';
  readonly retriable = true;
}

function chunksOf<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/**
 * A consumer group that moves the records of one topic into ClickHouse; the
 * audit sink and the events sink are two of them. Each partition's batch is
 * cut into chunks of at most `batchSize`; chunks of partitions consumed at
 * once share a write (see insert-coalescer.ts). Offsets are resolved and
 * committed only after the write covering their chunk succeeded, so a crash
 * replays at most the chunks in flight; the tables make the replay invisible
 * (ReplacingMergeTree keyed by the record's id, read with FINAL). A message
 * `readMessage` refuses becomes a reject row and the partition moves on.
 */
export function createKafkaClickHouseSink<Row>(options: KafkaClickHouseSinkOptions<Row>): KafkaClickHouseSink {
  const { kafka, topic, groupId, batchSize, name, logger, metrics, readMessage, rejectsTable } = options;
  const stats: KafkaClickHouseSinkStats = { running: false, inserted: 0, rejected: 0, batches: 0, failedBatches: 0, lastError: null };
  let consumer: Consumer | null = null;

  const sortOut = (partition: number, messages: KafkaMessage[]): InsertPart<Row> => {
    const part: InsertPart<Row> = { rows: [], rejects: [] };
    const now = new Date();
    for (const message of messages) {
      const read = readMessage(message);
      if (read.ok) part.rows.push(read.row);
      else part.rejects.push(toRejectRow(topic, partition, message, read.error, now));
    }
    return part;
  };

  const insert = async (part: InsertPart<Row>): Promise<void> => {
    const started = performance.now();
    try {
      await options.write(part);
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).trim();
      stats.failedBatches += 1;
      stats.lastError = `ClickHouse insert failed: ${reason}`;
      metrics.batches.inc({ outcome: 'failed' });
      logger.warn(
        { err: error, rows: part.rows.length, rejects: part.rejects.length },
        `${name} insert failed; offsets stay uncommitted and kafkajs retries after a backoff`,
      );
      throw new SinkStoreError(stats.lastError, { cause: error });
    }
    metrics.insertDuration.observe((performance.now() - started) / 1000);
    metrics.batches.inc({ outcome: 'inserted' });
    stats.batches += 1;
  };
  const coalescer = createInsertCoalescer<Row>({ maxRows: batchSize, lingerMs: LINGER_MS, maxInFlight: options.writesInFlight, insert });

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale } = payload;
    for (const chunk of chunksOf(batch.messages, batchSize)) {
      if (!isRunning() || isStale()) return;
      const part = sortOut(batch.partition, chunk);
      const last = chunk[chunk.length - 1]?.offset as string;
      await coalescer.add(part);
      // Counted once ClickHouse acknowledged the chunk, before its offsets are committed: whoever sees them committed sees them counted.
      stats.inserted += part.rows.length;
      stats.rejected += part.rejects.length;
      metrics.inserted.inc(part.rows.length);
      metrics.rejected.inc(part.rejects.length);
      metrics.lag.set({ partition: String(batch.partition) }, Math.max(0, Number(batch.highWatermark) - Number(last) - 1));
      for (const reject of part.rejects) {
        logger.error({ partition: batch.partition, offset: reject.kafka_offset, error: reject.error }, `${name}: message rejected to ${rejectsTable}`);
      }
      resolveOffset(last);
      await commitOffsetsIfNecessary(uncommittedOffsets());
      await heartbeat();
    }
  };

  return {
    async start() {
      if (consumer) throw new Error(`the ${name} is already started`);
      // The broker holds a fetch until 64 KiB are there or 500 ms passed, and one fetch may bring
      // 32 MiB by default (about 8,000 records of 4 KiB; see fetchBytes): under load, an insert can fill batchSize.
      const created = kafka.consumer({
        groupId,
        sessionTimeout: options.sessionTimeoutMs ?? 30_000,
        minBytes: 64 * 1024,
        maxWaitTimeInMs: 500,
        maxBytesPerPartition: options.fetchBytes?.perPartition ?? 8 * 1024 * 1024,
        maxBytes: options.fetchBytes?.total ?? 32 * 1024 * 1024,
      });
      consumer = created;
      created.on(created.events.CRASH, ({ payload }) => {
        stats.running = payload.restart;
        if (!payload.restart) logger.fatal({ err: payload.error }, `${name} consumer stopped and will not restart`);
      });
      await created.connect();
      // A new group starts at the beginning of the topic: records produced before the first sink ran are stored too.
      await created.subscribe({ topic, fromBeginning: true });
      await created.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch, partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY });
      stats.running = true;
      logger.info({ batch_size: batchSize }, `${name} consuming`);
    },

    async stop() {
      const stopping = consumer;
      consumer = null;
      if (stopping) await stopping.disconnect();
      stats.running = false;
    },

    stats: () => ({ ...stats }),
  };
}
