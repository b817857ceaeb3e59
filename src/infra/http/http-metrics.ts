import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { logFieldsOf } from './request-context.js';

/**
 * Counts and times every request by route pattern (never the raw URL, to keep
 * label cardinality bounded) and writes one access log line.
 */
export function httpMetrics(metrics: Metrics, logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const action = typeof res.locals.becknAction === 'string' ? res.locals.becknAction : 'none';
      const labels = { route, action, status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
      logger.info(
        { ...logFieldsOf(res), method: req.method, route, status: res.statusCode, duration_ms: Math.round(seconds * 1e4) / 10 },
        'request completed',
      );
    });
    next();
  };
}
