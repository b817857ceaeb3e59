import { requireBearer, type RouteSpec } from '../http/index.js';
import type { Metrics } from './metrics.js';

/** `/metrics`; with a token, only `Authorization: Bearer <token>` reads it (401 otherwise). */
export function metricsRoutes(metrics: Metrics, token: string | null = null): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics of the service (every worker process)',
      tag: 'operations',
      ...(token === null
        ? {}
        : {
            security: 'metricsToken',
            authorize: (req, res) => {
              res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
              requireBearer(req, token, 'METRICS_TOKEN');
              res.removeHeader('WWW-Authenticate');
            },
          }),
      responses:
        token === null
          ? { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain' } }
          : {
              200: { description: 'Prometheus text exposition format', contentType: 'text/plain' },
              401: { description: 'METRICS_TOKEN is set and the request does not carry it' },
            },
      handler: async (_input, res) => {
        const body = await metrics.exposition();
        res.type(metrics.registry.contentType).send(body);
      },
    },
  ];
}
