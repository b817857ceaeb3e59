/**
 * Derives src/protocol/conformance/trv10-2.0.1-attributes.json from the ONDC
 * TRV10 2.0.1 specification build (`x-attributes.on-demand.attribute_set` of
 * build.yaml): for every action, each attribute path with its `required`
 * (MANDATORY / OPTIONAL) and `owner`, and each tag group with its list codes.
 *
 * In the spec an object's own requirement is its `_description` entry; here it
 * becomes the object's path. A tag group is keyed by its code under the `tags`
 * path of the object that carries it.
 *
 * Usage: node --import tsx scripts/generate-conformance-attributes.ts [--check] [--spec FILE]
 *   --check  write nothing; exit 1 if regenerating would change the data file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

type Requirement = 'MANDATORY' | 'OPTIONAL';
interface AttributeRule {
  required: Requirement;
  owner: string;
}
interface TagGroupRule extends AttributeRule {
  list: Record<string, AttributeRule>;
}
interface ActionRules {
  attributes: Record<string, AttributeRule>;
  tags: Record<string, Record<string, TagGroupRule>>;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const defaultSpec = resolve(repoRoot, '../shared/beckn/ondc-trv10-2.0.1/build.yaml');
const outFile = resolve(repoRoot, 'src/protocol/conformance/trv10-2.0.1-attributes.json');

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(node: Record<string, unknown>): boolean {
  return typeof node.required === 'string';
}

function requirement(node: Record<string, unknown>, where: string): Requirement {
  const value = String(node.required).toUpperCase();
  if (value !== 'MANDATORY' && value !== 'OPTIONAL') throw new Error(`${where}: unknown requirement ${String(node.required)}`);
  return value;
}

function rule(node: Record<string, unknown>, where: string): AttributeRule {
  return { required: requirement(node, where), owner: String(node.owner ?? '') };
}

function collect(node: Record<string, unknown>, path: string[], out: ActionRules): void {
  for (const [key, child] of Object.entries(node)) {
    if (!isObject(child)) continue;
    const here = [...path, key];
    if (key === '_description') {
      out.attributes[path.join('.')] = rule(child, here.join('.'));
    } else if (key === 'tags' && !isLeaf(child)) {
      const groups: Record<string, TagGroupRule> = {};
      for (const [code, group] of Object.entries(child)) {
        if (!isObject(group) || !isLeaf(group)) throw new Error(`${here.join('.')}.${code}: tag group without requirement`);
        const list: Record<string, AttributeRule> = {};
        for (const [item, itemRule] of Object.entries(isObject(group.list) ? group.list : {})) {
          if (isObject(itemRule)) list[item] = rule(itemRule, `${here.join('.')}.${code}.${item}`);
        }
        groups[code] = { ...rule(group, `${here.join('.')}.${code}`), list };
      }
      out.tags[here.join('.')] = groups;
    } else if (isLeaf(child)) {
      out.attributes[here.join('.')] = rule(child, here.join('.'));
    } else {
      collect(child, here, out);
    }
  }
}

function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key] as T]));
}

function main(): void {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const specIndex = args.indexOf('--spec');
  const specFile = specIndex >= 0 ? resolve(args[specIndex + 1] ?? '') : defaultSpec;
  const spec = parse(readFileSync(specFile, 'utf8'), { maxAliasCount: -1 }) as Record<string, unknown>;
  const sets = (spec['x-attributes'] as Record<string, { attribute_set?: Record<string, unknown> }> | undefined) ?? {};
  const useCase = Object.keys(sets)[0];
  const attributeSet = useCase ? sets[useCase]?.attribute_set : undefined;
  if (!useCase || !isObject(attributeSet)) throw new Error(`${specFile}: no x-attributes attribute_set`);
  const actions: Record<string, ActionRules> = {};
  for (const [action, tree] of Object.entries(attributeSet)) {
    if (!isObject(tree)) continue;
    const rules: ActionRules = { attributes: {}, tags: {} };
    collect(tree, [], rules);
    actions[action] = { attributes: sorted(rules.attributes), tags: sorted(rules.tags) };
  }
  const info = isObject(spec.info) ? spec.info : {};
  const data = {
    source: 'ondc-trv10-2.0.1/build.yaml x-attributes',
    domain: String(info.domain ?? 'ONDC:TRV10'),
    version: '2.0.1',
    useCase,
    actions: sorted(actions),
  };
  const text = `${JSON.stringify(data, null, 2)}\n`;
  if (check) {
    let current = '';
    try {
      current = readFileSync(outFile, 'utf8');
    } catch {
      current = '';
    }
    if (current !== text) {
      console.error(`${outFile} is out of date: run node --import tsx scripts/generate-conformance-attributes.ts`);
      process.exit(1);
    }
    console.log(`${outFile} is up to date`);
    return;
  }
  writeFileSync(outFile, text);
  console.log(`wrote ${outFile}: ${Object.keys(actions).length} actions`);
}

main();
