import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The official example payloads, read from the shared folder beside the repository. */
export const examplesRoot = fileURLToPath(new URL('../../../shared/beckn/examples/', import.meta.url));

export interface BecknExample {
  /** Path below the examples folder, for messages. */
  name: string;
  action: string;
  domain: string;
  body: { context: Record<string, unknown>; message?: unknown; error?: unknown };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.json') ? [path] : [];
  });
}

export function loadExamples(): BecknExample[] {
  return walk(examplesRoot)
    .sort()
    .map((path) => {
      const body = JSON.parse(readFileSync(path, 'utf8')) as BecknExample['body'];
      return { name: relative(examplesRoot, path), action: String(body.context.action), domain: String(body.context.domain), body };
    });
}

/** A deep copy of an example with context fields replaced (fresh ids, timestamps, our participants). */
export function restamp(example: BecknExample, context: Record<string, unknown>): BecknExample['body'] {
  const body = structuredClone(example.body);
  body.context = { ...body.context, ...context };
  return body;
}
