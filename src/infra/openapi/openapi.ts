import { errorBodySchema, httpStatusByCode } from '../http/error-catalogue.js';
import type { RouteSpec } from '../http/route-table.js';
import type { JsonSchema } from '../validation/index.js';

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
}

/** `/audit/messages/:recordId/raw` → `/audit/messages/{recordId}/raw` */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function componentName(id: string): string {
  return id.replace(/^.*\//, '').replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Builds the OpenAPI 3.1 document of the internal REST surface from the same
 * route specs (and JSON Schemas) that mount and validate the routes.
 */
export function buildOpenApiDocument(routes: readonly RouteSpec[], version: string): OpenApiDocument {
  const schemas: Record<string, JsonSchema> = {};
  const ref = (schema: JsonSchema) => {
    if (!schema.$id) return schema;
    const name = componentName(schema.$id);
    schemas[name] = schema;
    return { $ref: `#/components/schemas/${name}` };
  };
  const errorRef = ref(errorBodySchema as unknown as JsonSchema);
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
      parameters.push({ name, in: 'query', required: query?.required?.includes(name) ?? false, schema });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const contentType = response.contentType ?? 'application/json';
      responses[status] = {
        description: response.description,
        ...(response.schema ? { content: { [contentType]: { schema: ref(response.schema) } } } : {}),
      };
    }
    responses.default = { description: 'Error', content: { 'application/json': { schema: errorRef } } };
    if (route.security) securitySchemes[route.security] = { type: 'http', scheme: 'bearer' };
    paths[path] ??= {};
    paths[path][route.method] = {
      operationId: `${route.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: route.summary,
      tags: [route.tag],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.request?.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: ref(route.request.body) } } } }
        : {}),
      ...(route.security ? { security: [{ [route.security]: [] }] } : {}),
      responses,
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'beckn-ride internal REST API',
      version,
      description: `Operator, rider, driver, audit and operational routes. Error codes: ${Object.keys(httpStatusByCode).join(', ')}.`,
    },
    paths,
    components: { schemas, securitySchemes },
  };
}
