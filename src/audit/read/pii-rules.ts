import { readFile } from 'node:fs/promises';
import { SchemaRegistry, describeSchemaErrors } from '../../infra/validation/index.js';
import { sourceTreePath } from '../../source-tree.js';
import { finders, patternFinder, type Finder, type FinderName } from './pii-finders.js';
import { maskStyles, type MaskSpec } from './pii-mask-styles.js';
import { maxPathSegments } from './pii-paths.js';

/** One masking rule, ready to apply. */
export interface PiiRule {
  id: string;
  /** Indexes of the rule's paths in `PiiRules.paths`. */
  paths: readonly number[];
  /** What a text rule masks in a string; null: the whole value is masked. */
  finder: Finder | null;
  mask: (text: string) => string;
}

export interface PiiRules {
  rules: readonly PiiRule[];
  /** Every rule's paths, each split on '.', with '*' and '**' wildcards. */
  paths: readonly (readonly string[])[];
}

/** The rules shipped with beckn-ride, used when PII_RULES_FILE is not set. */
export const defaultPiiRulesFile = sourceTreePath(new URL('../pii-rules.json', import.meta.url));

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
          $comment: { type: 'string' },
          paths: { type: 'array', minItems: 1, items: { type: 'string', pattern: pathPattern } },
          pattern: { type: 'string', minLength: 1 },
          find: { enum: Object.keys(finders) },
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
  find?: FinderName;
  mask: MaskSpec;
}

/** Most repetitions a bounded quantifier may allow. */
const maxRepeat = 256;

/**
 * Why a pattern could take more than linear time, or null. A pattern whose
 * every repetition is bounded ({n,m} with m at most 256) and that refers back
 * to no group examines a bounded window at each position, so scanning a
 * string costs time linear in its length; '*', '+', '{n,}' and back-references
 * are refused, since one of them over a long run of the right characters
 * makes a backtracking engine retry from every position.
 */
function superLinearFeature(source: string): string | null {
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i];
    if (char === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9k]/.test(next)) return 'a back-reference';
      // \p{..} and \u{..} carry braces that are not a quantifier.
      const close = source.indexOf('}', i);
      i = /[pPu]/.test(next) && source[i + 2] === '{' && close !== -1 ? close : i + 1;
    } else if (char === '[') {
      for (i += 1; i < source.length && source[i] !== ']'; i += 1) if (source[i] === '\\') i += 1;
    } else if (char === '*' || char === '+') {
      return `unbounded repetition ('${char}')`;
    } else if (char === '{') {
      const bound = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (bound === null) continue;
      const upper = bound[2] === undefined ? bound[1] : bound[3];
      if (upper === '') return `unbounded repetition ('${bound[0]}')`;
      if (Number(upper) > maxRepeat) return `a repetition of more than ${maxRepeat} ('${bound[0]}')`;
    }
  }
  return null;
}

function compileFinder(rule: RuleInput, source: string): Finder | null {
  if (rule.find !== undefined && rule.pattern !== undefined) {
    throw new Error(`PII rules ${source}: rule "${rule.id}" must give either find or pattern, not both`);
  }
  if (rule.find !== undefined) return finders[rule.find];
  if (rule.pattern === undefined) return null;
  let pattern: RegExp;
  try {
    pattern = new RegExp(rule.pattern, 'gu');
  } catch (error) {
    throw new Error(`PII rules ${source}: rule "${rule.id}" has an invalid pattern: ${(error as Error).message}`);
  }
  const feature = superLinearFeature(rule.pattern);
  if (feature !== null) {
    throw new Error(`PII rules ${source}: rule "${rule.id}" has a pattern with ${feature}; bound every repetition, e.g. {1,64}`);
  }
  return patternFinder(pattern);
}

/** Checks and compiles rules given as data; `source` names them in errors. */
export function compilePiiRules(input: unknown, source: string): PiiRules {
  if (!validateRules(input)) {
    const problems = describeSchemaErrors(validateRules.errors).map((issue) => `${issue.path} ${issue.message}`);
    throw new Error(`PII rules ${source} are invalid: ${problems.join('; ')}`);
  }
  const seen = new Set<string>();
  const paths: string[][] = [];
  const rules = (input as { rules: RuleInput[] }).rules.map((rule): PiiRule => {
    if (seen.has(rule.id)) throw new Error(`PII rules ${source}: rule id "${rule.id}" appears twice`);
    seen.add(rule.id);
    const finder = compileFinder(rule, source);
    const indexes = rule.paths.map((path) => {
      const segments = path.split('.');
      if (segments.length > maxPathSegments) {
        throw new Error(`PII rules ${source}: rule "${rule.id}" has a path of more than ${maxPathSegments} keys`);
      }
      return paths.push(segments) - 1;
    });
    const style = maskStyles[rule.mask.style];
    return { id: rule.id, paths: indexes, finder, mask: (text) => style(text, rule.mask) };
  });
  return { rules, paths };
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
