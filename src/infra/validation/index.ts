export { SchemaRegistry, describeSchemaErrors, type JsonSchema, type SchemaIssue } from './schema-registry.js';
export { isUuid } from './ids.js';
