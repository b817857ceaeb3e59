import express, { type Application } from 'express';
import type { AppContext } from '../src/context.js';
import { healthRoutes } from '../src/infra/health/index.js';
import {
  errorHandler,
  httpMetrics,
  jsonBody,
  mountRoutes,
  reenterRequestContext,
  requestContext,
  requireJsonBody,
  unknownRoute,
} from '../src/infra/http/index.js';
import { SchemaRegistry } from '../src/infra/validation/index.js';
import type { Registry } from './registry.js';

/**
 * The HTTP app of a registry running alone: health and registry routes only,
 * behind the same edge (request ids, metrics, JSON bodies with their raw
 * bytes, error bodies) as the full service's app.
 */
export function buildRegistryApp(ctx: AppContext, registry: Registry): Application {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const routes = [
    ...healthRoutes({
      checks: ctx.readiness,
      timeoutMs: ctx.config.http.readinessTimeoutMs,
      isDraining: () => ctx.lifecycle.draining,
    }),
    ...registry.routes,
  ];
  app.use(requestContext);
  app.use(httpMetrics(ctx.metrics, ctx.logger));
  app.use(requireJsonBody);
  app.use(jsonBody(ctx.config.http.bodyLimitBytes));
  app.use(reenterRequestContext);
  mountRoutes(app, routes, { body: new SchemaRegistry(), query: new SchemaRegistry({ coerceTypes: true }) });
  app.use(unknownRoute(routes));
  app.use(errorHandler(ctx.logger));
  return app;
}
