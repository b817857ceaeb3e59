import type { Counter } from 'prom-client';
import { createSinkMetrics as createKafkaSinkMetrics, sinkCounter, type SinkMetrics as KafkaSinkMetrics } from '../../infra/kafka-sink/index.js';
import type { Metrics } from '../../infra/metrics/index.js';

export interface SinkMetrics extends KafkaSinkMetrics {
  droppedPartitions: Counter;
}

/** The audit sink's series (`beckn_ride_audit_sink_*`), registered on `metrics.registry` when given (unregistered otherwise). */
export function createSinkMetrics(metrics: Metrics | undefined): SinkMetrics {
  return {
    ...createKafkaSinkMetrics(metrics, {
      prefix: 'beckn_ride_audit_sink',
      sink: 'the audit sink',
      records: 'Message records',
      notA: 'message records',
      rejectsTable: 'beckn_message_log_rejects',
      topic: 'log topic',
    }),
    droppedPartitions: sinkCounter(metrics, 'beckn_ride_audit_retention_dropped_partitions_total', 'Monthly partitions of beckn_message_log dropped by retention'),
  };
}
