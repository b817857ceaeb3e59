export { createMetrics, type InboxLoadReading, type Metrics, type PoolStats } from './metrics.js';
export { metricsRoutes } from './metrics-routes.js';
