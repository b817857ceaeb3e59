import type { NextFunction, Request, Response } from 'express';
import { toOpenApiPath } from '../openapi/index.js';
import { AppError } from './app-error.js';
import type { RouteSpec } from './route-table.js';

function matcher(path: string): RegExp {
  const pattern = toOpenApiPath(path)
    .split('/')
    .map((segment) => (/^\{.+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}/?$`);
}

/** Answers requests no route took: 405 with `Allow` when the path exists, 404 otherwise. */
export function unknownRoute(routes: readonly RouteSpec[]) {
  const known = routes.map((route) => ({ method: route.method.toUpperCase(), match: matcher(route.path) }));
  return (req: Request, res: Response, next: NextFunction): void => {
    const allowed = known.filter((route) => route.match.test(req.path)).map((route) => route.method);
    if (allowed.length > 0) {
      res.setHeader('Allow', [...new Set(allowed)].join(', '));
      next(new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}`));
      return;
    }
    next(new AppError('ROUTE_NOT_FOUND', `no route for ${req.method} ${req.path}`));
  };
}
