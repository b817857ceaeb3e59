import { relative } from 'node:path';
import { knownDeviations } from '../protocol/beckn-example-deviations.js';
import { example, examplesRoot, jsonFiles } from '../protocol/beckn-examples.js';

export interface BecknExample {
  /** Path below the examples folder, as in the deviation list. */
  name: string;
  action: string;
  domain: string;
  body: { context: Record<string, any>; message?: any; error?: unknown };
}

export function loadExamples(): BecknExample[] {
  return jsonFiles(examplesRoot).map((path) => {
    const name = relative(examplesRoot, path);
    const body = example(name) as BecknExample['body'];
    return { name, action: String(body.context.action), domain: String(body.context.domain), body };
  });
}

/** Rewrites the leaves a documented deviation names into the form the spec asks for (a number id → string, a bare image URL → Image). */
function repairLeaf(pointer: string, value: unknown, keyword: string): unknown {
  if (keyword === 'type' && typeof value === 'number') return String(value);
  if (keyword === 'type' && typeof value === 'string' && pointer.includes('/images/')) return { url: value };
  if (keyword === 'enum') return '000';
  return value;
}

function walk(node: any, pointer: string, visit: (pointer: string, value: unknown) => unknown): any {
  if (node === null || typeof node !== 'object') return visit(pointer, node);
  for (const key of Object.keys(node)) node[key] = walk(node[key], `${pointer}/${key}`, visit);
  return visit(pointer, node);
}

/**
 * A deep copy of an example with only its documented deviations
 * (test/protocol/beckn-example-deviations.ts) repaired, and context fields
 * replaced (fresh ids, timestamps, our participants).
 */
export function restamp(source: BecknExample, context: Record<string, unknown>): BecknExample['body'] {
  const deviations = knownDeviations.filter((d) => d.files.includes(source.name));
  const body = walk(structuredClone(source.body), '', (pointer, value) => {
    const deviation = deviations.find((d) => d.path.test(pointer));
    return deviation ? repairLeaf(pointer, value, deviation.keyword) : value;
  }) as BecknExample['body'];
  body.context = { ...body.context, ...context };
  for (const key of Object.keys(body.context)) if (body.context[key] === undefined) delete body.context[key];
  return body;
}
