import type { ErrorObject } from 'ajv';

export interface BecknSchemaIssue {
  /** JSON pointer into the message, e.g. /context/bpp_id or /message/order/items/0/id. */
  path: string;
  message: string;
  keyword: string;
}

function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The schema's title; errors carry their schemas because the validator runs Ajv in verbose mode. */
function titleOf(schema: unknown): string | undefined {
  const title = typeof schema === 'object' && schema !== null ? (schema as { title?: unknown }).title : undefined;
  return typeof title === 'string' ? title : undefined;
}

function toIssue(error: ErrorObject): BecknSchemaIssue {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const property = String(params.missingProperty);
      return { path: `${error.instancePath}/${escapePointerToken(property)}`, message: `required property ${property} is missing`, keyword: error.keyword };
    }
    case 'additionalProperties': {
      const property = String(params.additionalProperty);
      return { path: `${error.instancePath}/${escapePointerToken(property)}`, message: `property ${property} is not allowed`, keyword: error.keyword };
    }
    case 'enum':
      return { path: error.instancePath, message: allowedValues(params.allowedValues as unknown[]), keyword: error.keyword };
    case 'const':
      return { path: error.instancePath, message: allowedValues([params.allowedValue]), keyword: error.keyword };
    case 'pattern': {
      // A titled pattern reads better as its title than as the regular expression.
      const title = titleOf(error.parentSchema);
      return { path: error.instancePath, message: title ? `must be ${title}` : (error.message ?? 'is invalid'), keyword: error.keyword };
    }
    case 'contains': {
      const title = titleOf(error.schema);
      return { path: error.instancePath, message: title ? `must contain ${title}` : 'must contain a matching item', keyword: error.keyword };
    }
    default:
      return { path: error.instancePath, message: error.message ?? 'is invalid', keyword: error.keyword };
  }
}

// A one-value enum and a const read alike, so the core's action enum and a
// layer's action const collapse into one issue.
function allowedValues(values: readonly unknown[]): string {
  const listed = values.map((value) => JSON.stringify(value)).join(', ');
  return values.length === 1 ? `must be ${listed}` : `must be one of ${listed}`;
}

/**
 * Errors that only restate another: `if` says its `then`/`else` failed, which is
 * reported itself; inside a failed `contains` every item's mismatch is listed,
 * though the array, not any one item, is at fault.
 */
function isRestatement(error: ErrorObject): boolean {
  return error.keyword === 'if' || error.schemaPath.includes('/contains/');
}

/** Ajv errors of one schema -> issues with JSON-pointer paths. */
export function toBecknIssues(errors: readonly ErrorObject[] | null | undefined): BecknSchemaIssue[] {
  return (errors ?? []).filter((error) => !isRestatement(error)).map(toIssue);
}

/** Issues of the core schema and a profile layer -> one list sorted by path, each (path, message) once. */
export function mergeIssues(...lists: readonly BecknSchemaIssue[][]): BecknSchemaIssue[] {
  const unique = new Map<string, BecknSchemaIssue>();
  for (const issue of lists.flat()) {
    const key = `${issue.path}\u0000${issue.message}`;
    if (!unique.has(key)) unique.set(key, issue);
  }
  return [...unique.values()].sort(
    (a, b) => compare(a.path, b.path) || compare(a.keyword, b.keyword) || compare(a.message, b.message),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
