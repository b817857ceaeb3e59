export { buildOpenApiDocument, toOpenApiPath, type OpenApiDocument } from './openapi.js';
