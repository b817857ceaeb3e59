import { Ajv, type AnySchema, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { becknActions, type BecknAction } from './actions.js';
import { coreOverridesKeyword, readCoreOverrides, withoutOverridden } from './core-overrides.js';
import { coreSchemaId, profileForDomain, profileSchemaId } from './profiles.js';
import { readSchemaFiles } from './schema-files.js';
import { mergeIssues, toBecknIssues, type BecknSchemaIssue } from './schema-issues.js';
import { sourceTreePath } from '../../source-tree.js';

export interface BecknValidator {
  /** Core schema of the action, then the profile layer for context.domain when one exists. Empty array = valid. */
  validate(action: BecknAction, body: unknown): BecknSchemaIssue[];
  readonly schemaIds: readonly string[];
  /** Validation functions Ajv has generated so far; all are made at construction, none per message. */
  readonly compilations: number;
}

export const defaultSchemasDir = sourceTreePath(new URL('../../../beckn-schemas', import.meta.url));

function domainOf(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return undefined;
  const context = (body as { context?: unknown }).context;
  return typeof context === 'object' && context !== null ? (context as { domain?: unknown }).domain : undefined;
}

function failure(file: string, what: string, error: unknown): Error {
  return new Error(`beckn schema ${file} ${what}: ${error instanceof Error ? error.message : String(error)}`);
}

interface CompiledSchema {
  validate: ValidateFunction;
  coreOverrides: ReadonlySet<string>;
}

/**
 * Loads every schema file under `schemasDir` into one Ajv instance and compiles
 * each once, so a broken schema stops the process at boot rather than failing
 * a request later.
 */
export function createBecknValidator(options: { schemasDir?: string } = {}): BecknValidator {
  const files = readSchemaFiles(options.schemasDir ?? defaultSchemasDir);
  let compilations = 0;
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    // Errors carry their schema, so a failed `contains` can say what it looked for.
    verbose: true,
    // The generator turns OpenAPI `nullable` into a ["type", "null"] pair; the ONDC rating layer takes a string or a number.
    allowUnionTypes: true,
    code: {
      process: (source) => {
        compilations += 1;
        return source;
      },
    },
  });
  addFormats.default(ajv);
  ajv.addKeyword({ keyword: coreOverridesKeyword, schemaType: 'array' });

  for (const { file, schema } of files) {
    try {
      ajv.addSchema(schema as AnySchema);
    } catch (error) {
      throw failure(file, 'is invalid', error);
    }
  }
  const compiled = new Map<string, CompiledSchema>();
  for (const file of files) {
    let validate: ValidateFunction | undefined;
    try {
      validate = ajv.getSchema(file.id);
    } catch (error) {
      throw failure(file.file, 'does not compile', error);
    }
    if (validate) compiled.set(file.id, { validate, coreOverrides: readCoreOverrides(file) });
  }
  const missing = becknActions.filter((action) => !compiled.has(coreSchemaId(action)));
  if (missing.length > 0) throw new Error(`beckn schemas lack the core schema of ${missing.join(', ')}`);

  return {
    schemaIds: files.map(({ id }) => id),
    get compilations() {
      return compilations;
    },
    validate(action, body) {
      const core = compiled.get(coreSchemaId(action));
      if (!core) throw new Error(`not a Beckn action: ${String(action)}`);
      core.validate(body);
      const coreIssues = toBecknIssues(core.validate.errors);
      const profile = profileForDomain(domainOf(body));
      const layer = profile && compiled.get(profileSchemaId(profile, action));
      if (!layer) return mergeIssues(coreIssues);
      layer.validate(body);
      return mergeIssues(withoutOverridden(coreIssues, layer.coreOverrides), toBecknIssues(layer.validate.errors));
    },
  };
}
