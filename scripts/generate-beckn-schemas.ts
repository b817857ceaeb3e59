/**
 * Derives beckn-schemas/core/ from the official Beckn core 1.1.0 transaction
 * OpenAPI file: one JSON Schema per action and callback (the request body of
 * `POST /<action>`), plus components.json holding every component schema under
 * `$defs`, so a `$ref` into a component keeps its JSON pointer.
 *
 * Usage: node --import tsx scripts/generate-beckn-schemas.ts [--check] [--spec FILE] [--out DIR]
 *   --check  write nothing; exit 1 if regenerating would change beckn-schemas/core/.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { parse } from 'yaml';
import { becknActions } from '../src/protocol/schemas/actions.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const schemaBase = 'https://beckn-ride.dev/schemas/core/1.1.0/';
const componentsFile = 'components.json';


// Keywords whose value is a map of name -> schema, a single schema, or a list of schemas.
const schemaMaps = new Set(['properties', 'patternProperties', '$defs']);
const singleSchemas = new Set(['items', 'additionalProperties', 'not']);
const schemaLists = new Set(['allOf', 'anyOf', 'oneOf']);
// OpenAPI-only annotations with no JSON Schema meaning; Ajv's strict mode rejects them.
const droppedKeywords = new Set(['discriminator', 'xml', 'externalDocs', 'readOnly', 'writeOnly']);
const knownFormats = new Set(Object.keys(fullFormats));

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rewriteRef(ref: string, fromComponents: boolean): string {
  const prefix = '#/components/schemas/';
  if (!ref.startsWith(prefix)) throw new Error(`unsupported $ref ${ref}: only component schemas can be referenced`);
  return `${fromComponents ? '' : componentsFile}#/$defs/${ref.slice(prefix.length)}`;
}

/**
 * OpenAPI 3.0 schema object -> draft-07 JSON Schema that Ajv accepts in strict
 * mode. The structure is kept node for node (no keys added under `allOf` and
 * friends), so pointers such as `Context/properties/bap_id/allOf/0` still resolve.
 */
function convertSchema(node: Json, fromComponents: boolean): Json {
  if (!isObject(node)) throw new Error(`schema expected, got ${JSON.stringify(node)}`);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (droppedKeywords.has(key)) continue;
    if (key === '$ref' && typeof value === 'string') out.$ref = rewriteRef(value, fromComponents);
    else if (key === 'example') out.examples = [value];
    else if (key === 'nullable') continue;
    else if (key === 'format' && typeof value === 'string' && !knownFormats.has(value)) {
      out.$comment = `The spec names format "${value}", which no JSON Schema vocabulary defines; left unchecked.`;
    } else if (schemaMaps.has(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, convertSchema(child, fromComponents)]));
    } else if (singleSchemas.has(key) && isObject(value)) out[key] = convertSchema(value, fromComponents);
    else if (schemaLists.has(key) && Array.isArray(value)) out[key] = value.map((child) => convertSchema(child, fromComponents));
    else out[key] = value;
  }
  if (node.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  // OpenAPI reads an untyped schema with `properties` as an object schema (e.g.
  // Agent); Ajv's strictTypes wants that said explicitly.
  if (out.type === undefined && (out.properties !== undefined || out.required !== undefined)) out.type = 'object';
  return out;
}

function requestSchema(spec: JsonObject, action: string): JsonObject {
  const post = (spec.paths as JsonObject)[`/${action}`];
  const operation = isObject(post) ? post.post : undefined;
  if (!isObject(operation)) throw new Error(`spec has no POST /${action}`);
  const body = operation.requestBody as JsonObject;
  const schema = ((body.content as JsonObject)['application/json'] as JsonObject).schema;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `${schemaBase}${action}.json`,
    title: `Beckn core 1.1.0 ${action} request body`,
    ...(typeof operation.description === 'string' ? { description: operation.description } : {}),
    ...(convertSchema(schema as Json, false) as JsonObject),
  };
}

function componentsSchema(spec: JsonObject): JsonObject {
  const components = (spec.components as JsonObject).schemas as JsonObject;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `${schemaBase}${componentsFile}`,
    title: 'Beckn core 1.1.0 component schemas',
    $defs: Object.fromEntries(Object.entries(components).map(([name, schema]) => [name, convertSchema(schema, true)])),
  };
}

/** File name -> file text of everything beckn-schemas/core/ should hold. */
function generateCoreSchemas(specText: string): Map<string, string> {
  const spec = parse(specText) as JsonObject;
  const files = new Map<string, string>();
  const write = (name: string, schema: JsonObject) => files.set(name, `${JSON.stringify(schema, null, 2)}\n`);
  write(componentsFile, componentsSchema(spec));
  for (const action of becknActions) write(`${action}.json`, requestSchema(spec, action));
  return files;
}

function option(args: string[], name: string, fallback: string): string {
  const index = args.indexOf(name);
  const value = index === -1 ? undefined : args[index + 1];
  return value === undefined ? fallback : resolve(value);
}

function main(args: string[]): number {
  const specFile = option(args, '--spec', resolve(repoRoot, '../shared/beckn/spec/core-1.1.0-transaction.yaml'));
  const outDir = option(args, '--out', join(repoRoot, 'beckn-schemas/core'));
  const expected = generateCoreSchemas(readFileSync(specFile, 'utf8'));

  if (args.includes('--check')) {
    const present = existsSync(outDir) ? readdirSync(outDir).filter((name) => name.endsWith('.json')) : [];
    const stale = [...expected].filter(([name, text]) => !present.includes(name) || readFileSync(join(outDir, name), 'utf8') !== text);
    const extra = present.filter((name) => !expected.has(name));
    for (const [name] of stale) process.stderr.write(`out of date: ${join(outDir, name)}\n`);
    for (const name of extra) process.stderr.write(`not generated from the spec: ${join(outDir, name)}\n`);
    if (stale.length + extra.length > 0) return 1;
    process.stdout.write(`${expected.size} schema files in ${outDir} are up to date\n`);
    return 0;
  }
  mkdirSync(outDir, { recursive: true });
  for (const [name, text] of expected) writeFileSync(join(outDir, name), text);
  process.stdout.write(`wrote ${expected.size} schema files to ${outDir}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
