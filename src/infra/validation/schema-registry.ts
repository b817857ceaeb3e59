import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export interface SchemaIssue {
  path: string;
  message: string;
}

export type JsonSchema = Record<string, unknown> & { $id?: string };

/**
 * The schemas of one family (e.g. internal REST requests): each must carry a
 * unique `$id`; all are compiled once at boot, so a broken schema stops the
 * process at start rather than failing a request later.
 */
export class SchemaRegistry {
  private readonly ajv: Ajv;
  private readonly schemas = new Map<string, JsonSchema>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(options: { coerceTypes?: boolean } = {}) {
    this.ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: options.coerceTypes ?? false });
    addFormats.default(this.ajv);
  }

  add(schema: JsonSchema): string {
    const id = schema.$id;
    if (typeof id !== 'string' || id === '') throw new Error('schema without $id cannot be registered');
    const existing = this.schemas.get(id);
    if (existing === schema) return id;
    if (existing) throw new Error(`duplicate schema $id ${id}`);
    this.schemas.set(id, schema);
    this.ajv.addSchema(schema as AnySchema);
    return id;
  }

  /** Compiles every registered schema; call once at boot. */
  compileAll(): void {
    for (const id of this.schemas.keys()) this.validator(id);
  }

  validator(id: string): ValidateFunction {
    let validate = this.compiled.get(id);
    if (!validate) {
      validate = this.ajv.getSchema(id);
      if (!validate) throw new Error(`unknown schema ${id}`);
      this.compiled.set(id, validate);
    }
    return validate;
  }

  get(id: string): JsonSchema | undefined {
    return this.schemas.get(id);
  }

  all(): JsonSchema[] {
    return [...this.schemas.values()];
  }
}

export function describeSchemaErrors(errors: ErrorObject[] | null | undefined): SchemaIssue[] {
  return (errors ?? []).map((error) => ({
    path: error.instancePath === '' ? '/' : error.instancePath,
    message:
      error.keyword === 'additionalProperties'
        ? `unknown property ${String((error.params as { additionalProperty: string }).additionalProperty)}`
        : (error.message ?? 'is invalid'),
  }));
}
