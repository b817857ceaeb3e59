import type { ErrorCode } from '../http/app-error.js';
import { errorBodySchema, httpStatusByCode } from '../http/error-catalogue.js';
import type { RouteSpec } from '../http/route-table.js';
import type { JsonSchema } from '../validation/index.js';

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  servers: { url: string; description: string }[];
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
}

export interface OpenApiOptions {
  /**
   * Whether a route sits behind the per-token rate limit (429 RATE_LIMITED
   * once the bearer token a request carries is over its budget).
   */
  tokenRateLimited?: (route: RouteSpec) => boolean;
}

/** `/audit/messages/:recordId/raw` → `/audit/messages/{recordId}/raw` */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function componentName(id: string): string {
  return id.replace(/^.*\//, '').replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Keywords whose values are instances, not schemas: copied as they are. */
const instanceKeywords = new Set(['const', 'enum', 'default', 'examples', 'example']);

/**
 * The request schemas are written for the validator's JSON Schema draft 7;
 * OpenAPI 3.1 speaks draft 2020-12, where a tuple is `prefixItems` (and what
 * follows it `items`), and array-form `items` is invalid. Returns a converted
 * copy; the validator keeps the original.
 */
export function toJsonSchema2020(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema2020);
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as Record<string, unknown>;
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'items' && Array.isArray(value)) converted.prefixItems = value.map(toJsonSchema2020);
    else if (key === 'additionalItems') {
      if (Array.isArray(source.items)) converted.items = toJsonSchema2020(value);
    } else if (key === 'properties' || key === 'patternProperties' || key === 'definitions' || key === '$defs') {
      converted[key === 'definitions' ? '$defs' : key] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([name, child]) => [name, toJsonSchema2020(child)]),
      );
    } else converted[key] = typeof value === 'object' && !instanceKeywords.has(key) ? toJsonSchema2020(value) : value;
  }
  return converted;
}

/** The error codes the error handler answers with one HTTP status. */
function codesOf(status: number): ErrorCode[] {
  return (Object.entries(httpStatusByCode) as [ErrorCode, number][]).filter(([, s]) => s === status).map(([code]) => code);
}

/**
 * The client errors every route of a kind answers, whatever its handler does:
 * what the shared middleware refuses before the handler runs.
 */
function sharedClientErrors(route: RouteSpec, rateLimited: boolean): Record<number, string> {
  const errors: Record<number, string> = {};
  if (route.request?.body) {
    errors[400] = 'INVALID_JSON (the body is not JSON) or VALIDATION_FAILED (details name each field the schema refuses)';
    errors[413] = 'PAYLOAD_TOO_LARGE: the body is over HTTP_BODY_LIMIT_BYTES';
    errors[415] = 'UNSUPPORTED_MEDIA_TYPE: a body that is not application/json';
  } else if (route.request?.query) {
    errors[400] = 'VALIDATION_FAILED: details name each query parameter the schema refuses';
  }
  if (route.security) errors[401] = `UNAUTHORIZED: no Authorization: Bearer <${route.security}>, or another token`;
  if (rateLimited) errors[429] = 'RATE_LIMITED: the bearer token this request carries is over API_RATE_LIMIT_PER_MINUTE (Retry-After)';
  return errors;
}

/**
 * Builds the OpenAPI 3.1 document of the internal REST surface from the same
 * route specs (and JSON Schemas) that mount and validate the routes. Every
 * operation states its security (`[]` when public) and its client errors:
 * those its route declares and those the shared middleware answers, each
 * with the JSON error body of the error handler.
 */
export function buildOpenApiDocument(routes: readonly RouteSpec[], version: string, options: OpenApiOptions = {}): OpenApiDocument {
  const schemas: Record<string, JsonSchema> = {};
  const ref = (schema: JsonSchema) => {
    if (!schema.$id) return toJsonSchema2020(schema);
    const name = componentName(schema.$id);
    schemas[name] = toJsonSchema2020(schema) as JsonSchema;
    return { $ref: `#/components/schemas/${name}` };
  };
  const errorRef = ref(errorBodySchema as unknown as JsonSchema);
  const errorContent = { 'application/json': { schema: errorRef } };
  const securitySchemes: Record<string, unknown> = {};
  const paths: OpenApiDocument['paths'] = {};

  for (const route of routes) {
    const path = toOpenApiPath(route.path);
    const parameters: unknown[] = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const query = route.request?.query as { properties?: Record<string, unknown>; required?: string[] } | undefined;
    for (const [name, schema] of Object.entries(query?.properties ?? {})) {
      parameters.push({ name, in: 'query', required: query?.required?.includes(name) ?? false, schema: toJsonSchema2020(schema) });
    }
    const responses: Record<string, unknown> = {};
    const shared = sharedClientErrors(route, options.tokenRateLimited?.(route) ?? false);
    const statuses = [...new Set([...Object.keys(route.responses), ...Object.keys(shared)].map(Number))].sort((a, b) => a - b);
    for (const status of statuses) {
      const response = route.responses[status];
      if (response) {
        const contentType = response.contentType ?? 'application/json';
        const content = response.schema ? { [contentType]: { schema: ref(response.schema) } } : status >= 400 ? errorContent : undefined;
        responses[status] = { description: response.description, ...(content ? { content } : {}) };
      } else {
        responses[status] = { description: shared[status], content: errorContent };
      }
    }
    const serverErrors = [...new Set([500, 503].flatMap(codesOf))].join(', ');
    responses.default = { description: `Any other error, as the JSON error body (${serverErrors} among them)`, content: errorContent };
    let security: Record<string, string[]>[] = [];
    if (route.security) {
      securitySchemes[route.security] = { type: 'http', scheme: 'bearer' };
      security = [{ [route.security]: [] }];
    } else if (route.signature) {
      securitySchemes[route.signature.scheme] = { type: 'apiKey', in: 'header', name: 'Authorization', description: route.signature.description };
      security = [{ [route.signature.scheme]: [] }];
    }
    paths[path] ??= {};
    paths[path][route.method] = {
      operationId: `${route.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: route.summary,
      tags: [route.tag],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.request?.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: ref(route.request.body) } } } }
        : {}),
      security,
      responses,
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'beckn-ride internal REST API',
      version,
      description: `Operator, rider, driver, audit and operational routes. Error codes: ${Object.keys(httpStatusByCode).join(', ')}.`,
      license: { name: 'Apache 2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/', description: 'The beckn-ride process serving this document' }],
    paths,
    components: { schemas, securitySchemes },
  };
}
