import express, { type Application } from 'express';
import { healthRoutes, type ReadinessCheck } from '../../infra/health/index.js';
import { errorHandler, httpMetrics, mountRoutes, requestContext, unknownRoute } from '../../infra/http/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import { metricsRoutes, type Metrics } from '../../infra/metrics/index.js';
import { SchemaRegistry } from '../../infra/validation/index.js';

export interface SinkAppDeps {
  readiness: Readonly<Record<string, ReadinessCheck>>;
  readinessTimeoutMs: number;
  isDraining: () => boolean;
  metrics: Metrics;
  /** Bearer token /metrics requires (METRICS_TOKEN); null: open. */
  metricsToken?: string | null;
  logger: Logger;
}

/**
 * The audit sink's operations surface: liveness, readiness and metrics from
 * the same route specs the service mounts, and nothing else.
 */
export function buildAuditSinkApp(deps: SinkAppDeps): Application {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const routes = [
    ...healthRoutes({ checks: deps.readiness, timeoutMs: deps.readinessTimeoutMs, isDraining: deps.isDraining }),
    ...metricsRoutes(deps.metrics, deps.metricsToken ?? null),
  ];
  app.use(requestContext);
  app.use(httpMetrics(deps.metrics, deps.logger));
  mountRoutes(app, routes, { body: new SchemaRegistry(), query: new SchemaRegistry({ coerceTypes: true }) });
  app.use(unknownRoute(routes));
  app.use(errorHandler(deps.logger));
  return app;
}
