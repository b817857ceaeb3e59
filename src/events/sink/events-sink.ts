import type { Kafka } from 'kafkajs';
import type { ClickHouseClient } from '../../infra/clickhouse/index.js';
import { createKafkaClickHouseSink, rejectRowColumns, type KafkaClickHouseSinkStats } from '../../infra/kafka-sink/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { Metrics } from '../../infra/metrics/index.js';
import { recomputeCells, touchedBuckets } from './cell-aggregates.js';
import { BUSINESS_EVENTS_TABLE, businessEventRowColumns, type BusinessEventRow } from './event-row.js';
import { createEventsSinkMetrics } from './events-sink-metrics.js';
import { parseEventValue } from './parse-event.js';

export const EVENTS_REJECTS_TABLE = 'business_events_rejects';

/** The business event topic when the configuration names none. */
export const DEFAULT_EVENTS_TOPIC = 'beckn-ride.business-events';

export interface EventsSinkOptions {
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  topic: string;
  groupId: string;
  /** Most events in one ClickHouse insert. */
  batchSize: number;
  logger: Logger;
  metrics?: Metrics;
  /** Kafka group session; a SIGKILLed sink's partitions move to another member after it. Default 30 s. */
  sessionTimeoutMs?: number;
}

export type EventsSinkStats = KafkaClickHouseSinkStats & {
  /** (city, bucket) aggregate recomputations done. */
  recomputedBuckets: number;
};

export interface EventsSink {
  start(): Promise<void>;
  /** Stops fetching, lets the chunks already handed to an insert finish (aggregates included) and commit, leaves the group. */
  stop(): Promise<void>;
  stats(): EventsSinkStats;
}

/**
 * The consumer group that loads the business events topic into ClickHouse,
 * on the shared Kafka-to-ClickHouse consumer (src/infra/kafka-sink). For each
 * merged chunk, in this order: the events into `business_events`, the
 * unreadable or invalid messages into `business_events_rejects`, then the
 * `business_cell_15m` rows of every (city, 15-minute bucket) the chunk's
 * provider-side events fall in, recomputed whole from `business_events FINAL`;
 * only then are the chunk's offsets resolved and committed. A crash anywhere
 * before the commit replays the chunk: the raw table collapses the repeated
 * event ids (ReplacingMergeTree keyed by event id, read with FINAL), and the
 * recompute reads FINAL, so it yields the same aggregates with a newer
 * computed_at_ms that replaces the older rows.
 */
export function createEventsSink(options: EventsSinkOptions): EventsSink {
  const { clickhouse, topic, groupId } = options;
  const logger = options.logger.child({ component: 'events-sink', topic, group: groupId });
  const metrics = createEventsSinkMetrics(options.metrics);
  let recomputed = 0;
  // The aggregate rows' version: strictly increasing in this process, so a later recompute always replaces an earlier one.
  let lastVersion = 0;
  const nextVersion = (): number => (lastVersion = Math.max(Date.now(), lastVersion + 1));

  const consumer = createKafkaClickHouseSink<BusinessEventRow>({
    kafka: options.kafka,
    topic,
    groupId,
    batchSize: options.batchSize,
    name: 'events sink',
    logger,
    metrics,
    rejectsTable: EVENTS_REJECTS_TABLE,
    sessionTimeoutMs: options.sessionTimeoutMs,
    readMessage: (message) => {
      const parsed = parseEventValue(message.value);
      return parsed.ok ? { ok: true, row: parsed.row } : parsed;
    },
    async write({ rows, rejects }) {
      if (rows.length > 0) {
        await clickhouse.insert({ table: BUSINESS_EVENTS_TABLE, values: rows, format: 'JSONEachRow', columns: businessEventRowColumns });
      }
      if (rejects.length > 0) {
        await clickhouse.insert({ table: EVENTS_REJECTS_TABLE, values: rejects, format: 'JSONEachRow', columns: rejectRowColumns });
      }
      const touched = touchedBuckets(rows);
      if (touched.size === 0) return;
      const started = performance.now();
      await recomputeCells(clickhouse, touched, nextVersion);
      const buckets = [...touched.values()].reduce((sum, list) => sum + list.length, 0);
      recomputed += buckets;
      metrics.recomputedBuckets.inc(buckets);
      metrics.recomputeDuration.observe((performance.now() - started) / 1000);
    },
  });

  return {
    start: () => consumer.start(),
    stop: () => consumer.stop(),
    stats: () => ({ ...consumer.stats(), recomputedBuckets: recomputed }),
  };
}
