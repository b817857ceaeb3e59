export type { AnalyticsRange, AnalyticsStore, HeatmapQuery, SummaryQuery, TimeseriesQuery } from './analytics-store.js';
export * from './analytics-types.js';
export { createClickHouseAnalyticsStore } from './clickhouse-analytics-store.js';
export { createFileAnalyticsStore } from './file-analytics-store.js';
export { analyticsRoutes, type AnalyticsRoutesOptions } from './analytics-routes.js';
