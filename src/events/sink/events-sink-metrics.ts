import type { Counter, Histogram } from 'prom-client';
import { Histogram as PromHistogram } from 'prom-client';
import { createSinkMetrics, existingMetric, sinkCounter, type SinkMetrics } from '../../infra/kafka-sink/index.js';
import type { Metrics } from '../../infra/metrics/index.js';

export interface EventsSinkMetrics extends SinkMetrics {
  /** (city, bucket) aggregate recomputations. */
  recomputedBuckets: Counter;
  recomputeDuration: Histogram;
}

/** The events sink's series (`beckn_ride_events_sink_*`), registered on `metrics.registry` when given. */
export function createEventsSinkMetrics(metrics: Metrics | undefined): EventsSinkMetrics {
  const registry = metrics?.registry;
  const name = 'beckn_ride_events_sink_recompute_duration_seconds';
  return {
    ...createSinkMetrics(metrics, {
      prefix: 'beckn_ride_events_sink',
      sink: 'the events sink',
      records: 'Business events',
      notA: 'business events',
      rejectsTable: 'business_events_rejects',
      topic: 'business events topic',
    }),
    recomputedBuckets: sinkCounter(metrics, 'beckn_ride_events_sink_buckets_recomputed_total', 'City 15-minute buckets of business_cell_15m recomputed by the events sink'),
    recomputeDuration:
      existingMetric<Histogram>(registry, name) ??
      new PromHistogram({
        name,
        help: 'Time to recompute the business_cell_15m rows a batch touched',
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: registry ? [registry] : [],
      }),
  };
}
