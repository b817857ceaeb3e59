import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Metrics } from '../metrics/index.js';

export interface SinkMetrics {
  inserted: Counter;
  rejected: Counter;
  batches: Counter<'outcome'>;
  insertDuration: Histogram;
  lag: Gauge<'partition'>;
}

/** What a sink's series are named after and what their help text says. */
export interface SinkMetricNames {
  /** e.g. `beckn_ride_audit_sink`: series are `<prefix>_records_inserted_total` and so on. */
  prefix: string;
  /** The sink's name in help texts, e.g. "the audit sink". */
  sink: string;
  /** What its rows are, e.g. "Message records". */
  records: string;
  /** What a rejected message is not, e.g. "message records". */
  notA: string;
  rejectsTable: string;
  topic: string;
}

/**
 * A series already in the registry is reused, so a sink restarted in the same
 * process (tests, the demo mode) keeps counting instead of failing to register.
 */
export function existingMetric<T>(registry: Registry | undefined, name: string): T | undefined {
  return registry?.getSingleMetric(name) as T | undefined;
}

export function sinkCounter<L extends string = never>(metrics: Metrics | undefined, name: string, help: string, labelNames: L[] = []): Counter<L> {
  const registry = metrics?.registry;
  return existingMetric<Counter<L>>(registry, name) ?? new Counter<L>({ name, help, labelNames, registers: registry ? [registry] : [] });
}

/** A Kafka-to-ClickHouse sink's series, registered on `metrics.registry` when given (unregistered otherwise). */
export function createSinkMetrics(metrics: Metrics | undefined, names: SinkMetricNames): SinkMetrics {
  const registry = metrics?.registry;
  const registers = registry ? [registry] : [];
  const { prefix } = names;
  return {
    inserted: sinkCounter(metrics, `${prefix}_records_inserted_total`, `${names.records} inserted into ClickHouse by ${names.sink}`),
    rejected: sinkCounter(metrics, `${prefix}_rejects_total`, `Kafka messages that were not ${names.notA}, written to ${names.rejectsTable}`),
    batches: sinkCounter(metrics, `${prefix}_batches_total`, 'Inserts into ClickHouse by outcome (inserted, failed)', ['outcome']),
    insertDuration:
      existingMetric<Histogram>(registry, `${prefix}_insert_duration_seconds`) ??
      new Histogram({
        name: `${prefix}_insert_duration_seconds`,
        help: 'Time to insert one batch into ClickHouse',
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers,
      }),
    lag:
      existingMetric<Gauge<'partition'>>(registry, `${prefix}_lag_messages`) ??
      new Gauge({
        name: `${prefix}_lag_messages`,
        help: `Messages of the ${names.topic} not yet committed by ${names.sink}, by partition, as of its last batch`,
        labelNames: ['partition'],
        registers,
      }),
  };
}
