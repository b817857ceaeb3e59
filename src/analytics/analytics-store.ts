import type { AnalyticsBucket, AnalyticsHeatmap, AnalyticsMetric, AnalyticsSummary, AnalyticsTimeseries } from './analytics-types.js';

/**
 * A span of whole 15-minute buckets: [from, to), both on a bucket edge (UTC).
 * The routes snap what the operator asked for before the store sees it.
 */
export interface AnalyticsRange {
  from: Date;
  to: Date;
}

export interface SummaryQuery extends AnalyticsRange {
  city: string;
}

export interface TimeseriesQuery extends AnalyticsRange {
  city: string;
  metric: AnalyticsMetric;
  /** from and to are on edges of this bucket too. */
  bucket: AnalyticsBucket;
}

export interface HeatmapQuery extends AnalyticsRange {
  city: string;
  metric: AnalyticsMetric;
}

/**
 * The operator analytics read side over business events: ClickHouse
 * (`business_events` and the 15-minute cell aggregates) in the full
 * profile, the relayed event file in the embedded one. Both adapters answer
 * with the same definitions (src/analytics/analytics-answers.ts).
 */
export interface AnalyticsStore {
  summary(query: SummaryQuery): Promise<AnalyticsSummary>;
  timeseries(query: TimeseriesQuery): Promise<AnalyticsTimeseries>;
  heatmap(query: HeatmapQuery): Promise<AnalyticsHeatmap>;
}
