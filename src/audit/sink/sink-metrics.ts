import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Metrics } from '../../infra/metrics/index.js';

export interface SinkMetrics {
  inserted: Counter;
  rejected: Counter;
  batches: Counter<'outcome'>;
  insertDuration: Histogram;
  lag: Gauge<'partition'>;
  droppedPartitions: Counter;
}

/**
 * A series already in the registry is reused, so a sink restarted in the same
 * process (tests, the demo mode) keeps counting instead of failing to register.
 */
function existing<T>(registry: Registry | undefined, name: string): T | undefined {
  return registry?.getSingleMetric(name) as T | undefined;
}

/** The audit sink's series, registered on `metrics.registry` when given (unregistered otherwise). */
export function createSinkMetrics(metrics: Metrics | undefined): SinkMetrics {
  const registry = metrics?.registry;
  const registers = registry ? [registry] : [];
  const counter = <L extends string = never>(name: string, help: string, labelNames: L[] = []) =>
    existing<Counter<L>>(registry, name) ?? new Counter<L>({ name, help, labelNames, registers });
  return {
    inserted: counter('beckn_ride_audit_sink_records_inserted_total', 'Message records inserted into ClickHouse by the audit sink'),
    rejected: counter('beckn_ride_audit_sink_rejects_total', 'Kafka messages that were not message records, written to beckn_message_log_rejects'),
    batches: counter('beckn_ride_audit_sink_batches_total', 'Inserts into ClickHouse by outcome (inserted, failed)', ['outcome']),
    insertDuration:
      existing<Histogram>(registry, 'beckn_ride_audit_sink_insert_duration_seconds') ??
      new Histogram({
        name: 'beckn_ride_audit_sink_insert_duration_seconds',
        help: 'Time to insert one batch into ClickHouse',
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers,
      }),
    lag:
      existing<Gauge<'partition'>>(registry, 'beckn_ride_audit_sink_lag_messages') ??
      new Gauge({
        name: 'beckn_ride_audit_sink_lag_messages',
        help: 'Messages of the log topic not yet committed by the audit sink, by partition, as of its last batch',
        labelNames: ['partition'],
        registers,
      }),
    droppedPartitions: counter('beckn_ride_audit_retention_dropped_partitions_total', 'Monthly partitions of beckn_message_log dropped by retention'),
  };
}
