import express, { type Application, type RequestHandler } from 'express';
import type { AppContext } from './context.js';
import { dashboardRoutes } from './dashboard/index.js';
import { healthRoutes } from './infra/health/index.js';
import {
  errorHandler,
  httpMetrics,
  jsonBody,
  mountRoutes,
  reenterRequestContext,
  requestContext,
  requireJsonBody,
  tokenRateLimit,
  unknownRoute,
  type RouteSpec,
} from './infra/http/index.js';
import { metricsRoutes } from './infra/metrics/index.js';
import { buildOpenApiDocument } from './infra/openapi/index.js';
import { SchemaRegistry } from './infra/validation/index.js';
import { version } from './version.js';

export interface BuiltApp {
  app: Application;
  /** Every internal route mounted, as documented in /openapi.json. */
  routes: readonly RouteSpec[];
}

/** The internal REST routes of every module, in the order they are mounted. */
function collectRoutes(ctx: AppContext): RouteSpec[] {
  return [
    ...healthRoutes({
      checks: ctx.readiness,
      timeoutMs: ctx.config.http.readinessTimeoutMs,
      isDraining: () => ctx.lifecycle.draining,
    }),
    ...metricsRoutes(ctx.metrics, ctx.config.http.metricsToken),
    ...(ctx.beckn.registry?.routes ?? []),
    ...ctx.beckn.protocol.routes,
    ...ctx.beckn.adminRoutes,
    ...ctx.auditRoutes,
    ...ctx.operatorRoutes,
    ...ctx.driverRoutes,
    ...ctx.riderRoutes,
    // The operator's dashboard reads the provider side's analytics: only where this process plays the BPP.
    ...(ctx.config.beckn.roles.includes('bpp') ? dashboardRoutes({ defaultCity: ctx.config.beckn.bap.cityCode }) : []),
  ];
}

/** Beckn endpoints: signed by their sender, outside the REST middleware of bearer tokens and parsed bodies. */
const isBecknPath = (path: string): boolean => path.startsWith('/beckn/');

/** Builds the HTTP application from a context; listening is the caller's business. */
export function buildApp(ctx: AppContext): BuiltApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const routes = collectRoutes(ctx);
  const openApiRoute: RouteSpec = {
    method: 'get',
    path: '/openapi.json',
    summary: 'This OpenAPI 3.1 document',
    tag: 'operations',
    responses: { 200: { description: 'The OpenAPI document of the internal REST API' } },
    handler: (_input, res) => {
      res.json(document);
    },
  };
  routes.push(openApiRoute);
  const document = buildOpenApiDocument(routes, version, { tokenRateLimited: (route) => !isBecknPath(route.path) });

  app.use(requestContext);
  app.use(httpMetrics(ctx.metrics, ctx.logger));
  app.use((_req, res, next) => {
    if (ctx.lifecycle.draining) res.setHeader('Connection', 'close');
    next();
  });
  // Beckn endpoints read their raw bytes themselves: the signature covers the bytes as sent.
  const notBeckn = (middleware: RequestHandler): RequestHandler => (req, res, next) =>
    isBecknPath(req.path) ? next() : middleware(req, res, next);
  // Before the body is read: a token over its budget costs no parsing.
  app.use(notBeckn(tokenRateLimit(ctx.rateLimiter, ctx.config.http.apiRateLimitPerMinute)));
  app.use(notBeckn(requireJsonBody));
  app.use(notBeckn(jsonBody(ctx.config.http.bodyLimitBytes)));
  app.use(reenterRequestContext);
  mountRoutes(app, routes, { body: new SchemaRegistry(), query: new SchemaRegistry({ coerceTypes: true }) });
  app.use(unknownRoute(routes));
  app.use(errorHandler(ctx.logger));
  return { app, routes };
}
