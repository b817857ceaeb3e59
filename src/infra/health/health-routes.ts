import type { RouteSpec } from '../http/index.js';
import { runReadinessChecks, type ReadinessCheck } from './readiness.js';

export interface HealthDeps {
  checks: Readonly<Record<string, ReadinessCheck>>;
  timeoutMs: number;
  /** True once shutdown has begun: the instance must leave the load balancer. */
  isDraining: () => boolean;
}

const checkSchema = {
  type: 'object',
  required: ['status', 'latency_ms'],
  properties: {
    status: { type: 'string', enum: ['ok', 'failing'] },
    latency_ms: { type: 'number' },
    error: { type: 'string' },
  },
};

const readinessSchema = {
  $id: 'beckn-ride/readiness',
  type: 'object',
  required: ['status', 'checks', 'failing'],
  properties: {
    status: { type: 'string', enum: ['ready', 'unavailable'] },
    draining: { type: 'boolean' },
    failing: { type: 'array', items: { type: 'string' } },
    checks: { type: 'object', additionalProperties: checkSchema },
  },
};

const livenessSchema = {
  $id: 'beckn-ride/liveness',
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', const: 'ok' } },
};

export function healthRoutes(deps: HealthDeps): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/health/live',
      summary: 'The process is up and serving HTTP',
      tag: 'operations',
      responses: { 200: { description: 'Alive', schema: livenessSchema } },
      handler: (_input, res) => {
        res.json({ status: 'ok' });
      },
    },
    {
      method: 'get',
      path: '/health/ready',
      summary: 'Every dependency answers; 503 names each failing one',
      tag: 'operations',
      responses: {
        200: { description: 'Ready to take traffic', schema: readinessSchema },
        503: { description: 'Not ready: a dependency fails or shutdown has begun', schema: readinessSchema },
      },
      handler: async (_input, res) => {
        const checks = await runReadinessChecks(deps.checks, deps.timeoutMs);
        const failing = Object.keys(checks).filter((name) => checks[name]?.status === 'failing');
        const draining = deps.isDraining();
        if (draining) failing.push('shutdown');
        const ready = failing.length === 0;
        res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', draining, failing, checks });
      },
    },
  ];
}
