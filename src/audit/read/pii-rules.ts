import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SchemaRegistry, describeSchemaErrors } from '../../infra/validation/index.js';
import { maskStyles, type MaskSpec } from './pii-mask-styles.js';

/** One masking rule, ready to apply. */
export interface PiiRule {
  id: string;
  /** Each path split on '.', with '*' and '**' wildcards. */
  paths: readonly (readonly string[])[];
  /** Null: the whole value is masked. */
  pattern: RegExp | null;
  mask: (text: string) => string;
}

export interface PiiRules {
  rules: readonly PiiRule[];
}

/** The rules shipped with beckn-ride, used when PII_RULES_FILE is not set. */
export const defaultPiiRulesFile = fileURLToPath(new URL('../pii-rules.json', import.meta.url));

const pathPattern = '^(\\*\\*|\\*|[^.*]+)(\\.(\\*\\*|\\*|[^.*]+))*$';
const rulesSchema = {
  $id: 'beckn-ride/audit-pii-rules',
  type: 'object',
  required: ['rules'],
  additionalProperties: false,
  properties: {
    $comment: { type: 'string' },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'paths', 'mask'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
          paths: { type: 'array', minItems: 1, items: { type: 'string', pattern: pathPattern } },
          pattern: { type: 'string', minLength: 1 },
          mask: {
            type: 'object',
            required: ['style'],
            additionalProperties: false,
            properties: {
              style: { enum: Object.keys(maskStyles) },
              keep: { type: 'integer', minimum: 0, maximum: 8 },
            },
          },
        },
      },
    },
  },
} as const;

const schemas = new SchemaRegistry();
const validateRules = schemas.validator(schemas.add(rulesSchema));

interface RuleInput {
  id: string;
  paths: string[];
  pattern?: string;
  mask: MaskSpec;
}

/** Checks and compiles rules given as data; `source` names them in errors. */
export function compilePiiRules(input: unknown, source: string): PiiRules {
  if (!validateRules(input)) {
    const problems = describeSchemaErrors(validateRules.errors).map((issue) => `${issue.path} ${issue.message}`);
    throw new Error(`PII rules ${source} are invalid: ${problems.join('; ')}`);
  }
  const seen = new Set<string>();
  const rules = (input as { rules: RuleInput[] }).rules.map((rule): PiiRule => {
    if (seen.has(rule.id)) throw new Error(`PII rules ${source}: rule id "${rule.id}" appears twice`);
    seen.add(rule.id);
    let pattern: RegExp | null = null;
    if (rule.pattern !== undefined) {
      try {
        pattern = new RegExp(rule.pattern, 'gu');
      } catch (error) {
        throw new Error(`PII rules ${source}: rule "${rule.id}" has an invalid pattern: ${(error as Error).message}`);
      }
    }
    const style = maskStyles[rule.mask.style];
    return { id: rule.id, paths: rule.paths.map((path) => path.split('.')), pattern, mask: (text) => style(text, rule.mask) };
  });
  return { rules };
}

/** Reads and compiles a rules file (the shipped one by default); a broken file fails at start, naming the problem. */
export async function loadPiiRules(path: string = defaultPiiRulesFile): Promise<PiiRules> {
  let input: unknown;
  try {
    input = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`PII rules ${path} cannot be read as JSON: ${(error as Error).message}`, { cause: error });
  }
  return compilePiiRules(input, path);
}
