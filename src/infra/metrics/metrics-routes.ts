import type { RouteSpec } from '../http/index.js';
import type { Metrics } from './metrics.js';

export function metricsRoutes(metrics: Metrics): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics of this process',
      tag: 'operations',
      responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain' } },
      handler: async (_input, res) => {
        const body = await metrics.registry.metrics();
        res.type(metrics.registry.contentType).send(body);
      },
    },
  ];
}
