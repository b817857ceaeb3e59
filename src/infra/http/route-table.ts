import type { Application, NextFunction, Request, Response } from 'express';
import { describeSchemaErrors, type JsonSchema, type SchemaRegistry } from '../validation/index.js';
import { AppError } from './app-error.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteInput {
  body: unknown;
  query: Record<string, unknown>;
  params: Record<string, string>;
  /** Exact request bytes as received (empty when there was no body). */
  rawBody: Buffer;
  req: Request;
}

export interface ResponseSpec {
  description: string;
  /** Defaults to application/json. */
  contentType?: string;
  schema?: JsonSchema;
}

/**
 * One internal route: what it accepts, what it answers and its handler. The
 * same description mounts the route, validates its input and documents it in
 * `/openapi.json`, so the three never disagree.
 */
export interface RouteSpec {
  method: HttpMethod;
  /** Express syntax, full path from the root: `/audit/messages/:recordId/raw`. */
  path: string;
  summary: string;
  tag: string;
  /** Bearer token scheme name, when the route needs one. */
  security?: string;
  /**
   * The credential a route checks itself instead of a bearer token (a Beckn
   * signature, a payment gateway's webhook credentials), documented as an API
   * key scheme of the Authorization header. A route with neither this nor
   * `security` is public, and documented so (`security: []`).
   */
  signature?: { scheme: string; description: string };
  /**
   * Runs before the input is validated, so an unauthenticated caller learns
   * nothing from validation errors; may be async (e.g. a token looked up in the database).
   */
  authorize?: (req: Request, res: Response) => Promise<void> | void;
  request?: { body?: JsonSchema; query?: JsonSchema };
  responses: Record<number, ResponseSpec>;
  handler: (input: RouteInput, res: Response) => Promise<void> | void;
}

type Check = (value: unknown) => void;

function checker(registry: SchemaRegistry, schema: JsonSchema | undefined, where: string): Check | undefined {
  if (!schema) return undefined;
  const validate = registry.validator(registry.add(schema));
  return (value) => {
    if (!validate(value)) {
      throw new AppError('VALIDATION_FAILED', `invalid request ${where}`, describeSchemaErrors(validate.errors));
    }
    const path = nonFiniteNumber(value);
    if (path !== null) throw new AppError('VALIDATION_FAILED', `invalid request ${where}`, [{ path, message: 'must be a finite number' }]);
  };
}

/**
 * Ajv lets Infinity through `integer` and `maximum` (a query's "Infinity" or
 * "1e309" coerced, a body's 1e309 parsed): the JSON pointer of the first
 * non-finite number, or null. Walks with an explicit stack, so any depth.
 */
function nonFiniteNumber(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [current, path] = stack.pop() as [unknown, string];
    if (typeof current === 'number') {
      if (!Number.isFinite(current)) return path || '/';
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, child] of Object.entries(current)) stack.push([child, `${path}/${key}`]);
    }
  }
  return null;
}

/**
 * Mounts every route directly on the app (no nested routers), so the mounted
 * surface can be read back and compared with the OpenAPI document.
 */
export function mountRoutes(
  app: Application,
  routes: readonly RouteSpec[],
  registries: { body: SchemaRegistry; query: SchemaRegistry },
): void {
  for (const route of routes) {
    const checkBody = checker(registries.body, route.request?.body, 'body');
    const checkQuery = checker(registries.query, route.request?.query, 'query');
    app[route.method](route.path, async (req: Request, res: Response, next: NextFunction) => {
      try {
        await route.authorize?.(req, res);
        const query: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
        checkQuery?.(query);
        // A route with a body schema reads a request sent without a body as an empty object.
        const body: unknown = checkBody ? (req.body ?? {}) : req.body;
        checkBody?.(body);
        const rawBody = (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
        await route.handler({ body, query, params: req.params as Record<string, string>, rawBody, req }, res);
      } catch (error) {
        next(error);
      }
    });
  }
  registries.body.compileAll();
  registries.query.compileAll();
}
