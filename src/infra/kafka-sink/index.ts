export {
  createKafkaClickHouseSink,
  type KafkaClickHouseSink,
  type KafkaClickHouseSinkOptions,
  type KafkaClickHouseSinkStats,
  type ReadMessage,
} from './kafka-clickhouse-sink.js';
export { createInsertCoalescer, type InsertCoalescer, type InsertCoalescerOptions, type InsertPart } from './insert-coalescer.js';
export { rejectRowColumns, toRejectRow, type RejectRow } from './reject-row.js';
export { createSinkMetrics, existingMetric, sinkCounter, type SinkMetricNames, type SinkMetrics } from './sink-metrics.js';
