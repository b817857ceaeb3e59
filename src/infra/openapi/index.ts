export { buildOpenApiDocument, toJsonSchema2020, toOpenApiPath, type OpenApiDocument, type OpenApiOptions } from './openapi.js';
